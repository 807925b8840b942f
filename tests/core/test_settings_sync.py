"""What another process (`chatdesk send`) wrote to the deployments' notes since the window read
them is taken in before the window saves; the window's own changes stay its own."""

import json

from chatdesk.core.deployments import DeploymentNote, DeploymentNotes
from chatdesk.core.settings import Settings, load_settings, save_settings
from chatdesk.core.settings_sync import merged_notes, notes_on_disk, take_in_notes

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
    base = window.deployments.to_json()
    window.deployments.put(B, DeploymentNote(system_role="developer"))  # learned in the window
    # `chatdesk send`'s path: read afresh, put what it learned, save.
    cli = load_settings(path).settings
    cli.deployments.put(A, DeploymentNote(system_role="user"))
    save_settings(cli, path)
    shared = window.deployments  # the chat service holds this very object
    take_in_notes(window.deployments, base, path)
    save_settings(window, path)
    assert json.loads(path.read_text())["deployments"] == {A: USER, B: DEV}
    assert shared is window.deployments
    assert shared.get(A).system_role == "user"


def test_a_file_that_cannot_be_read_changes_nothing(tmp_path):
    path = tmp_path / "settings.json"
    assert notes_on_disk(path) is None
    path.write_text("{broken")
    notes = DeploymentNotes({A: DeploymentNote(system_role="developer")})
    take_in_notes(notes, {A: DEV}, path)
    assert notes.to_json() == {A: DEV}
