"""Foundry, gateway, preview and sovereign-cloud endpoint URLs (issue 17: each pasted URL and
what it becomes)."""

import pytest

from chatdesk.core.endpoints import UrlFields, fields_in_url
from chatdesk.core.profiles import (
    check_endpoint,
)
from tests.support.profiles import ROOT, V1, profile

# -- Foundry, gateways and preview (issue 17: each pasted URL and what it becomes) ---------------
FOUNDRY = "https://NAME.services.ai.azure.com"


@pytest.mark.parametrize(
    ("kind", "pasted", "expected", "note_part"),
    [
        (
            "azure-v1",
            "https://NAME.services.ai.azure.com/api/projects/PROJ",
            "https://name.services.ai.azure.com/openai/v1/",
            "Foundry project endpoint (project 'PROJ')",
        ),
        (
            "azure-api-version",
            "https://NAME.services.ai.azure.com/api/projects/PROJ",
            "https://name.services.ai.azure.com/",
            "served by the resource itself",
        ),
        (
            "azure-v1",
            "https://NAME.services.ai.azure.com/models/chat/completions"
            "?api-version=2024-05-01-preview",
            "https://name.services.ai.azure.com/openai/v1/",
            "model-inference URL (/models)",
        ),
        (
            "azure-api-version",
            "https://contoso-apim.azure-api.net/aoai/deployments/gpt-4o/chat/completions"
            "?api-version=2024-10-21",
            "https://contoso-apim.azure-api.net/aoai/deployments/",
            "under /aoai rather than /openai",
        ),
        (
            "azure-v1",
            "https://contoso-apim.azure-api.net/team-a/v1/chat/completions",
            "https://contoso-apim.azure-api.net/team-a/v1/",
            "/chat/completions",
        ),
        (
            "azure-v1",
            "https://contoso-apim.azure-api.net/aoai",
            "https://contoso-apim.azure-api.net/aoai/openai/v1/",
            "Requests go to https://contoso-apim.azure-api.net/aoai/openai/v1/chat/completions",
        ),
        (
            "openai-compatible",
            "https://NAME.services.ai.azure.com/models/chat/completions",
            "https://name.services.ai.azure.com/models?api-version=2024-05-01-preview",
            "2024-05-01-preview was added",
        ),
        (
            "openai-compatible",
            "https://contoso-apim.azure-api.net/aoai/deployments/gpt-4o/chat/completions"
            "?api-version=2024-10-21",
            "https://contoso-apim.azure-api.net/aoai/deployments/gpt-4o?api-version=2024-10-21",
            "/chat/completions",
        ),
    ],
)
def test_foundry_and_gateway_urls_are_recognised(kind, pasted, expected, note_part):
    result = check_endpoint(kind, pasted)
    assert (result.url, result.error) == (expected, None)
    assert any(note_part in note for note in result.notes), result.notes
    again = check_endpoint(kind, result.url)  # what is saved reads back as itself
    assert (again.url, again.error) == (expected, None)


def test_a_gateway_deployment_url_is_not_mangled():
    """Was: /aoai/deployments/DEP/openai/deployments/DEP/chat/completions."""
    pasted = (
        "https://contoso-apim.azure-api.net/aoai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-10-21"
    )
    result = check_endpoint("azure-api-version", pasted)
    assert (result.deployment, result.api_version) == ("gpt-4o", "2024-10-21")
    p = profile(kind="azure-api-version", endpoint=result.url, deployment="gpt-4o")
    assert p.resolved_url() == pasted
    target = p.target()
    assert (target.client, target.base_url, target.azure_endpoint) == (
        "AzureOpenAI",
        "https://contoso-apim.azure-api.net/aoai",
        None,
    )


def test_a_gateway_deployment_url_explains_the_v1_kind_cannot_use_it():
    result = check_endpoint(
        "azure-v1", "https://contoso-apim.azure-api.net/aoai/deployments/gpt-4o/chat/completions"
    )
    assert result.error is not None
    assert "Azure (api-version) kind" in result.error
    assert result.deployment == "gpt-4o"


# The tester's gateway URL (send --endpoint): the kind, deployment and api-version it names, by
# the one rule the Connections dialog's "Use …" button and the command line share.
GATEWAY_URL = "http://127.0.0.1:8801/aoai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"


@pytest.mark.parametrize(
    ("kind", "pasted", "fields"),
    [
        ("azure-v1", GATEWAY_URL, UrlFields("azure-api-version", "gpt-4o", "2024-10-21")),
        ("azure-api-version", GATEWAY_URL,
         UrlFields("azure-api-version", "gpt-4o", "2024-10-21")),
        # An Azure resource serves the v1 API too: the kind stays, the api-version is not v1's.
        ("azure-v1", "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
         "?api-version=2024-10-21", UrlFields("azure-v1", "gpt-4o", None)),
        ("azure-api-version", "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/"
         "completions?api-version=2024-10-21",
         UrlFields("azure-api-version", "gpt-4o", "2024-10-21")),
        ("azure-v1", "https://x.openai.azure.com/", UrlFields("azure-v1")),
        ("azure-v1", "https://x.openai.azure.com/openai/v1/chat/completions?api-version=preview",
         UrlFields("azure-v1")),
    ],
)  # fmt: skip
def test_the_fields_a_pasted_url_names(kind, pasted, fields):
    assert fields_in_url(kind, pasted) == fields


def test_api_version_preview_is_offered_and_accepted():
    pasted = "https://x.openai.azure.com/openai/v1/chat/completions?api-version=preview"
    result = check_endpoint("azure-api-version", pasted)
    assert (result.url, result.api_version) == (ROOT, "preview")
    p = profile(kind="azure-api-version", endpoint=result.url, api_version=result.api_version)
    assert p.check().error is None
    assert p.resolved_url() == (
        "https://x.openai.azure.com/openai/v1/chat/completions?api-version=preview"
    )
    target = p.target()
    assert (target.client, target.base_url, target.default_query) == (
        "OpenAI",
        V1,
        {"api-version": "preview"},
    )


def test_an_openai_compatible_api_version_is_sent_as_a_query():
    p = profile(
        kind="openai-compatible",
        endpoint="https://name.services.ai.azure.com/models?api-version=2024-05-01-preview",
    )
    target = p.target()
    assert target.base_url == "https://name.services.ai.azure.com/models"
    assert target.default_query == {"api-version": "2024-05-01-preview"}
    assert p.resolved_url() == (
        "https://name.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview"
    )


@pytest.mark.parametrize(
    ("host", "cloud_scope"),
    [
        ("https://x.openai.azure.us", "https://cognitiveservices.azure.us/.default"),
        ("https://x.openai.azure.cn", "https://cognitiveservices.azure.cn/.default"),
    ],
)
def test_sovereign_cloud_endpoints_are_azure_endpoints(host, cloud_scope):
    result = check_endpoint("azure-v1", host + "/extra/openai/v1")
    assert result.url.endswith("/openai/v1/")
    assert any("not part of an Azure endpoint" in n for n in result.notes)
    assert profile(endpoint=result.url).scope() == cloud_scope


def test_a_gateway_deployment_url_is_explained_in_the_gateway_s_terms():
    """The tester's pasted gateway URL: the notes named 'the resource endpoint' (a gateway has
    none) and a literal 'DEPLOYMENT' where the deployment's name was known."""
    pasted = (
        "https://contoso-apim.azure-api.net/aoai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-10-21"
    )
    notes = " ".join(check_endpoint("azure-api-version", pasted).notes)
    assert "the gateway's base URL and sends the deployment separately" in notes
    assert "resource endpoint" not in notes
    assert "aoai/deployments/gpt-4o/chat/completions" in notes
    assert "DEPLOYMENT" not in notes
    # An Azure resource's own URL still says resource endpoint.
    azure = check_endpoint(
        "azure-api-version", "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
    )
    assert any("uses the resource endpoint" in note for note in azure.notes), azure.notes
