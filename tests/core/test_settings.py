import json
import os
from pathlib import Path

import pytest

from chatdesk.core import settings as settings_module
from chatdesk.core.paths import settings_path
from chatdesk.core.profiles import ConnectionProfile, ProfileError
from chatdesk.core.settings import (
    _MIGRATIONS,
    MAX_RECENT,
    SCHEMA_VERSION,
    Settings,
    SystemPreset,
    load_settings,
    save_settings,
    settings_to_json,
)

V1 = "https://x.openai.azure.com/openai/v1/"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))


def prof(name: str, **changes) -> ConnectionProfile:
    return ConnectionProfile(
        **{"name": name, "kind": "azure-v1", "endpoint": V1, "deployment": "gpt-4o", **changes}
    )


def full_settings() -> Settings:
    s = Settings(
        profiles=[
            prof("work", auth="entra", tenant_id="t", client_id="c", key_env="WORK_KEY"),
            prof("local", kind="openai-compatible", endpoint="http://localhost:11434/v1",
                 deployment="llama3.1:8b"),
        ],
        active_profile="local",
        enter_sends=False,
        user_presets=[SystemPreset("Terse", "Be terse.", [("2+2?", "4"), ("Hi", "Hello")])],
        theme="dark",
        window={"geometry": "AdnQywADAAA=", "splitter/main": "AAAA/wAAAAE="},
    )  # fmt: skip
    s.add_recent("/tmp/b.chat.json")
    s.add_recent("/tmp/a.chat.json")
    return s


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.bad-*"))


# -- paths -----------------------------------------------------------------------------------
def test_default_path_is_under_chatdesk_home(tmp_path):
    assert settings_path() == tmp_path / "config" / "settings.json"
    save_settings(Settings())
    assert (tmp_path / "config" / "settings.json").is_file()


# -- round trip ------------------------------------------------------------------------------
def test_missing_file_gives_defaults_without_warning():
    loaded = load_settings()
    assert (loaded.settings, loaded.warning, loaded.migrated_from) == (Settings(), None, None)


def test_save_load_round_trip():
    s = full_settings()
    save_settings(s)
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings == s
    assert loaded.settings.active() == s.profiles[1]


def test_saved_file_is_pretty_json_with_schema_version_first():
    save_settings(full_settings())
    text = settings_path().read_text(encoding="utf-8")
    assert text.startswith(f'{{\n  "schema_version": {SCHEMA_VERSION},\n')
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert doc["user_presets"][0]["examples"][0] == {"user": "2+2?", "assistant": "4"}


def test_saving_twice_gives_the_same_bytes():
    save_settings(full_settings())
    first = settings_path().read_bytes()
    save_settings(load_settings().settings)
    assert settings_path().read_bytes() == first


def test_explicit_path(tmp_path):
    path = tmp_path / "elsewhere" / "s.json"
    save_settings(full_settings(), path)
    assert load_settings(path).settings == full_settings()
    assert not settings_path().exists()


def test_unknown_keys_are_ignored_and_stale_active_profile_is_dropped():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(
        json.dumps({"schema_version": 1, "active_profile": "gone", "future_option": 3})
    )
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings.active_profile is None


# -- bad files -------------------------------------------------------------------------------
GOOD = json.dumps(settings_to_json(full_settings()))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (GOOD[: len(GOOD) // 2], "not valid JSON"),
        ("", "not valid JSON"),
        ("enter_sends = true\n", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[1, 2]", "holds a list, not a settings object"),
        ('"text"', "holds a string"),
        ('{"schema_version": 7}', "written by a newer chatdesk (settings version 7"),
        ('{"schema_version": "1"}', "schema_version '1' is not a version number"),
        ('{"schema_version": -1}', "is not a version number"),
    ],
)
def test_a_bad_file_is_kept_aside_and_defaults_are_used(content, problem):
    path = settings_path()
    path.parent.mkdir(parents=True)
    raw = content if isinstance(content, bytes) else content.encode()
    path.write_bytes(raw)
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert loaded.warning is not None
    assert str(path) in loaded.warning
    assert problem in loaded.warning
    [backup] = backups(path)
    assert backup.read_bytes() == raw
    assert backup.name in loaded.warning
    assert not path.exists()  # the next save cannot overwrite the user's file
    assert ".." not in loaded.warning


def test_two_bad_loads_keep_both_backups():
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("first")
    load_settings()
    path.write_text("second")
    load_settings()
    assert sorted(b.read_text() for b in backups(path)) == ["first", "second"]


def test_saving_after_a_bad_load_keeps_the_backup():
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    save_settings(load_settings().settings)
    assert [b.read_text() for b in backups(path)] == ["{broken"]
    assert load_settings().warning is None


def test_an_unreadable_path_warns_without_moving_anything():
    path = settings_path()
    path.mkdir(parents=True)  # a folder where the file should be
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert loaded.warning is not None
    assert str(path) in loaded.warning
    assert path.is_dir()
    assert backups(path) == []


def test_a_settings_file_that_cannot_be_read_is_never_written_over(tmp_path):
    # Helper cli, session 12: a settings.json that could not be read (here a link loop: ELOOP;
    # without read permission likewise) was loaded as writable, so the next save replaced it
    # with the defaults, losing every profile, though no copy of it could be kept.
    path = tmp_path / "settings.json"
    path.symlink_to(path)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.writable is False
    assert loaded.file_unused is True
    assert loaded.warning is not None
    assert "will not write over it" in loaded.warning
    assert path.is_symlink()
    assert os.readlink(path) == str(path)


# -- migrations ------------------------------------------------------------------------------
def test_every_older_version_has_a_migration():
    assert sorted(_MIGRATIONS) == list(range(SCHEMA_VERSION))


def test_migration_v0_to_v1():
    v0 = {
        "profiles": {
            "work": {"kind": "azure-v1", "endpoint": V1, "deployment": "prod", "api_key": "k"},
            "local": {"kind": "openai-compatible", "endpoint": "http://localhost:8080/v1",
                      "deployment": "m"},
        },
        "active_profile": "local",
        "enter_sends": False,
    }  # fmt: skip
    migrated = _MIGRATIONS[0](v0)
    assert migrated["schema_version"] == 1
    assert [p["name"] for p in migrated["profiles"]] == ["work", "local"]
    assert "api_key" not in migrated["profiles"][0]
    assert "profiles" in v0
    assert isinstance(v0["profiles"], dict)  # the input is not modified


def test_a_v0_file_loads_migrated():
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "profiles": {"work": {"kind": "azure-v1", "endpoint": V1, "deployment": "prod"}},
                "active_profile": "work",
                "theme": "light",
            }
        )
    )
    loaded = load_settings()
    assert (loaded.warning, loaded.migrated_from) == (None, 0)
    assert loaded.settings.active() == prof("work", deployment="prod")
    assert loaded.settings.theme == "light"
    save_settings(loaded.settings)
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    assert load_settings().migrated_from is None


def test_a_v2_file_as_v2_wrote_it_loads_without_the_unread_settings():
    """tests/core/data/settings_v2.json is what chatdesk's v2 `save_settings` wrote, byte for
    byte. Its `default_family` was saved but never read: v3 drops it, keeps the rest."""
    v2 = (Path(__file__).parent / "data" / "settings_v2.json").read_text()
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(v2)
    loaded = load_settings()
    assert (loaded.warning, loaded.migrated_from) == (None, 2)
    settings = loaded.settings
    assert settings.active() == prof("work", endpoint="https://contoso.openai.azure.com/openai/v1/")
    assert (settings.theme, settings.font_size, settings.zoom) == ("dark", 12, 110)
    assert settings.enter_sends is False
    assert settings.recent_files == ["/tmp/a.chat.json"]
    assert settings.user_presets == [SystemPreset("Terse", "Be terse.", [("2+2?", "4")])]
    assert settings.window == {"geometry": "AdnQywADAAA="}
    save_settings(settings)
    saved = json.loads(path.read_text())
    old = json.loads(v2)
    assert "default_family" not in saved
    assert saved["schema_version"] == SCHEMA_VERSION
    del old["default_family"], old["schema_version"], saved["schema_version"]
    assert saved == old  # nothing else changed
    assert load_settings().migrated_from is None


def test_a_v0_file_with_profiles_already_a_list_migrates():
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profiles": [settings_to_json(full_settings())["profiles"][0]]}))
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings.profiles == full_settings().profiles[:1]


# -- recent files ----------------------------------------------------------------------------
def test_add_recent_puts_newest_first_and_dedups():
    s = Settings()
    for name in ["a", "b", "c"]:
        s.add_recent(f"/docs/{name}.json")
    s.add_recent("/docs/a.json")
    assert s.recent_files == ["/docs/a.json", "/docs/c.json", "/docs/b.json"]
    s.add_recent(Path("/docs/./b.json"))
    assert s.recent_files[0] == str(Path("/docs/./b.json"))
    assert len(s.recent_files) == 3


def test_recent_files_are_capped_at_ten():
    s = Settings()
    for i in range(15):
        s.add_recent(f"/docs/{i}.json")
    assert len(s.recent_files) == MAX_RECENT
    assert s.recent_files[0] == "/docs/14.json"
    assert s.recent_files[-1] == "/docs/5.json"


def test_remove_recent():
    s = Settings(recent_files=["/a", "/b"])
    s.remove_recent("/a")
    assert s.recent_files == ["/b"]


def test_a_hand_edited_recent_list_is_deduplicated_and_capped_on_load():
    path = settings_path()
    path.parent.mkdir(parents=True)
    entries = ["/a", "/b", "/a", *[f"/f{i}" for i in range(12)]]
    path.write_text(json.dumps({"schema_version": 1, "recent_files": entries}))
    recent = load_settings().settings.recent_files
    assert recent[:2] == ["/a", "/b"]
    assert len(recent) == MAX_RECENT
    assert len(set(recent)) == MAX_RECENT


# -- profile helpers -------------------------------------------------------------------------
def test_upsert_replaces_in_place_or_appends():
    s = Settings(profiles=[prof("a"), prof("b")])
    s.upsert_profile(prof("a", deployment="new"))
    s.upsert_profile(prof("c"))
    assert [(p.name, p.deployment) for p in s.profiles] == [
        ("a", "new"),
        ("b", "gpt-4o"),
        ("c", "gpt-4o"),
    ]
    with pytest.raises(ProfileError, match="needs a name"):
        s.upsert_profile(prof("  "))


def test_rename_profile_follows_the_active_one():
    s = Settings(profiles=[prof("a"), prof("b")], active_profile="a")
    s.rename_profile("a", "work")
    assert (s.active_profile, s.profile("work"), s.profile("a")) == ("work", prof("work"), None)
    s.rename_profile("work", "work")  # same name: a no-op, not a clash
    with pytest.raises(ProfileError, match="already exists"):
        s.rename_profile("work", "b")
    with pytest.raises(ProfileError, match="needs a name"):
        s.rename_profile("work", "")
    with pytest.raises(ProfileError, match="no profile named 'zzz'"):
        s.rename_profile("zzz", "y")


def test_remove_profile_moves_active_to_the_first_remaining():
    s = Settings(profiles=[prof("a"), prof("b")], active_profile="b")
    s.remove_profile("b")
    assert s.active() == prof("a")
    s.remove_profile("a")
    assert (s.active_profile, s.active()) == (None, None)
    with pytest.raises(ProfileError, match="no profile named 'a'"):
        s.remove_profile("a")


def test_active_is_none_for_a_missing_name():
    assert Settings(profiles=[prof("a")], active_profile="b").active() is None


# -- no secrets ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    ["api_key", "apiKey", "api-key", "key", "secret", "client_secret", "password", "token",
     "access_token", "Ocp-Apim-Subscription-Key", "credentials"],
)  # fmt: skip
def test_save_refuses_secret_like_keys(key):
    s = full_settings()
    s.window[key] = "value"
    with pytest.raises(ValueError, match="looks like a secret"):
        save_settings(s)
    assert not settings_path().exists()


def test_save_refuses_a_secret_smuggled_into_a_profile(monkeypatch):
    original = ConnectionProfile.to_json
    monkeypatch.setattr(
        ConnectionProfile, "to_json", lambda self: {**original(self), "api_key": "sk-123"}
    )
    with pytest.raises(ValueError, match=r"profiles\[0\]\.api_key looks like a secret"):
        save_settings(full_settings())
    assert not settings_path().exists()


@pytest.mark.parametrize("value", ["0123456789abcdef0123456789abcdef", "sk-proj-abc", "my key"])
def test_save_refuses_a_key_pasted_into_key_env(value):
    s = full_settings()
    s.profiles[0].key_env = value
    with pytest.raises(ValueError, match="key_env"):
        save_settings(s)


@pytest.mark.parametrize("key", ["key_env", "monkey", "max_tokens", "keyboard", "auth"])
def test_harmless_names_are_not_mistaken_for_secrets(key):
    s = full_settings()
    s.window[key] = "key"
    save_settings(s)
    assert load_settings().settings.window[key] == "key"


def test_save_refuses_settings_it_could_not_load_back():
    s = Settings(profiles=[prof("a"), prof("a")])  # duplicate names, bypassing upsert
    with pytest.raises(ValueError, match="used twice"):
        save_settings(s)


def test_save_writes_atomically_through_the_helper(monkeypatch):
    calls = []
    monkeypatch.setattr(settings_module, "atomic_write_text", lambda p, t: calls.append((p, t)))
    save_settings(Settings())
    assert [p for p, _ in calls] == [settings_path()]
    assert not settings_path().exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://res.openai.azure.com/openai/v1/?api-key=0123456789abcdef0123456789abcdef",
        "https://user:hunter2secret@res.openai.azure.com/?key=0123456789abcdef0123456789abcdef",
        "http://example.com/?api-key=0123456789abcdef0123456789abcdef#frag",
    ],
)
def test_a_key_pasted_into_the_endpoint_never_reaches_the_file(tmp_path, endpoint):
    from chatdesk.core.settings import ConnectionProfile as Profile

    settings = Settings(profiles=[Profile("p", "azure-v1", endpoint, "gpt-4o")])
    path = tmp_path / "settings.json"
    save_settings(settings, path)
    text = path.read_text()
    assert "0123456789abcdef0123456789abcdef" not in text
    assert "hunter2secret" not in text


def test_a_settings_file_saved_with_a_byte_order_mark_loads(tmp_path):
    """Some Windows editors start UTF-8 files with one; it is not part of the JSON."""
    path = tmp_path / "settings.json"
    save_settings(Settings(profiles=[prof("work")]), path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    loaded = load_settings(path)
    assert loaded.warning is None
    assert [p.name for p in loaded.settings.profiles] == ["work"]
