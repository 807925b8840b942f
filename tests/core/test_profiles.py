"""Connection profiles (core/profiles.py): the deployment check, the profile's own checks, its
resolved URLs, model matching and gateway headers."""

import pytest

from chatdesk.core.profiles import (
    ConnectionProfile,
    EndpointCheck,
    ProfileError,
    check_deployment,
)
from tests.support.profiles import DEPLOYMENT_NOTE, ROOT, V1, profile


# -- deployment ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "deployment", "error_part"),
    [
        ("azure-v1", "gpt4o-prod", None),
        ("azure-v1", "gpt-4o_2024.08", None),
        ("azure-v1", "", "Enter the deployment name (the name from Azure AI Foundry"),
        ("azure-v1", "  ", "Enter the deployment name"),
        ("azure-v1", "GPT-4o mini", "not the model's display name"),
        ("azure-api-version", "openai/gpt-4o", "contains '/'"),
        ("azure-v1", "https://x.openai.azure.com/", "looks like a URL"),
        ("openai-compatible", "Qwen/Qwen2.5-7B-Instruct", None),
        ("openai-compatible", "llama3.1:8b", None),
        ("openai-compatible", "", "Enter the model name."),
        ("openai-compatible", "llama 3", "contains a space."),
    ],
)
def test_check_deployment(kind, deployment, error_part):
    error = check_deployment(kind, deployment)
    if error_part is None:
        assert error is None
    else:
        assert error is not None
        assert error_part in error


# -- profile checks and URLs -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "endpoint", "resolved", "base"),
    [
        ("azure-v1", "https://x.openai.azure.com", V1, V1),
        (
            "azure-api-version",
            "https://x.openai.azure.com/openai/v1",
            "https://x.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
            "?api-version=2024-10-21",
            ROOT,
        ),
        (
            "openai-compatible",
            "http://localhost:11434/v1/",
            "http://localhost:11434/v1/chat/completions",
            "http://localhost:11434/v1",
        ),
    ],
)
def test_resolved_url_per_kind(kind, endpoint, resolved, base):
    p = profile(kind=kind, endpoint=endpoint)
    assert p.resolved_url() == resolved
    assert p.base_url() == base


def test_resolved_url_uses_the_profiles_api_version():
    p = profile(kind="azure-api-version", endpoint=ROOT, api_version="2025-01-01-preview")
    assert p.resolved_url().endswith("?api-version=2025-01-01-preview")


@pytest.mark.parametrize(
    ("changes", "field", "error_part"),
    [
        ({"endpoint": "http://x.openai.azure.com"}, "endpoint", "plain http://"),
        ({"name": " "}, "name", "needs a name"),
        ({"deployment": "GPT 4o"}, "deployment", "Azure AI Foundry → Deployments"),
        ({"kind": "azure-api-version", "api_version": "latest"}, "api_version", "2024-10-21"),
        ({"key_env": "0123456789abcdef0123456789abcdef"}, "key_env", "environment variable"),
        ({"key_env": "sk-abc123"}, "key_env", "environment variable"),
    ],
)
def test_profile_check_reports_the_field(changes, field, error_part):
    p = profile(**changes)
    result = p.check()
    assert result.field == field
    assert result.error is not None
    assert error_part in result.error
    with pytest.raises(ProfileError) as info:
        p.resolved_url()
    assert info.value.field == field


def test_profile_check_passes_notes_through():
    p = profile(
        endpoint="https://x.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions"
    )
    assert p.check() == EndpointCheck(V1, [DEPLOYMENT_NOTE], deployment="gpt4o-prod")


def test_profile_check_can_allow_http_without_a_secret():
    p = profile(kind="openai-compatible", endpoint="http://10.0.0.2:8000/v1", deployment="m")
    assert p.check().field == "endpoint"
    assert p.check(sends_secret=False).ok


def test_model_match_prefers_model_then_deployment_then_family():
    assert profile(deployment="gpt-4o-mini-prod").model_match().family.key == "gpt-4o-mini"
    assert profile(deployment="prod", model="gpt-4.1").model_match().family.key == "gpt-4.1"
    match = profile(deployment="prod", model_family="o3").model_match()
    assert (match.family.key, match.exact) == ("o3", False)


def test_gateway_headers_round_trip_and_are_checked():
    p = profile(
        headers={"X-Team": "a"}, secret_headers=["Ocp-Apim-Subscription-Key"], key_header="api-key"
    )
    assert ConnectionProfile.from_json(p.to_json()) == p
    assert p.sends_key_as() == "api-key"
    assert profile(headers={"Bad Name": "x"}).check().field == "headers"
    assert profile(headers={"Content-Type": "x"}).check().field == "headers"
