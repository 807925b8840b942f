"""Endpoint URLs as people paste them (core/endpoints.py): what each form of the azure-v1,
azure-api-version and openai-compatible kinds becomes, the notes, the errors, loopback HTTP."""

import pytest

from chatdesk.core.profiles import (
    check_endpoint,
    is_loopback_host,
)
from tests.support.profiles import DEPLOYMENT_NOTE, ROOT, V1


# -- azure-v1 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("https://x.openai.azure.com", V1),
        ("https://x.openai.azure.com/", V1),
        ("https://x.openai.azure.com/openai", V1),
        ("https://x.openai.azure.com/openai/", V1),
        ("https://x.openai.azure.com/openai/v1", V1),
        ("https://x.openai.azure.com/openai/v1/", V1),
        ("HTTPS://X.OpenAI.Azure.com/OpenAI/V1", V1),
        ("https://x.openai.azure.com//openai//v1//", V1),
        ("  https://x.openai.azure.com/openai/v1/\n", V1),
        ('"https://x.openai.azure.com/"', V1),
        ("'https://x.openai.azure.com'", V1),
        ("<https://x.openai.azure.com/>", V1),
        ("“https://x.openai.azure.com”", V1),
        (
            "https://x.cognitiveservices.azure.com/openai/v1",
            "https://x.cognitiveservices.azure.com/openai/v1/",
        ),
        (
            "https://x.cognitiveservices.azure.com",
            "https://x.cognitiveservices.azure.com/openai/v1/",
        ),
        ("https://gw.example.com:8443", "https://gw.example.com:8443/openai/v1/"),
        ("https://gw.example.com/team-a/openai/v1", "https://gw.example.com/team-a/openai/v1/"),
        ("http://localhost:8080/openai/v1", "http://localhost:8080/openai/v1/"),
    ],
)
def test_azure_v1_normalises_without_notes(pasted, expected):
    result = check_endpoint("azure-v1", pasted)
    assert (result.url, result.notes, result.error) == (expected, [], None)


@pytest.mark.parametrize(
    ("pasted", "note_part", "deployment"),
    [
        (
            "https://x.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
            "?api-version=2024-10-21",
            "deployment path for 'gpt4o-prod'",
            "gpt4o-prod",
        ),
        ("https://x.openai.azure.com/openai/deployments/gpt4o-prod", "gpt4o-prod", "gpt4o-prod"),
        ("https://x.openai.azure.com/openai/v1/chat/completions", "/chat/completions", None),
        ("https://x.openai.azure.com/chat/completions", "/chat/completions", None),
        ("https://x.openai.azure.com/openai/v1/models", "/v1/models) was removed", None),
        ("https://x.openai.azure.com/portal/thing", "not part of an Azure endpoint", None),
        (
            "https://x.openai.azure.com/openai/v1?api-version=2024-10-21",
            "needs no api-version",
            None,
        ),
        ("https://x.openai.azure.com/?foo=1", "query (foo) was removed", None),
    ],
)
def test_azure_v1_strips_extras_with_a_note(pasted, note_part, deployment):
    result = check_endpoint("azure-v1", pasted)
    assert result.error is None
    assert result.url == V1
    assert any(note_part in note for note in result.notes), result.notes
    assert result.deployment == deployment
    assert result.api_version is None


def test_the_deployment_note_reads_as_specified():
    url = "https://x.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
    assert check_endpoint("azure-v1", url).notes == [DEPLOYMENT_NOTE]


def test_a_key_in_the_query_is_dropped_and_not_echoed():
    result = check_endpoint("azure-v1", "https://x.openai.azure.com/?api-key=s3cr3t")
    assert result.url == V1
    assert "key parameter" in result.notes[0]
    assert "s3cr3t" not in repr(result)


# -- azure-api-version -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pasted", "expected", "api_version", "note_count"),
    [
        ("https://x.openai.azure.com", ROOT, None, 0),
        ("https://x.openai.azure.com/", ROOT, None, 0),
        ("https://x.openai.azure.com/openai", ROOT, None, 0),
        ("https://x.openai.azure.com/openai/v1/", ROOT, None, 1),
        (
            "https://x.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
            "?api-version=2025-01-01-preview",
            ROOT,
            "2025-01-01-preview",
            2,
        ),
        (
            "https://x.cognitiveservices.azure.com/",
            "https://x.cognitiveservices.azure.com/",
            None,
            0,
        ),
        ("https://gw.example.com/team-a/openai", "https://gw.example.com/team-a/", None, 0),
    ],
)
def test_azure_api_version_normalises_to_the_resource_root(
    pasted, expected, api_version, note_count
):
    result = check_endpoint("azure-api-version", pasted)
    assert result.error is None
    assert (result.url, result.api_version, len(result.notes)) == (
        expected,
        api_version,
        note_count,
    )


def test_azure_api_version_names_deployment_and_suggested_version():
    result = check_endpoint(
        "azure-api-version",
        "https://x.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
        "?api-version=2024-06-01",
    )
    assert result.notes[0] == DEPLOYMENT_NOTE
    assert result.notes[1] == "The URL names api-version 2024-06-01."
    assert result.deployment == "gpt4o-prod"


# -- openai-compatible -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pasted", "expected", "note_part"),
    [
        ("http://localhost:11434/v1", "http://localhost:11434/v1", None),
        ("http://localhost:11434/v1/", "http://localhost:11434/v1", None),
        ("https://api.openai.com/v1", "https://api.openai.com/v1", None),
        (
            "http://127.0.0.1:8000/v1/chat/completions",
            "http://127.0.0.1:8000/v1",
            "/chat/completions",
        ),
        ("http://localhost:8080", "http://localhost:8080", "usually serve under /v1"),
        ("https://api.example.com/v1?x=1", "https://api.example.com/v1", "query (x)"),
        ("https://x.openai.azure.com/", "https://x.openai.azure.com", "Azure (v1) kind"),
        ("https://x.openai.azure.com/openai/v1/", "https://x.openai.azure.com/openai/v1", None),
    ],
)
def test_openai_compatible_keeps_the_path(pasted, expected, note_part):
    result = check_endpoint("openai-compatible", pasted)
    assert (result.url, result.error) == (expected, None)
    if note_part is None:
        assert result.notes == []
    else:
        assert len(result.notes) == 1
        assert note_part in result.notes[0]


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["azure-v1", "azure-api-version", "openai-compatible"])
@pytest.mark.parametrize(
    ("pasted", "error_part"),
    [
        ("", "Enter the endpoint"),
        ("   ", "Enter the endpoint"),
        ("x.openai.azure.com", "must start with https://"),
        ("ftp://x.openai.azure.com", "must start with https://"),
        ("https://", "has no host name"),
        ("https:///openai/v1", "has no host name"),
        ("https://x.openai.azure .com", "contains a space"),
        ("https://x.openai.azure.com:abc/", "not a valid URL"),
        ("https://user:pw@x.openai.azure.com/", "must not contain a user name or password"),
        ("http://x.openai.azure.com/", "will not send a key over plain http://"),
        ("http://192.168.1.10:8000/v1", "will not send a key over plain http://"),
        ("http://0.0.0.0:8000/v1", "will not send a key over plain http://"),
        ("http://localhost.example.com/v1", "will not send a key over plain http://"),
    ],
)
def test_errors_name_the_problem(kind, pasted, error_part):
    result = check_endpoint(kind, pasted)
    assert result.error is not None
    assert error_part in result.error
    assert not result.ok


def test_missing_scheme_error_suggests_the_https_url():
    result = check_endpoint("azure-v1", "x.openai.azure.com")
    assert (
        result.error == "The endpoint must start with https:// (e.g. https://x.openai.azure.com/)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost",
        "http://LOCALHOST:1234/v1",
        "http://127.0.0.1:8000/v1",
        "http://127.0.0.5",
        "http://127.255.255.254:9/v1",
        "http://[::1]:8080",
        "http://[::1]:8080/v1",
        "http://[::ffff:127.0.0.1]/v1",
    ],
)
def test_plain_http_is_allowed_to_loopback(url):
    assert check_endpoint("openai-compatible", url).error is None


def test_plain_http_elsewhere_is_allowed_when_nothing_secret_is_sent():
    result = check_endpoint("openai-compatible", "http://192.168.1.10:8000/v1", sends_secret=False)
    assert (result.url, result.error) == ("http://192.168.1.10:8000/v1", None)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.5", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("128.0.0.1", False),
        ("::2", False),
        ("localhost.evil.com", False),
        ("example.com", False),
    ],
)
def test_is_loopback_host(host, loopback):
    assert is_loopback_host(host) is loopback
