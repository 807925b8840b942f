"""A profile's deployments: the entry's open shape, picking one, and the v1 → v2 migration."""

import json

import pytest

from chatdesk.core.paths import settings_path
from chatdesk.core.profile_deployments import Deployment, merge_listed
from chatdesk.core.profiles import ConnectionProfile, ProfileError
from chatdesk.core.settings import _MIGRATIONS, SCHEMA_VERSION, load_settings, save_settings

V1 = "https://x.openai.azure.com/openai/v1/"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))


def three() -> ConnectionProfile:
    return ConnectionProfile(
        "work", "azure-v1", V1, "chat-prod",
        deployments=[Deployment("chat-prod", "gpt-5"), Deployment("fast"),
                     Deployment("reasoner", "o3")],
    )  # fmt: skip


# A settings file as chatdesk wrote it before deployments were a list (schema 1), word for word.
V1_FILE = {
    "schema_version": 1,
    "profiles": [
        {"name": "work", "kind": "azure-v1", "endpoint": V1, "deployment": "chat-prod",
         "api_version": "2024-10-21", "auth": "entra", "entra_mode": "browser",
         "tenant_id": "contoso.onmicrosoft.com", "client_id": None, "model": "gpt-5",
         "model_family": "gpt-4o", "key_env": None, "cloud": "auto", "entra_scope": None,
         "key_header": "auto", "headers": {"x-team": "blue"},
         "secret_headers": ["Ocp-Apim-Subscription-Key"]},
        {"name": "local", "kind": "openai-compatible", "endpoint": "http://localhost:11434/v1",
         "deployment": "llama3.1:8b", "model": None},
    ],
    "active_profile": "local",
    "deployments": {f"{V1.rstrip('/')} chat-prod": {"limit_param": "max_completion_tokens",
                                                     "read_timeout": 600}},
}  # fmt: skip


def test_a_v1_settings_file_migrates_with_nothing_lost():
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(V1_FILE))
    loaded = load_settings()
    assert (loaded.warning, loaded.migrated_from) == (None, 1)
    work, local = loaded.settings.profiles
    assert work.deployments == [Deployment("chat-prod", "gpt-5")]
    assert (work.deployment, work.model) == ("chat-prod", "gpt-5")
    assert work.model_info().key == "gpt-5"
    assert (work.tenant_id, work.headers, work.secret_headers) == (
        "contoso.onmicrosoft.com", {"x-team": "blue"}, ["Ocp-Apim-Subscription-Key"],
    )  # fmt: skip
    assert local.deployments == [Deployment("llama3.1:8b")]
    assert local.model is None
    assert loaded.settings.active_profile == "local"
    # What the deployment taught stays keyed by the same endpoint and deployment.
    note = loaded.settings.deployments.get(f"{V1.rstrip('/')} chat-prod")
    assert note is not None
    assert note.read_timeout == 600
    save_settings(loaded.settings)
    saved = json.loads(path.read_text())
    assert saved["schema_version"] == SCHEMA_VERSION
    assert saved["profiles"][0]["deployments"] == [{"name": "chat-prod", "model": "gpt-5"}]
    assert "model" not in saved["profiles"][0]  # one record of the model: the entry
    again = load_settings()
    assert again.migrated_from is None
    assert again.settings.profiles == loaded.settings.profiles


def test_the_migration_leaves_its_input_alone_and_keeps_an_existing_list():
    doc = json.loads(json.dumps(V1_FILE))
    listed = [{"name": "a"}, {"name": "b"}]
    new = {"name": "new", "kind": "azure-v1", "endpoint": V1, "deployments": listed}
    doc["profiles"].append(new)
    out = _MIGRATIONS[1](doc)
    assert out["schema_version"] == 2
    assert out["profiles"][2]["deployments"] == [{"name": "a"}, {"name": "b"}]
    assert doc["profiles"][0]["model"] == "gpt-5"  # not modified
    assert "deployments" not in doc["profiles"][0]


def test_unknown_entry_fields_are_kept_through_a_save():
    """Fields other features add to an entry (prices, an API mode) survive load and save."""
    entry = {"name": "chat-prod", "model": "gpt-5",
             "prices": {"input": 1.25, "cached_input": 0.125, "output": 10.0},
             "api_mode": "responses"}  # fmt: skip
    data = {"name": "work", "kind": "azure-v1", "endpoint": V1, "deployment": "chat-prod",
            "deployments": [entry, {"name": "fast"}]}  # fmt: skip
    profile = ConnectionProfile.from_json(data)
    assert profile.deployments[0].extra == {
        "prices": {"input": 1.25, "cached_input": 0.125, "output": 10.0}, "api_mode": "responses"
    }  # fmt: skip
    assert profile.to_json()["deployments"] == [entry, {"name": "fast"}]
    from chatdesk.core.settings import Settings

    save_settings(Settings(profiles=[profile]))
    assert load_settings().settings.profiles[0].deployments[0].to_json() == entry


def test_a_conversation_picks_a_deployment_and_its_model():
    profile = three()
    assert profile.deployment_names() == ["chat-prod", "fast", "reasoner"]
    picked = profile.using("reasoner")
    assert (picked.deployment, picked.model, picked.model_info().key) == (
        "reasoner", "o3", "o3",
    )  # fmt: skip
    assert picked.target().url == f"{V1}chat/completions"
    assert picked.deployments == profile.deployments
    assert profile.deployment == "chat-prod"
    assert profile.using(None) is profile
    assert profile.using(" ") is profile
    # A name typed for one request (chatdesk send --deployment) is used with the name's model.
    adhoc = profile.using("gpt-4.1-mini")
    assert (adhoc.deployment, adhoc.model, adhoc.model_info().key) == (
        "gpt-4.1-mini", None, "gpt-4.1-mini",
    )  # fmt: skip
    assert adhoc.deployment_names() == ["chat-prod", "fast", "reasoner"]


def test_a_profile_of_one_deployment_is_a_list_of_one():
    profile = ConnectionProfile("p", "azure-v1", V1, "chat-prod", model="gpt-5")
    assert profile.deployments == [Deployment("chat-prod", "gpt-5")]


@pytest.mark.parametrize(
    ("deployments", "field", "text"),
    [
        ([{"name": "a"}, {"name": "a"}], "deployments", "'a' is listed twice"),
        ([{"name": "a"}, {"name": "has space"}], "deployments", "contains a space"),
    ],
)
def test_bad_lists_are_named(deployments, field, text):
    data = {"name": "w", "kind": "azure-v1", "endpoint": V1, "deployment": "a",
            "deployments": deployments}  # fmt: skip
    check = ConnectionProfile.from_json(data).check()
    assert check.field == field
    assert text in (check.error or "")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"model": "gpt-5"}, "deployments[0] needs a 'name'"),
        (3, "deployments[0] must be an object"),
        ({"name": "a", "model": 5}, "'model' must be a string"),
    ],
)
def test_unreadable_entries_raise_naming_the_entry(value, text):
    data = {"name": "w", "kind": "azure-v1", "endpoint": V1, "deployments": [value]}
    with pytest.raises(ProfileError, match=text.replace("[", r"\[").replace("]", r"\]")):
        ConnectionProfile.from_json(data)


def test_without_a_default_the_first_entry_is_it():
    data = {"name": "w", "kind": "azure-v1", "endpoint": V1,
            "deployments": [{"name": "b", "model": "gpt-4.1"}, "c"]}  # fmt: skip
    profile = ConnectionProfile.from_json(data)
    assert (profile.deployment, profile.model) == ("b", "gpt-4.1")
    assert profile.deployments[1] == Deployment("c")


def test_listed_names_join_without_touching_existing_entries():
    current = [Deployment("a", "gpt-5", {"prices": {"input": 1.0}})]
    merged = merge_listed(current, ["b", "a", " ", "c"])
    assert [d.name for d in merged] == ["a", "b", "c"]
    assert merged[0] is current[0]


def test_editing_the_default_keeps_the_other_entries_and_its_fields():
    profile = three()
    profile.deployments[0].extra["api_mode"] = "responses"
    edited = profile.with_default(" chat-main ", "gpt-5.1")
    assert [d.name for d in edited.deployments] == ["chat-main", "fast", "reasoner"]
    assert edited.deployments[0] == Deployment("chat-main", "gpt-5.1", {"api_mode": "responses"})
    assert (edited.deployment, edited.model) == ("chat-main", "gpt-5.1")
    assert profile.deployments[0].name == "chat-prod"  # the original is not changed


def test_a_recorded_deployment_is_used_only_when_the_profile_has_it():
    profile = three()
    assert profile.picked("fast").deployment == "fast"
    assert profile.picked("gone") is profile
    assert profile.picked(None) is profile
