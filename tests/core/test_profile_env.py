"""The profile made from the AZURE_OPENAI_* environment variables."""

import json

import pytest

from chatdesk.core.profile_env import profile_from_env
from chatdesk.core.profiles import DEFAULT_API_VERSION, ENV_PROFILE_NAME
from tests.support.profiles import ROOT, V1

# -- environment -----------------------------------------------------------------------------
AZ = {"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com/"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"UNRELATED": "1", "AZURE_OPENAI_ENDPOINT": "  "}, None),
        (
            {**AZ, "AZURE_OPENAI_API_KEY": "k"},
            {"kind": "azure-v1", "endpoint": V1, "deployment": "gpt-4o", "auth": "key",
             "key_env": "AZURE_OPENAI_API_KEY", "api_version": DEFAULT_API_VERSION},
        ),
        (
            {**AZ, "AZURE_OPENAI_API_KEY": "k", "OPENAI_API_VERSION": "2025-01-01-preview"},
            {"kind": "azure-api-version", "endpoint": ROOT, "api_version": "2025-01-01-preview",
             "auth": "key", "key_env": "AZURE_OPENAI_API_KEY"},
        ),
        (
            AZ,
            {"kind": "azure-v1", "auth": "entra", "entra_mode": "default", "key_env": None},
        ),
        (
            {**AZ, "AZURE_OPENAI_API_KEY": ""},
            {"auth": "entra", "entra_mode": "default", "key_env": None},
        ),
        ({**AZ, "AZURE_OPENAI_DEPLOYMENT": "prod"}, {"deployment": "prod"}),
        ({**AZ, "AZURE_OPENAI_DEPLOYMENT_NAME": "named"}, {"deployment": "named"}),
        (
            {**AZ, "AZURE_OPENAI_DEPLOYMENT": "a", "AZURE_OPENAI_DEPLOYMENT_NAME": "b"},
            {"deployment": "a"},
        ),
        (
            {**AZ, "OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_API_KEY": "k"},
            {"kind": "azure-v1"},
        ),
        (
            {"OPENAI_BASE_URL": "http://localhost:11434/v1/", "OPENAI_API_KEY": "k"},
            {"kind": "openai-compatible", "endpoint": "http://localhost:11434/v1",
             "auth": "key", "key_env": "OPENAI_API_KEY"},
        ),
        (
            {"OPENAI_BASE_URL": "http://localhost:8000/v1"},
            {"kind": "openai-compatible", "endpoint": "http://localhost:8000/v1", "key_env": None},
        ),
        (
            {"OPENAI_API_KEY": "k"},
            {"kind": "openai-compatible", "endpoint": "https://api.openai.com/v1",
             "key_env": "OPENAI_API_KEY", "deployment": "gpt-4o"},
        ),
    ],
)  # fmt: skip
def test_profile_from_env(env, expected):
    p = profile_from_env(env)
    if expected is None:
        assert p is None
        return
    assert p is not None
    assert p.name == ENV_PROFILE_NAME
    assert {k: getattr(p, k) for k in expected} == expected


def test_env_profile_never_holds_the_key_value():
    p = profile_from_env({**AZ, "AZURE_OPENAI_API_KEY": "s3cr3t-value"})
    assert p is not None
    assert "s3cr3t-value" not in json.dumps(p.to_json())
    assert "s3cr3t-value" not in repr(p)


def test_env_profile_keeps_an_endpoint_it_cannot_normalise():
    p = profile_from_env(
        {"AZURE_OPENAI_ENDPOINT": "x.openai.azure.com", "AZURE_OPENAI_API_KEY": "k"}
    )
    assert p is not None
    assert p.endpoint == "x.openai.azure.com"
    assert p.check().field == "endpoint"


def test_a_full_gateway_url_names_the_deployment_and_api_version():
    # The rule the Connections dialog and `send --endpoint` share (core.endpoints.fields_in_url).
    profile = profile_from_env({
        "AZURE_OPENAI_ENDPOINT": "https://apim.example.net/aoai/deployments/gpt-4o-mini/chat/"
        "completions?api-version=2024-10-21",
        "AZURE_OPENAI_API_KEY": "k",
    })  # fmt: skip
    assert profile is not None
    assert (profile.kind, profile.deployment, profile.api_version) == (
        "azure-api-version", "gpt-4o-mini", "2024-10-21"
    )  # fmt: skip
    assert profile.resolved_url() == (
        "https://apim.example.net/aoai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21"
    )
