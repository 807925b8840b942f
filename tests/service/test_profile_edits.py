"""The profile-edit transaction without a window: renames move keys, header secrets and sign-in
records; removals drop them; a swap of two names loses nothing (issue 17, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.client import header_secret_name
from chatdesk.service.profile_edits import (
    ProfileEdit,
    apply_moves,
    commit,
    final_profile,
    plan_moves,
)
from chatdesk.service.secrets import MemorySecretStore, Secret

HEADER = "Ocp-Apim-Subscription-Key"


def profile(name: str, **kw) -> ConnectionProfile:
    kw.setdefault("deployment", "gpt-4o")
    return ConnectionProfile(name, "azure-v1", "https://x.openai.azure.com", **kw)


def edit(name: str, original: str | None = None, **kw) -> ProfileEdit:
    return ProfileEdit(profile(name, **kw), original, original or name)


@pytest.fixture
def records(tmp_path) -> tuple[Path, callable]:
    def path(name: str) -> Path:
        return tmp_path / "entra" / f"{name}.json"

    return tmp_path, path


def store(**entries: str) -> MemorySecretStore:
    secrets = MemorySecretStore()
    for name, value in entries.items():
        secrets.set(name, Secret(value))
    return secrets


def test_a_rename_moves_the_key_header_secret_and_record(records):
    _, path = records
    secrets = store(old="key-1", **{header_secret_name("old", HEADER): "sub-1"})
    path("old").parent.mkdir(parents=True)
    path("old").write_text("record")
    renamed = ProfileEdit(profile("new", secret_headers=[HEADER]), "old", "old")
    moves = plan_moves([renamed], {}, path)
    apply_moves(secrets, moves)
    assert secrets.get("new") == Secret("key-1")
    assert secrets.get("old") is None
    assert secrets.get(header_secret_name("new", HEADER)) == Secret("sub-1")
    assert secrets.get(header_secret_name("old", HEADER)) is None
    assert path("new").read_text() == "record"
    assert not path("old").exists()


def test_swapping_two_names_loses_nothing(records):
    _, path = records
    secrets = store(a="key-a", b="key-b")
    edits = [ProfileEdit(profile("b"), "a", "a"), ProfileEdit(profile("a"), "b", "b")]
    apply_moves(secrets, plan_moves(edits, {}, path))
    assert (secrets.get("a"), secrets.get("b")) == (Secret("key-b"), Secret("key-a"))
    settings = Settings(profiles=[profile("a", deployment="A"), profile("b", deployment="B")])
    edits[0].profile.deployment, edits[1].profile.deployment = "A", "B"
    commit(settings, edits, [], "b", lambda: None)
    assert [(p.name, p.deployment) for p in settings.profiles] == [("b", "A"), ("a", "B")]
    assert settings.active_profile == "b"


def test_a_removed_profile_loses_its_key_and_record(records):
    _, path = records
    secrets = store(gone="key", kept="key-2")
    path("gone").parent.mkdir(parents=True)
    path("gone").write_text("record")
    secrets.set(header_secret_name("gone", HEADER), Secret("sub"))
    apply_moves(secrets, plan_moves([edit("kept")], {"gone": [HEADER]}, path))
    assert secrets.get("gone") is None
    assert secrets.get(header_secret_name("gone", HEADER)) is None
    assert secrets.get("kept") == Secret("key-2")
    assert not path("gone").exists()


def test_nothing_to_move_is_falsy(records):
    _, path = records
    assert not plan_moves([edit("same", "same")], {}, path)


def test_a_failed_save_restores_the_settings():
    settings = Settings(profiles=[profile("a")], active_profile="a")

    def fail() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        commit(settings, [ProfileEdit(profile("renamed"), "a", "a")], [], "renamed", fail)
    assert [p.name for p in settings.profiles] == ["a"]
    assert settings.active_profile == "a"


def test_the_saved_profile_is_trimmed_and_normalised():
    pasted = profile(" work ", deployment=" gpt-4o ")
    pasted.endpoint = "https://x.openai.azure.com/?api-key=s3cr3t"
    final = final_profile(pasted)
    assert (final.name, final.deployment, final.endpoint) == (
        "work", "gpt-4o", "https://x.openai.azure.com/openai/v1/"
    )  # fmt: skip


def test_a_dropped_secret_header_leaves_the_keyring_on_save_even_when_renamed(records):
    _, path = records
    kept, dropped = HEADER, "X-Gateway-Token"
    secrets = store(old="key-1", **{header_secret_name("old", kept): "sub-1",
                                    header_secret_name("old", dropped): "tok-1"})  # fmt: skip
    renamed = ProfileEdit(profile("new", secret_headers=[kept, dropped]), "old", "old")
    renamed.drop_header(dropped)
    assert renamed.profile.secret_headers == [kept]
    apply_moves(secrets, plan_moves([renamed], {}, path))
    assert secrets.get(header_secret_name("new", kept)) == Secret("sub-1")
    assert secrets.get(header_secret_name("old", dropped)) is None
    assert secrets.get(header_secret_name("new", dropped)) is None


def test_a_header_saved_again_after_dropping_it_stays(records):
    _, path = records
    edited = ProfileEdit(profile("p", secret_headers=[HEADER]), "p", "p")
    edited.drop_header(HEADER)
    edited.keep_header(HEADER)  # the person saved a value for it again
    assert not plan_moves([edited], [], path)
    assert edited.profile.secret_headers == [HEADER]


def test_a_rename_keeps_every_deployment_and_its_fields():
    from chatdesk.core.profile_deployments import Deployment

    deployments = [Deployment("chat", "gpt-5", {"api_mode": "responses"}), Deployment("fast")]
    settings = Settings(profiles=[profile("old", deployment="chat", deployments=deployments)])
    edited = ProfileEdit(profile("new", deployment="chat", deployments=deployments), "old", "old")
    commit(settings, [edited], [], "new", lambda: None)
    (saved,) = settings.profiles
    assert saved.name == "new"
    assert saved.deployments == deployments


def test_a_rename_carries_new_conversation_s_profile_and_is_remembered(tmp_path):
    from chatdesk.core.settings import load_settings, save_settings

    settings = Settings(profiles=[profile("work"), profile("gateway")], active_profile="work")
    settings.new_conversation.profile = "gateway"
    edits = [edit("work2", "work"), edit("gateway-prod", "gateway")]
    path = tmp_path / "settings.json"
    commit(settings, edits, [], "work2", lambda: save_settings(settings, path))
    saved = load_settings(path).settings
    assert saved.active_profile == "work2"
    assert saved.new_conversation.profile == "gateway-prod"
    assert saved.renamed_profiles == {"work": "work2", "gateway": "gateway-prod"}


def test_a_failed_save_restores_the_remembered_renames_and_new_conversation():
    settings = Settings(profiles=[profile("a")], active_profile="a")
    settings.new_conversation.profile = "a"

    def fail() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        commit(settings, [ProfileEdit(profile("renamed"), "a", "a")], [], "renamed", fail)
    assert settings.renamed_profiles == {}
    assert settings.new_conversation.profile == "a"


def test_removing_the_renamed_profile_forgets_the_rename():
    settings = Settings(profiles=[profile("work"), profile("other")], active_profile="other")
    commit(settings, [edit("work2", "work"), edit("other")], [], "other", lambda: None)
    assert settings.renamed_profiles == {"work": "work2"}
    commit(settings, [edit("other")], ["work2"], "other", lambda: None)
    assert settings.renamed_profiles == {}
