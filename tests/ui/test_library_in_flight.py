"""A reply being written in another chatdesk window (session 12's tester finding F3): the card
says so and follows the file as it grows, nothing is sent on top of it (the draft kept, and not
written over the other window's file meanwhile), and when the other window finishes, or dies,
this one goes on from there. The other window is a second process writing the library file as
the saver does: the reply so far, with its "writing" mark (core/in_flight.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.in_flight import REFRESH_S
from chatdesk.core.messages import Message
from chatdesk.ui import roles
from chatdesk.ui.qt.core import Qt
from tests.support.fake_azure import Reply
from tests.ui.conftest import KEY

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Write a long poem about herons."
WRITER = r"""
import json, os, socket, sys
from chatdesk.core.atomic import atomic_write_text
from chatdesk.core.messages import now_iso
path = sys.argv[1]
for line in sys.stdin:
    how, _, text = line.rstrip("\n").partition(" ")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    reply = doc["messages"][-1]
    reply["content"] = text
    if how == "write":  # as a window writes a reply streaming: marked, with its time
        mark = {"host": socket.gethostname(), "pid": os.getpid(), "at": now_iso()}
        reply["metadata"] = {"incomplete": True, "writing": mark}
    else:  # the reply ended: the mark goes
        reply["metadata"] = {"finish_reason": "stop"}
    atomic_write_text(path, json.dumps(doc))
    print("written", flush=True)
"""


class OtherWindow:
    """Another chatdesk writing the reply of a library conversation, in its own process."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip

    def write(self, text: str, how: str = "write") -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{how} {text}\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline() == "written\n"

    def die(self) -> None:
        self.proc.kill()
        self.proc.communicate()  # reaped, its pipes closed


@pytest.fixture
def writing(window):
    """A library conversation whose reply another window has begun to write, and that window."""
    conv = Conversation()
    conv.append(Message.new("user", QUESTION))
    conv.append(Message.new("assistant", ""))
    library = window.context.library
    id = library.create(conv).id
    other = OtherWindow(library.path(id))
    other.write("Grey herons stand")
    yield id, other
    other.die()


def notes(session) -> str:
    """What the reply's card says under it (its badges, as a screen reader reads them)."""
    model = session.model
    return model.index(model.rowCount() - 1).data(roles.ACCESSIBLE_DESCRIPTION) or ""


def texts(session) -> list[str]:
    return list(session.conversation.texts())


def last(session) -> str:
    """The last message's text ("" while the session is still reading its file)."""
    return (texts(session) or [""])[-1]


def open_it(qtbot, window, id):
    window.library_link.start()
    session = window.library_link.open(id)
    qtbot.waitUntil(lambda: not session.loading, timeout=10_000)
    return session


def test_a_reply_written_in_another_window_is_followed_and_nothing_is_sent_on_it(
    qtbot, window, server, writing
):
    id, other = writing
    session = open_it(qtbot, window, id)
    assert "Being written in another chatdesk window…" in notes(session)
    assert "Incomplete" not in notes(session)
    window.composer.set_text("Shorter, please.")
    window.composer.input.submit.emit()
    problem = window.composer.problem.text()
    assert "The last reply is still being written in another chatdesk" in problem
    assert "Send once it has finished" in problem
    session.regenerate()
    window.transcript.trigger_action("edit", 0)  # edit-and-resend: refused, the edit kept
    window.inline_edit.editor.setPlainText("A short poem about herons.")
    qtbot.keyClick(
        window.inline_edit.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    assert window.inline_edit.editor is not None
    assert window.inline_edit.editor.toPlainText() == "A short poem about herons."
    window.inline_edit.stop()
    assert server.requests == []
    assert texts(session) == [QUESTION, "Grey herons stand"]
    assert window.composer.text() == "Shorter, please."

    other.write("Grey herons stand in the shallows")  # the reply grows there: here too
    qtbot.waitUntil(lambda: last(window.session).endswith("shallows"), timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.loading, timeout=10_000)
    assert window.composer.text() == "Shorter, please."
    path = window.context.library.path(id)
    assert json.loads(path.read_text())["draft"] == ""  # not written over the writer's file

    other.write("Grey herons stand in the shallows, waiting.", how="finish")
    qtbot.waitUntil(lambda: last(window.session).endswith("waiting."), timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.loading, timeout=10_000)
    followed = window.session
    assert "Being written" not in notes(followed)
    assert window.composer.text() == "Shorter, please."
    qtbot.waitUntil(lambda: json.loads(path.read_text())["draft"] == "Shorter, please.",
                    timeout=10_000)  # fmt: skip
    server.enqueue(Reply(text="Herons wait."))
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not followed.busy and texts(followed)[-1] == "Herons wait.",
                    timeout=10_000)  # fmt: skip
    assert server.requests[-1].json["messages"][-2]["content"] == (
        "Grey herons stand in the shallows, waiting."
    )
    qtbot.waitUntil(lambda: not followed.modified, timeout=10_000)
    titles = [e.title for e in window.context.library.entries()]
    assert titles == [QUESTION]  # one conversation: no "(changed in two places)"


def test_when_the_other_window_dies_the_reply_is_cut_off_and_sending_works(
    qtbot, window, server, writing
):
    id, other = writing
    session = open_it(qtbot, window, id)
    assert "Being written in another chatdesk window…" in notes(session)
    window.composer.set_text("Go on, please.")
    window.composer.input.submit.emit()
    assert "still being written" in window.composer.problem.text()
    other.die()
    qtbot.waitUntil(lambda: "Incomplete — the reply was cut off" in notes(session),
                    timeout=5_000)  # fmt: skip
    assert "Being written" not in notes(session)
    # Within a second the window notices (its card repainted), and the refusal is not said.
    qtbot.waitUntil(lambda: window.composer.problem.text() == "", timeout=3_000)
    server.enqueue(Reply(text="Herons wait."))
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not session.busy and texts(session)[-1] == "Herons wait.",
                    timeout=10_000)  # fmt: skip
    sent = [m["content"] for m in server.requests[-1].json["messages"]]
    assert sent[-2:] == ["Grey herons stand", "Go on, please."]


def marked_reply(path: Path) -> dict | None:
    """The saved reply's "writing" mark, or None (no reply yet, or not marked)."""
    try:
        messages = json.loads(path.read_text())["messages"]
    except (OSError, ValueError, KeyError):
        return None
    if messages[-1]["role"] != "assistant":
        return None
    return messages[-1].get("metadata", {}).get("writing")


def test_a_reply_streaming_here_is_marked_in_its_file_while_it_is_written(
    qtbot, window, server, tmp_path
):
    # A reasoning model thinks in silence: nothing new to write, yet the mark stays fresh.
    server.enqueue(Reply(text="Grey herons stand.", think=60))
    window.composer.set_text(QUESTION)
    window.composer.input.submit.emit()
    session = window.session
    qtbot.waitUntil(lambda: session.path is not None, timeout=10_000)
    path = session.path
    qtbot.waitUntil(lambda: marked_reply(path) is not None, timeout=10_000)
    first = marked_reply(path)
    assert (first["host"], first["pid"]) == (socket.gethostname(), os.getpid())

    # `chatdesk send` on the file meanwhile, in its own process: refused, as a window is.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.update(AZURE_OPENAI_ENDPOINT=server.azure_endpoint, AZURE_OPENAI_API_KEY=KEY,
               AZURE_OPENAI_DEPLOYMENT="gpt-4o", PYTHONPATH=str(ROOT),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "chatdesk", "send", str(path)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"still being written in another chatdesk (process {os.getpid()}" in done.stderr
    assert len(server.requests) == 1  # the window's own

    qtbot.waitUntil(lambda: (marked_reply(path) or first)["at"] != first["at"],
                    timeout=(REFRESH_S + 3) * 1000)  # fmt: skip
    assert session.busy
    assert json.loads(path.read_text())["messages"][-1]["content"] == ""

    session.stop()  # the reply ends: its file no longer says it is being written
    qtbot.waitUntil(lambda: not session.busy, timeout=10_000)
    qtbot.waitUntil(lambda: not session.modified, timeout=10_000)
    assert marked_reply(path) is None


def test_a_reply_chatdesk_send_is_writing_is_followed_and_nothing_is_sent_on_it(
    qtbot, window, server
):
    # `chatdesk send` on the library file of a conversation open here, as a real process.
    conv = Conversation()
    conv.append(Message.new("user", QUESTION))
    library = window.context.library
    id = library.create(conv).id
    session = open_it(qtbot, window, id)
    poem = " ".join(f"heron{i}" for i in range(40))
    server.enqueue(Reply(text=poem, chunk_size=20, delay=1.0))  # about 14 s of streaming
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.update(AZURE_OPENAI_ENDPOINT=server.azure_endpoint, AZURE_OPENAI_API_KEY=KEY,
               AZURE_OPENAI_DEPLOYMENT="gpt-4o", PYTHONPATH=str(ROOT),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "send", str(library.path(id))], env=env, cwd=ROOT,
        text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        qtbot.waitUntil(lambda: "Being written in another chatdesk" in notes(window.session),
                        timeout=30_000)  # fmt: skip
        window.composer.set_text("Shorter, please.")
        window.composer.input.submit.emit()
        problem = window.composer.problem.text()
        assert (
            f"The last reply is still being written in another chatdesk (process {proc.pid} "
            "on this computer)"
        ) in problem
        assert "Send once it has finished" in problem
        assert len(server.requests) == 1  # the command line's own
        err = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 0, err
    qtbot.waitUntil(lambda: last(window.session) == poem, timeout=10_000)
    qtbot.waitUntil(lambda: "Being written" not in notes(window.session), timeout=10_000)
    assert "Incomplete" not in notes(window.session)
    assert window.composer.text() == "Shorter, please."
    assert session.path == window.session.path
