"""Connection profiles in and out of JSON: round trips, defaults, the errors naming the field."""

import json

import pytest

from chatdesk.core.profiles import (
    DEFAULT_API_VERSION,
    ConnectionProfile,
    ProfileError,
)
from tests.support.profiles import ROOT, V1, profile


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
