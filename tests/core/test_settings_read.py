"""A bad value in settings.json costs only that setting: the profiles and every other setting
are kept, and the warning names the setting, its value and what is used instead."""

import json

import pytest

from chatdesk.core.paths import settings_path
from chatdesk.core.settings import (
    Settings,
    SettingsError,
    load_settings,
    save_settings,
    settings_to_json,
)
from tests.core.test_settings import backups, full_settings


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))


GOOD = settings_to_json(full_settings())


def write(**change) -> bytes:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps({**GOOD, **change}).encode()
    path.write_bytes(raw)
    return raw


def with_profile(**change) -> list:
    profiles = json.loads(json.dumps(GOOD["profiles"]))
    profiles[0].update(change)
    return profiles


# The tester's exact inputs.
def test_a_whole_number_written_as_a_float_is_taken():
    write(zoom=110.0, font_size=12.0)
    loaded = load_settings()
    assert loaded.warning is None
    assert (loaded.settings.zoom, loaded.settings.font_size) == (110, 12)
    assert type(loaded.settings.zoom) is int


@pytest.mark.parametrize(
    ("change", "said", "field", "default"),
    [
        ({"font_size": True}, "font_size = true: settings.font_size must be a whole number: 0 "
         "(the system's) or 6 to 48 points; 0 (the system's) is used instead.", "font_size", 0),
        ({"window": {"x": 1}}, "window['x'] = 1: settings.window['x'] must be a string, not a "
         "number; it is left out.", "window", {}),
        ({"zoom": 110.5}, "zoom = 110.5: settings.zoom must be a whole number from 50 to 300 "
         "(percent); 100 is used instead.", "zoom", 100),
        ({"zoom": 10}, "zoom = 10: settings.zoom must be a whole number", "zoom", 100),
        ({"enter_sends": "yes"}, 'enter_sends = "yes": settings.enter_sends must be true or '
         "false, not a string; true is used instead.", "enter_sends", True),
        ({"theme": 3}, "theme = 3: settings.theme must be a string, not a number; "
         '"system" is used instead.', "theme", "system"),
        ({"recent_files": ["/tmp/b.chat.json", 2]}, "recent_files[1]: the entry must be a "
         "string, not a number; it is left out.", "recent_files", ["/tmp/b.chat.json"]),
        ({"window": []}, "window = a list: settings.window must be an object, not a list; "
         "{} (none) is used instead.", "window", {}),
        ({"request_deadline": "soon"}, 'request_deadline = "soon": settings.request_deadline '
         "must be a number of seconds", "request_deadline", 1200.0),
        ({"user_presets": [{"name": "x"}]}, "user_presets[0]: a preset needs a text 'name' and "
         "'system_prompt'; it is left out.", "user_presets", []),
        ({"theme": "k" * 40}, "theme = a string of 40 characters: settings.theme must be one "
         "of system, light, dark", "theme", "system"),
        ({"last_folder": ["/tmp/out"]}, "last_folder = a list: settings.last_folder must be a "
         "string, not a list; \"\" (the newest recent file's folder) is used instead.",
         "last_folder", ""),
    ],
)  # fmt: skip
def test_a_bad_setting_falls_back_to_its_default_and_keeps_the_rest(change, said, field, default):
    raw = write(**change)
    loaded = load_settings()
    assert loaded.warning is not None
    assert said in loaded.warning
    assert str(settings_path()) in loaded.warning
    expected = full_settings()
    setattr(expected, field, default)
    assert loaded.settings == expected
    assert [p.name for p in loaded.settings.profiles] == ["work", "local"]
    assert loaded.settings.active_profile == "local"
    # The file is the user's until a setting changes; a copy is kept once, for the next save
    # leaves the bad value out.
    assert settings_path().read_bytes() == raw
    [copy] = backups(settings_path())
    assert copy.read_bytes() == raw
    assert copy.name in loaded.warning
    assert load_settings().warning == loaded.warning
    assert len(backups(settings_path())) == 1


def test_the_next_save_keeps_everything_else_and_no_warning_follows():
    write(font_size=True, window={"x": 1})
    loaded = load_settings()
    loaded.settings.enter_sends = True  # the user changes something
    save_settings(loaded.settings)
    again = load_settings()
    assert again.warning is None
    assert [p.name for p in again.settings.profiles] == ["work", "local"]
    assert (again.settings.font_size, again.settings.window) == (0, {})


def test_every_bad_setting_is_said_in_one_warning():
    write(font_size=True, window={"x": 1}, zoom=110.5)
    warning = load_settings().warning
    assert warning is not None
    assert warning.count("\n• ") == 3


@pytest.mark.parametrize(
    ("profiles", "said", "kept"),
    [
        (with_profile(kind="azure"), "profiles[0] (\"work\"): Profile 'work': 'kind' is 'azure'",
         ["local"]),
        (with_profile(deployment=4), "'deployment' must be a string, not a number", ["local"]),
        (with_profile(name="local"), "the name 'local' is used twice", ["local"]),
        (with_profile(name=""), 'profiles[0] (""): it has an empty name', ["local"]),
        ([3, *GOOD["profiles"]], "profiles[0]: A profile must be a JSON object", ["work", "local"]),
        ({}, "profiles = an object: settings.profiles must be a list", []),
    ],
)  # fmt: skip
def test_one_bad_profile_does_not_lose_the_others(profiles, said, kept):
    raw = write(profiles=profiles)
    loaded = load_settings()
    assert loaded.warning is not None
    assert said in loaded.warning
    assert [p.name for p in loaded.settings.profiles] == kept
    assert loaded.settings.active_profile == ("local" if kept else None)
    assert loaded.settings.theme == "dark"  # the rest is kept
    [copy] = backups(settings_path())
    assert copy.read_bytes() == raw


def test_an_active_profile_of_the_wrong_type_is_said_and_dropped():
    write(active_profile=1)
    loaded = load_settings()
    assert loaded.warning is not None
    assert "active_profile = 1: settings.active_profile must be a string" in loaded.warning
    assert loaded.settings.active_profile is None
    assert len(loaded.settings.profiles) == 2


def test_saving_still_refuses_what_the_next_start_would_not_read():
    with pytest.raises(SettingsError, match=r"settings\.zoom must be a whole number"):
        save_settings(Settings(zoom=10))
    assert not settings_path().exists()


@pytest.mark.parametrize(
    ("raw", "unused"),
    [
        (None, False),  # no file: the defaults, nothing to say
        (json.dumps({**GOOD, "zoom": 110.5}).encode(), False),  # some values fell back
        (b"{ not json", True),
        (json.dumps({**GOOD, "schema_version": 99}).encode(), True),
        (b"[]", True),
        ("dir", True),  # not a regular file
    ],
    ids=["no-file", "zoom-110.5", "not-json", "newer-version", "a-list", "a-folder"],
)
def test_loaded_settings_say_whether_any_of_the_file_was_used(raw, unused):
    """`chatdesk send` keeps what it learned in a file of which some values fell back (saved as
    the window saves it), never in place of one none of which could be used."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if raw == "dir":
        path.mkdir()
    elif raw is not None:
        path.write_bytes(raw)
    loaded = load_settings()
    assert loaded.file_unused is unused
    assert (loaded.warning is not None) is (raw is not None)
    if not unused and raw is not None:  # its other values are used
        assert loaded.settings.theme == "dark"


def test_the_last_folder_a_file_dialog_chose_is_kept_and_a_file_without_it_reads():
    """A file written before `last_folder` was kept has none (the dialogs then start in the
    newest recent file's folder, as they did); once set, it is saved and read back."""
    assert "last_folder" not in GOOD  # none chosen: not written
    write()
    assert load_settings().settings.last_folder == ""
    settings = full_settings()
    settings.last_folder = "/tmp/tester14a/out"
    save_settings(settings)
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings.last_folder == "/tmp/tester14a/out"
