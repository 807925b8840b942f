"""The settings file as the real window meets it: a hand-edited bad value (the tester's exact
inputs) costs only that setting, and what `chatdesk send` learned while the window was open
survives the window's next save."""

from __future__ import annotations

import json
import os

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.paths import settings_path
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings, settings_to_json
from chatdesk.ui.context import AppContext
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import AzureModel

KEY = "k3y-for-tests-0123456789abcdef"  # tests/ui/conftest.py's server takes this key


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    return tmp_path


def open_window(qtbot) -> MainWindow:
    window = MainWindow(AppContext.create(settings_path()))
    qtbot.addWidget(window)
    window.open_paths([])
    window.show()
    return window


def close(window: MainWindow) -> None:
    for session in window.sessions:
        session.set_modified(False)
        session.shutdown()


def profiles(server_url: str) -> list[ConnectionProfile]:
    return [
        ConnectionProfile("work", "azure-v1", server_url, "gpt-4o"),
        ConnectionProfile("lab", "azure-v1", server_url, "reasoner"),
    ]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"zoom": 110.0}, None),
        ({"font_size": True}, "font_size = true: settings.font_size must be a whole number"),
        ({"window": {"x": 1}}, "window['x'] = 1: settings.window['x'] must be a string"),
    ],
)
def test_a_bad_value_keeps_the_profiles_and_the_window_says_it_once(
    qtbot, home, server, change, said, monkeypatch
):
    doc = settings_to_json(Settings(profiles=profiles(server.url), active_profile="lab"))
    path = settings_path()
    path.parent.mkdir(parents=True)
    raw = json.dumps({**doc, **change}).encode()
    path.write_bytes(raw)
    window = open_window(qtbot)
    try:
        context = window.context
        assert [p.name for p in context.connections.profiles()] == ["work", "lab"]
        assert context.settings.active_profile == "lab"
        opened = []
        monkeypatch.setattr(window, "show_connections", lambda *a, **k: opened.append(a))
        window.ensure_connection()  # the first-launch Connections dialog is not for them
        assert opened == []
        if said is None:
            assert context.warnings == []
            assert context.settings.zoom == 110
        else:
            [warning] = context.warnings  # shown as "Settings were reset" (ui/app.py)
            assert said in warning
        assert path.read_bytes() == raw  # not rewritten until a setting changes
    finally:
        close(window)


def test_what_send_learned_survives_the_windows_next_save(qtbot, home, server):
    server.models["reasoner"] = AzureModel.o1_mini()
    save_settings(Settings(profiles=profiles(server.url), active_profile="work"))
    window = open_window(qtbot)
    try:
        chat = home / "chat.json"
        save_conversation(
            Conversation(system_prompt="Be brief.", history=[Message("user", "Hi")]), chat
        )
        os.environ["AZURE_OPENAI_API_KEY"] = KEY  # removed by `home`'s monkeypatch at the end
        assert run_send([str(chat), "--endpoint", server.url, "--deployment", "reasoner"]) == 0
        learned = json.loads(settings_path().read_text())["deployments"]
        assert [note["system_role"] for note in learned.values()] == ["user"]

        window.prefs.preferences_action.trigger()  # Preferences → OK
        window.prefs.dialog.accept()
        assert json.loads(settings_path().read_text())["deployments"] == learned
        assert window.context.settings.deployments.to_json() == learned  # and it is used
    finally:
        close(window)


def test_the_window_never_writes_over_a_settings_file_it_could_not_read(tmp_path):
    # Helper cli, session 12: with settings.json unreadable (a link loop here), the window's
    # next save replaced it with the defaults; now it says why it does not save.
    path = tmp_path / "settings.json"
    path.symlink_to(path)
    context = AppContext.create(path)
    assert context.warnings
    assert "will not write over it" in context.warnings[0]
    assert context.save_settings() is False  # said, never raised
    assert "will not replace it" in context.settings_problem
    assert path.is_symlink()
    assert os.readlink(path) == str(path)


def test_a_profile_added_in_a_second_window_survives_the_first_windows_save(qtbot, home):
    # Session 12's left-alone finding: `chatdesk other.json` from a terminal opens a second
    # window (a second process); a profile added there was gone once the first window saved.
    import subprocess
    import sys

    save_settings(Settings(profiles=profiles("https://r.openai.azure.com/")[:1],
                           active_profile="work"))  # fmt: skip
    window = open_window(qtbot)
    try:
        second = (
            "from chatdesk.core.profiles import ConnectionProfile\n"
            "from chatdesk.core.settings import load_settings, save_settings\n"
            "s = load_settings().settings\n"
            "s.upsert_profile(ConnectionProfile('lab', 'azure-v1', "
            "'https://lab.openai.azure.com/', 'o3-mini'))\n"
            "save_settings(s)\n"
        )
        subprocess.run([sys.executable, "-c", second], check=True, timeout=60, env=os.environ)
        window.prefs.preferences_action.trigger()  # Preferences → OK: the first window saves
        window.prefs.dialog.accept()
        saved = json.loads(settings_path().read_text())
        assert [p["name"] for p in saved["profiles"]] == ["work", "lab"]
        box = window.profile_box
        assert [box.itemText(i) for i in range(box.count())] == ["work", "lab"]
        assert box.currentText() == "work"
        window._save_geometry()  # as on quitting
        assert [p["name"] for p in json.loads(settings_path().read_text())["profiles"]] == [
            "work", "lab"
        ]  # fmt: skip
    finally:
        close(window)
