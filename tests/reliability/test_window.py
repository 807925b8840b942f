"""The window against the same faults: a file another process changed, text UTF-8 cannot
hold through every writer, leftovers of a killed save, and no false "not closed properly"."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.recovery import RecoveryStore
from tests.reliability.conftest import clean_env, run_chatdesk
from tests.support.fake_azure import Reply
from tests.support.opening import open_and_wait, wait_loaded
from tests.ui.conftest import KEY

HALF = "\ud83d"  # half of an emoji: valid in a Python str and in JSON, not in UTF-8


def saved_file(path: Path, question: str = "What is new?") -> Path:
    conv = Conversation(system_prompt="Be brief.")
    conv.append(Message("user", question))
    save_conversation(conv, path)
    return path


def save_as(window, path: Path) -> None:
    window.save_as_action.trigger()
    window.files.dialog.fileSelected.emit(str(path))


def click(box: QMessageBox, text: str) -> None:
    [button] = [b for b in box.buttons() if b.text().replace("&", "").startswith(text)]
    button.click()


def changed_elsewhere(qtbot, server, tmp_path, window) -> Path:
    """A file open (and edited) in the window, then given a reply by `chatdesk send`."""
    path = saved_file(tmp_path / "shared.json")
    open_and_wait(qtbot, window, [str(path)])
    window.system_editor.textChanged.emit("Be very brief.")  # an edit made in the window
    server.enqueue(Reply("the reply chatdesk send saved"))
    env = clean_env(
        CHATDESK_HOME=str(tmp_path / "cli-home"), AZURE_OPENAI_ENDPOINT=server.azure_endpoint,
        AZURE_OPENAI_API_KEY=KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o",
    )  # fmt: skip
    done = run_chatdesk("send", str(path), env=env, timeout=60)  # the second writer's process
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.area("two writers: one file")
@pytest.mark.parametrize("answer", ["Reload", "Save as copy", "Overwrite", "Cancel"])
def test_window_save_never_wipes_what_send_wrote(qtbot, window, server, tmp_path, answer):
    path = changed_elsewhere(qtbot, server, tmp_path, window)
    session = window.session
    window.save_action.trigger()
    box = window.files.conflict
    assert box is not None
    assert box.isVisible()
    assert "changed by another program" in box.text()
    assert load_conversation(path).conversation[1].content == "the reply chatdesk send saved"
    if answer == "Cancel":
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert session.modified
        assert load_conversation(path).conversation[1].content == "the reply chatdesk send saved"
        return
    click(box, answer)
    if answer == "Reload":
        wait_loaded(qtbot, window)
        conv = window.session.conversation
        assert window.session.path == path
        assert conv[1].content == "the reply chatdesk send saved"
        assert not window.session.modified
        assert session not in window.sessions
    elif answer == "Save as copy":
        copy = tmp_path / "mine.json"
        window.files.dialog.fileSelected.emit(str(copy))
        assert load_conversation(copy).conversation.system_prompt == "Be very brief."
        assert load_conversation(path).conversation[1].content == "the reply chatdesk send saved"
        assert not session.modified
    else:  # Overwrite: the user chose it, knowing
        assert load_conversation(path).conversation.system_prompt == "Be very brief."
        assert not session.modified
        # Saved since: a later save has nothing to ask.
        window.system_editor.textChanged.emit("Terse.")
        window.save_action.trigger()
        assert load_conversation(path).conversation.system_prompt == "Terse."


@pytest.mark.area("two writers: one file")
def test_reload_of_the_only_open_conversation_leaves_no_empty_one(qtbot, window, server, tmp_path):
    path = changed_elsewhere(qtbot, server, tmp_path, window)
    for other in [s for s in window.sessions if s.path != path]:
        window.activate(other)
        window.close_action.trigger()
    assert [s.path for s in window.sessions] == [path]
    window.save_action.trigger()
    click(window.files.conflict, "Reload")
    wait_loaded(qtbot, window)
    assert [s.path for s in window.sessions] == [path]  # no "New conversation" beside it
    assert window.session.conversation[1].content == "the reply chatdesk send saved"


@pytest.mark.area("text UTF-8 cannot hold")
def test_every_window_writer_takes_a_lone_surrogate(qtbot, window, server, tmp_path):
    server.enqueue(Reply(f"a reply with {HALF} in it"))
    # The session is the boundary typed and pasted text crosses (Qt's own conversion drops
    # some lone surrogates before; what reaches the session is replaced and said).
    with qtbot.waitSignal(window.session.notice) as told:
        window.session.send(f"typed {HALF} text")
    assert "replaced" in told.args[0]
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    conv = window.session.conversation
    assert conv[0].content == "typed \ufffd text"
    assert conv[1].content == "a reply with \ufffd in it"
    assert "replaced with \ufffd" in window.notice.text()  # said for the reply too
    assert "\ufffd" in server.requests[-1].json["messages"][-1]["content"]
    # What slipped in some other way (a system prompt set in code) is still saved, not lost.
    conv.system_prompt = f"system {HALF}"
    conv.draft = f"draft {HALF}"
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    save_as(window, first)  # Save as
    assert not window.session.modified
    conv.title = "changed"
    window.session.set_modified()
    window.save_action.trigger()  # Save
    save_as(window, second)
    for path in (first, second):
        data = json.loads(path.read_text("utf-8"))
        assert data["messages"][0]["content"] == "system \ufffd"
        assert data["draft"] == "draft \ufffd"
    window.export_action.trigger()  # Export
    window.files.dialog.fileSelected.emit(str(tmp_path / "out.md"))
    assert "system \ufffd" in (tmp_path / "out.md").read_text("utf-8")
    open_and_wait(qtbot, window, [str(first)])  # a file of the user's: it gets recovery copies
    conv = window.session.conversation
    store = window.autosaver.store  # the recovery copy
    conv.title = f"unsaved {HALF}"
    window.session.set_modified()
    window.autosaver.save(window.session)
    [copy] = store.folder.glob("*.json")
    assert "\\ud83d" in copy.read_text("ascii")  # kept exactly, escaped
    [entry] = RecoveryStore(store.folder).entries()
    assert entry.title == "unsaved \ufffd"
    assert entry.conversation_loader().system_prompt == "system \ufffd"


@pytest.mark.area("leftovers and false alarms")
def test_save_removes_temporaries_a_killed_save_left(qtbot, window, tmp_path):
    path = saved_file(tmp_path / "chat.json")
    dead = 2**22 + 12345  # beyond pid_max on most systems: no such process
    stale = tmp_path / f".chat.json.chatdesk-{dead}-x1y2.tmp"
    stale.write_bytes(b"x" * 1_000_000)
    foreign = tmp_path / ".chat.json.someone-else.tmp"  # not chatdesk's naming: left alone
    foreign.write_text("theirs")
    open_and_wait(qtbot, window, [str(path)])
    window.session.set_modified()
    window.save_action.trigger()
    assert not stale.exists()
    assert foreign.exists()


@pytest.mark.area("leftovers and false alarms")
def test_a_request_body_opened_at_start_is_not_offered_as_left_behind(qtbot, context, tmp_path):
    from chatdesk.ui.main_window import MainWindow

    body = tmp_path / "body.json"
    body.write_text(json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}))
    window = MainWindow(context)
    qtbot.addWidget(window)
    open_and_wait(qtbot, window, [str(body)])  # `chatdesk body.json`: before the window paints
    window.show()
    with qtbot.waitSignal(window.firstPainted, timeout=10_000):
        pass
    window.autosaver.save(window.session)
    window.offer_recovery()  # what start-up does after the first paint
    assert getattr(window, "recovery_dialog", None) is None
    assert len(window.sessions) == 1
    for session in window.sessions:
        session.set_modified(False)


@pytest.mark.area("leftovers and false alarms")
def test_after_save_as_a_crash_offers_no_duplicate(qtbot, window, server, tmp_path):
    open_and_wait(qtbot, window, [str(saved_file(tmp_path / "mine.json"))])  # outside the library
    server.enqueue(Reply("an answer"))
    window.composer.set_text("a question")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    window.autosaver.save(window.session)
    store = window.autosaver.store
    assert list(store.folder.glob("*.json"))  # unsaved: a copy exists
    save_as(window, tmp_path / "kept.json")
    # A crash now (the process gone, its copies left as they are): nothing to offer.
    assert RecoveryStore(store.folder).entries() == []
    # Even when the copy outlived the save (a kill between the two), its twin on disk wins.
    store.save(store.new_id(), window.session.conversation, tmp_path / "kept.json")
    assert RecoveryStore(store.folder).entries() == []
    # Changed after the save: that is unsaved work, and it is offered.
    window.session.conversation.title = "edited after saving"
    window.session.set_modified()
    window.autosaver.save(window.session)
    [entry] = RecoveryStore(store.folder).entries()
    assert entry.title == "edited after saving"


@pytest.mark.area("bad files: settings.json")
def test_settings_write_failure_is_shown_and_never_raised(qtbot, window, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the settings folder should be")
    window.context.settings_path = blocker / "settings.json"
    assert window.context.save_settings() is False  # no exception
    assert window.disk_warning.isVisibleTo(window)
    assert "Settings could not be saved" in window.disk_warning.text()
    window.context.settings_path = tmp_path / "settings.json"
    assert window.context.save_settings()
    assert not window.disk_warning.isVisibleTo(window)
    assert os.path.exists(tmp_path / "settings.json")


@pytest.mark.area("numbers")
@pytest.mark.parametrize(
    ("field", "typed"),
    [("temperature", "99"), ("top_p", "5"), ("presence_penalty", "-7"), ("max_tokens", "-5")],
)
def test_the_parameters_panel_refuses_out_of_range_numbers(qtbot, window, field, typed):
    from chatdesk.core.params_check import RANGES

    panel = window.params_panel
    spin = getattr(panel, field)
    low, high, _whole = RANGES[field]
    assert spin.minimum() < low  # one step below: "Default"
    if high is not None:
        assert spin.maximum() == high
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), typed)
    spin.interpretText()
    value = getattr(panel.values()[0], field)
    assert value is None or low <= value <= (high if high is not None else value)


@pytest.mark.area("pathological text")
def test_a_1_mb_one_line_reply_streams_without_freezing_the_window(qtbot, window, server):
    # The reliability run's input (issue 12.9, fixed in the transcript's pieces): a 1 MB reply
    # that is one line without spaces, streamed in through the real service and window.
    import time

    from PySide6.QtWidgets import QApplication

    server.enqueue(Reply("x" * 1_000_000, chunk_size=20_000))
    window.composer.set_text("dump it")
    window.composer.input.submit.emit()
    worst, end = 0.0, time.monotonic() + 60
    while window.session.busy and time.monotonic() < end:
        started = time.perf_counter()
        QApplication.processEvents()
        worst = max(worst, time.perf_counter() - started)
    assert not window.session.busy
    assert len(window.session.conversation[1].content) == 1_000_000
    assert worst < 5.0  # generous for a shared, loaded machine; the freeze was over 75 s
