import json

import pytest

from chatdesk.core.profile_env import profile_from_env
from chatdesk.core.profiles import (
    DEFAULT_API_VERSION,
    ENV_PROFILE_NAME,
    ConnectionProfile,
    EndpointCheck,
    ProfileError,
    check_deployment,
    check_endpoint,
    is_loopback_host,
)

DEPLOYMENT_NOTE = (
    "The URL contained the deployment path for 'gpt4o-prod'; chatdesk uses the resource "
    "endpoint and sends the deployment separately."
)
V1 = "https://x.openai.azure.com/openai/v1/"
ROOT = "https://x.openai.azure.com/"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))


def profile(**changes) -> ConnectionProfile:
    fields = {"name": "work", "kind": "azure-v1", "endpoint": V1, "deployment": "gpt4o-prod"}
    return ConnectionProfile(**{**fields, **changes})


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
    assert "2024-06-01 is suggested" in result.notes[1]
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


# -- JSON ------------------------------------------------------------------------------------
def full_profile() -> ConnectionProfile:
    return profile(
        kind="azure-api-version",
        endpoint=ROOT,
        api_version="2025-01-01-preview",
        auth="entra",
        entra_mode="device-code",
        tenant_id="contoso.onmicrosoft.com",
        client_id="00000000-0000-0000-0000-000000000001",
        model="gpt-4o",
        model_family="gpt-4.1",
        key_env="WORK_KEY",
    )


def test_json_round_trip():
    p = full_profile()
    data = json.loads(json.dumps(p.to_json()))
    assert ConnectionProfile.from_json(data) == p


def test_from_json_applies_defaults_and_ignores_unknown_keys():
    p = ConnectionProfile.from_json(
        {"name": "w", "kind": "azure-v1", "endpoint": V1, "deployment": "d", "future": [1]}
    )
    assert p == ConnectionProfile("w", "azure-v1", V1, "d")
    assert (p.api_version, p.auth, p.entra_mode, p.model_family) == (
        DEFAULT_API_VERSION,
        "key",
        "browser",
        "gpt-4o",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deployment": 3}, "deployment"),
        ({"name": None}, "name"),
        ({"endpoint": ["x"]}, "endpoint"),
        ({"kind": "azure"}, "kind"),
        ({"auth": "password"}, "auth"),
        ({"entra_mode": True}, "entra_mode"),
        ({"tenant_id": 5}, "tenant_id"),
        ({"key_env": {}}, "key_env"),
        ({"api_version": 20241021}, "api_version"),
    ],
)
def test_from_json_wrong_types_name_the_field(change, field):
    data = {**full_profile().to_json(), **change}
    with pytest.raises(ProfileError, match=field) as info:
        ConnectionProfile.from_json(data)
    assert info.value.field == field


def test_from_json_missing_required_field():
    data = full_profile().to_json()
    del data["endpoint"]
    with pytest.raises(ProfileError, match="has no 'endpoint'"):
        ConnectionProfile.from_json(data)


def test_from_json_needs_an_object():
    with pytest.raises(ProfileError, match="must be a JSON object, not a list"):
        ConnectionProfile.from_json([])


def test_auth_switch_keeps_the_other_modes_fields():
    entra = full_profile()
    keyed = entra.with_auth("key")
    assert keyed.auth == "key"
    assert (keyed.tenant_id, keyed.client_id, keyed.entra_mode, keyed.key_env) == (
        "contoso.onmicrosoft.com",
        "00000000-0000-0000-0000-000000000001",
        "device-code",
        "WORK_KEY",
    )
    back = ConnectionProfile.from_json(keyed.to_json()).with_auth("entra")
    assert back == entra
    entra.auth = "key"  # plain field assignment must not clear anything either
    assert entra.tenant_id == "contoso.onmicrosoft.com"


def test_repr_and_json_hold_no_secret_fields():
    names = set(full_profile().to_json())
    assert not names & {"api_key", "key", "secret", "password", "token"}


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


def test_gateway_headers_round_trip_and_are_checked():
    p = profile(
        headers={"X-Team": "a"}, secret_headers=["Ocp-Apim-Subscription-Key"], key_header="api-key"
    )
    assert ConnectionProfile.from_json(p.to_json()) == p
    assert p.sends_key_as() == "api-key"
    assert profile(headers={"Bad Name": "x"}).check().field == "headers"
    assert profile(headers={"Content-Type": "x"}).check().field == "headers"
