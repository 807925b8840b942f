"""What another process (a second window, `chatdesk send`) saved since the window read the
settings is taken in before the window saves; the window's own changes stay its own."""

import json

from chatdesk.core.deployments import DeploymentNote, DeploymentNotes
from chatdesk.core.preferences import Theme
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, load_settings, save_settings, settings_to_json
from chatdesk.core.settings_sync import merged_notes, merged_settings, take_in

A, B = "https://r.openai.azure.com/openai/v1 a", "https://r.openai.azure.com/openai/v1 b"
USER = {"system_role": "user"}
DEV = {"system_role": "developer"}


def test_a_note_only_the_other_process_added_changed_or_removed_is_taken():
    assert merged_notes({}, {}, {A: USER}) == {A: USER}
    assert merged_notes({A: DEV}, {A: DEV}, {A: USER}) == {A: USER}
    assert merged_notes({A: DEV}, {A: DEV}, {}) == {}


def test_the_windows_own_change_to_a_note_is_kept():
    assert merged_notes({A: DEV}, {A: USER}, {A: DEV}) == {A: USER}
    assert merged_notes({A: DEV}, {}, {A: DEV}) == {}  # forgotten in the window
    assert merged_notes({}, {B: DEV}, {A: USER}) == {A: USER, B: DEV}


def test_two_writers_on_a_real_settings_file(tmp_path):
    path = tmp_path / "settings.json"
    save_settings(Settings(), path)
    window = load_settings(path).settings  # the window reads the file at start
    base = settings_to_json(window)
    window.deployments.put(B, DeploymentNote(system_role="developer"))  # learned in the window
    # `chatdesk send`'s path: read afresh, put what it learned, save.
    cli = load_settings(path).settings
    cli.deployments.put(A, DeploymentNote(system_role="user"))
    save_settings(cli, path)
    shared = window.deployments  # the chat service holds this very object
    assert take_in(window, base, path) == {"deployments"}
    save_settings(window, path)
    assert json.loads(path.read_text())["deployments"] == {A: USER, B: DEV}
    assert shared is window.deployments
    assert shared.get(A).system_role == "user"


def test_a_file_that_cannot_be_read_changes_nothing(tmp_path):
    path = tmp_path / "settings.json"
    settings = Settings(deployments=DeploymentNotes({A: DeploymentNote(system_role="developer")}))
    base = settings_to_json(settings)
    assert take_in(settings, base, path) == set()  # no file
    path.write_text("{broken")
    assert take_in(settings, base, path) == set()
    assert settings.deployments.to_json() == {A: DEV}
    assert path.read_text() == "{broken"  # a peek: nothing set aside, no copy kept
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


# -- two windows: `chatdesk FILE` from a terminal while the window is open starts a second one --
def _profile(name: str, deployment: str = "gpt-4o") -> ConnectionProfile:
    return ConnectionProfile(name, "azure-v1", "https://r.openai.azure.com/", deployment)


def _two_readers(path, settings: Settings) -> tuple[Settings, dict, Settings]:
    save_settings(settings, path)
    first = load_settings(path).settings
    return first, settings_to_json(first), load_settings(path).settings


def test_a_profile_the_other_window_added_survives_this_windows_save(tmp_path):
    path = tmp_path / "settings.json"
    first, base, second = _two_readers(
        path, Settings(profiles=[_profile("work")], active_profile="work")
    )
    second.upsert_profile(_profile("lab", "o3-mini"))
    save_settings(second, path)
    first.window["geometry"] = "AdnQywADAAA="  # the first window quits: its size is saved
    work = first.profiles[0]
    assert take_in(first, base, path) == {"profiles"}
    save_settings(first, path)
    saved = json.loads(path.read_text())
    assert [p["name"] for p in saved["profiles"]] == ["work", "lab"]
    assert saved["window"] == {"geometry": "AdnQywADAAA="}
    assert [p.name for p in first.profiles] == ["work", "lab"]  # in memory too
    assert first.profiles[0] is work  # an unchanged profile stays the object the window holds


def test_each_window_keeps_its_own_change_to_different_profiles(tmp_path):
    path = tmp_path / "settings.json"
    first, base, second = _two_readers(
        path, Settings(profiles=[_profile("work"), _profile("lab")], active_profile="work")
    )
    second.profile("lab").deployment = "o3-mini"
    second.theme = Theme.DARK
    save_settings(second, path)
    first.profile("work").deployment = "gpt-4.1"
    first.remove_recent("nothing")  # no change
    take_in(first, base, path)
    save_settings(first, path)
    back = load_settings(path).settings
    assert [(p.name, p.deployment) for p in back.profiles] == [
        ("work", "gpt-4.1"), ("lab", "o3-mini")
    ]  # fmt: skip
    assert back.theme == Theme.DARK


def test_a_profile_removed_or_renamed_elsewhere_goes_unless_this_window_changed_it(tmp_path):
    path = tmp_path / "settings.json"
    first, base, second = _two_readers(
        path,
        Settings(
            profiles=[_profile("work"), _profile("lab"), _profile("old")], active_profile="lab"
        ),
    )
    second.remove_profile("lab")  # the active one: "work" becomes active there
    second.rename_profile("old", "new")
    save_settings(second, path)
    assert take_in(first, base, path) == {"profiles", "active_profile"}
    assert [p.name for p in first.profiles] == ["work", "new"]
    assert first.active_profile == "work"

    first, base, second = _two_readers(
        path, Settings(profiles=[_profile("work"), _profile("lab")], active_profile="work")
    )
    second.remove_profile("lab")
    save_settings(second, path)
    first.profile("lab").deployment = "o3-mini"  # changed here meanwhile: kept
    take_in(first, base, path)
    assert [p.name for p in first.profiles] == ["work", "lab"]


def test_the_same_setting_changed_in_both_is_this_windows(tmp_path):
    path = tmp_path / "settings.json"
    first, base, second = _two_readers(path, Settings(zoom=100))
    second.zoom = 120
    second.add_recent("/home/me/b.json")
    save_settings(second, path)
    first.zoom = 90
    first.add_recent("/home/me/a.json")
    take_in(first, base, path)
    assert first.zoom == 90
    assert first.recent_files == ["/home/me/a.json", "/home/me/b.json"]  # both opened files


def test_merged_settings_keys_and_order():
    base = {"window": {"a": "1"}, "user_presets": [{"name": "x", "system_prompt": "1"}]}
    mine = {"window": {"a": "1", "b": "2"}, "user_presets": [{"name": "x", "system_prompt": "1"}]}
    theirs = {
        "window": {"c": "3"},
        "user_presets": [{"name": "y", "system_prompt": "2"}, {"name": "x", "system_prompt": "3"}],
    }
    assert merged_settings(base, mine, theirs) == {
        "window": {"b": "2", "c": "3"},  # "a" removed by the other, "b" added here
        "user_presets": [{"name": "x", "system_prompt": "3"}, {"name": "y", "system_prompt": "2"}],
        "active_profile": None,
    }
