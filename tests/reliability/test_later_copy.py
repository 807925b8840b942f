"""A recovery copy kept with "Later" after a kill -9, then outlived by newer work and a clean
quit: the next start says it was kept for later (not "not closed properly") and offers it as
older, unchecked, so the default (Enter) does not put the old draft over the newer one. After
"Don't Save" at that quit, the newer draft is gone as the question said: the file's comes back."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.recovery import RecoveryStore
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.ui.test_session_restore import launch

OLD = "the draft as saved"
# The tester's steps: " FASTKILL" typed into q.json's draft, kill -9 1.5 s later (once the
# recovery copy is written).
TYPE_AND_WAIT = (
    "window.composer.set_text(window.composer.text() + ' FASTKILL'); t = time.monotonic(); "
    "[app.processEvents() or time.sleep(0.01) for _ in iter(lambda: time.monotonic() - t < 10 "
    "and (time.monotonic() - t < 1.5 or not list(window.autosaver.store.folder.glob('*.json'))),"
    " False)]"
)


def q_json(tmp_path):
    conv = Conversation(system_prompt="Be brief.")
    for n in range(3):
        conv.append(Message("user" if n % 2 == 0 else "assistant", f"message {n}"))
    conv.draft = OLD
    path = tmp_path / "q.json"
    save_conversation(conv, path)
    return path


@pytest.mark.area("kill -9: the window")
@pytest.mark.parametrize("answer", ["save", "dont_save"])
def test_a_copy_kept_for_later_is_not_offered_over_newer_work(
    qtbot, context, server, tmp_path, answer
):
    path = q_json(tmp_path)
    script = write_driver(tmp_path / "driver.py", url=server.url, question=None, paths=[path],
                          until="not session.loading", then=TYPE_AND_WAIT)  # fmt: skip
    assert kill_when_ready(script)
    [copy] = RecoveryStore().entries()
    assert RecoveryStore().load(copy).draft == OLD + " FASTKILL"

    # Restart: the dialog; Later; " again" typed; Ctrl+Q.
    first = launch(qtbot, context)
    first.offer_recovery()
    dialog = first.recovery_dialog
    assert "was not closed properly" in dialog.message.text()  # it was not, this time
    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not first.session.loading, timeout=10_000)
    assert first.session.path == path
    box = first.composer.input
    box.setFocus()
    box.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(box, " again")
    newer = first.composer.text()
    assert newer.endswith(" again")
    first.quit_action.trigger()
    button = "Save" if answer == "save" else "Discard"
    first.files.question.button(getattr(QMessageBox.StandardButton, button)).click()
    qtbot.waitUntil(lambda: not first.isVisible())

    # Restart: the copy is older than what was saved or kept, and is offered as such.
    shown = newer if answer == "save" else OLD
    second = launch(qtbot, context)
    qtbot.waitUntil(lambda: not second.session.loading, timeout=10_000)
    assert second.composer.text() == shown
    second.offer_recovery()
    dialog = second.recovery_dialog
    assert "not closed properly" not in dialog.message.text()
    assert "kept for later" in dialog.message.text()
    assert dialog.list.count() == 1
    line = dialog.list.item(0).text()
    assert line.startswith("q.json — 3 messages, saved ")
    assert "older than" in line
    assert dialog.list.item(0).checkState() == Qt.CheckState.Unchecked
    assert not dialog.restore_button.isEnabled()
    assert dialog.later_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default: nothing replaced
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert second.composer.text() == shown
    assert len(RecoveryStore().entries()) == 1  # still there, for whoever wants it
    saved = json.loads(path.read_text(encoding="utf-8"))["draft"]
    assert saved == (newer if answer == "save" else OLD)
    assert not second.isWindowModified()
    for session in second.sessions:
        session.set_modified(False)
    second.close()
