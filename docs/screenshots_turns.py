"""Screenshots of a turn's card (issue 15): versions ‹ 2/3 ›, a failed turn left out of the
next request, and a question edited in place; into docs/screenshots/.

    DISPLAY=:82 python docs/screenshots_turns.py    # under Xvfb + openbox (see screenshots.py)

The window talks to the loopback Azure server of the tests, so the replies are real streams.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    if not os.environ.get("DISPLAY"):
        sys.exit("screenshots_turns: run under an X server (DISPLAY=:NN)")
    os.environ.pop("QT_QPA_PLATFORM", None)
    os.environ["CHATDESK_HOME"] = tempfile.mkdtemp(prefix="chatdesk-shots-")
    sys.path.insert(0, str(ROOT))

    from screenshots import demo_window  # this folder's: the same window as the other shots

    from chatdesk.ui.app import make_app
    from tests.support.fake_azure import FakeAzure, Reply

    app = make_app()
    OUT.mkdir(parents=True, exist_ok=True)

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        pump(0.5)
        path = OUT / f"{name}.png"
        if shutil.which("import"):
            subprocess.run(["import", "-window", "root", str(path)], check=True)
        else:
            window.grab().save(str(path))
        print(path)

    def send(text: str) -> None:
        window.composer.set_text(text)
        window.composer.input.submit.emit()
        pump(0.3)
        while window.session.busy:
            pump(0.1)

    from chatdesk.core.messages import Message
    from chatdesk.core.tokens import TokenCounter

    counter = TokenCounter("o200k_base")

    def count(messages: list[dict]) -> int:  # the API's prompt_tokens, as Azure counts them
        return counter.count_prompt([Message.from_raw(m) for m in messages])

    with FakeAzure(api_key="shots", prompt_counter=count) as srv:
        window = demo_window(srv)
        pump(1.5)
        while window.session.budget is None:
            pump(0.1)

        srv.enqueue(
            Reply("A haiku about autumn:\n\nLeaves drift on cold wind —\n"
                  "the maple lets go of red,\none branch at a time."),
            Reply("Another try:\n\nGeese cross the grey sky;\nthe orchard smells of cider\n"
                  "and of early dusk."),
            Reply("A third:\n\nFrost on the pumpkins,\nbreath hangs over the stubble —\n"
                  "the year exhales slow."),
        )  # fmt: skip
        send("Write a haiku about autumn.")
        for _ in range(2):
            window.regenerate_action.trigger()
            pump(0.3)
            while window.session.busy:
                pump(0.1)
        window.session.show_version(1, 1)
        window.composer.set_text("")
        pump(2.0)  # the library writes the conversation and lists it in the sidebar
        shot("alternatives")

        srv.blocked_words = {"forbidden"}
        send("Tell me the forbidden recipe.")
        srv.enqueue(Reply("Spring: cherry blossoms, warm rain and longer days."))
        send("And what about spring?")
        window.composer.set_text("One more for winter?")
        window.transcript.scrollToBottom()
        shot("failed-turn-left-out")

        window.transcript.trigger_action("edit", 0)
        pump(0.3)
        editor = window.inline_edit.editor
        editor.setPlainText("Write a haiku about autumn in the mountains, with the first snow "
                            "on the peaks and the last warm afternoon in the valley.")  # fmt: skip
        window.transcript.scrollToTop()
        window.inline_edit.place()
        shot("edit-in-place")
        window.inline_edit.stop()
        for session in window.sessions:
            session.set_modified(False)
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
