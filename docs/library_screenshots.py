"""Screenshots of the library sidebar (grouped, and a search result) under a real X server.

    python docs/library_screenshots.py [:NN]  # starts Xvfb :80 (or :NN) + openbox itself

Writes docs/screenshots/library-groups.png (the grouped list) and library-search.png (the
results of a search, one row per conversation, and the first opened at its message with the
words marked by the find bar) from a library made up for the purpose in a temporary
CHATDESK_HOME. Needs Debian's xvfb and openbox.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
from screenshots import run_in_x  # noqa: E402 - one way to start the X server for both

OUT = ROOT / "docs" / "screenshots"
DISPLAY = ":80"
DAY = 86_400.0

# (title, days ago, pinned, the exchange)
CONVERSATIONS = [
    ("Release checklist for 2.4", 40, True, ["What is left before we ship 2.4?",
                                             "Sign the installers, update the changelog."]),
    ("Azure OpenAI quota per region", 0.05, False, [
        "How is the tokens-per-minute quota shared between deployments in one region?",
        "Quota is per subscription, per region and per model: each deployment takes a share."]),
    ("Regex for ISO dates", 0.2, False, ["A regex for ISO 8601 dates?",
                                         r"`\d{4}-\d{2}-\d{2}` covers the date part."]),
    ("Pelican sighting notes", 1.1, False, [
        "Summarise my pelican notes from the harbour walk.",
        "A brown pelican dived for fish twice near the pier; the gulls followed it."]),
    ("Rotate an API key without downtime", 3, False, [
        "How do I rotate an Azure OpenAI key without downtime?",
        "Switch clients to KEY2, regenerate KEY1, then switch back."]),
    ("Cover letter draft", 5, False, ["Help me write a cover letter.", "Here is a draft…"]),
    ("pandas groupby by month", 12, False, ["Group a frame by month?",
                                            "Use `df.groupby(df.date.dt.to_period('M'))`."]),
    ("Trip to Lisbon", 25, False, ["Plan three days in Lisbon.", "Day 1: Alfama and the castle…"]),
    ("SQL window functions", 50, False, ["Explain ROW_NUMBER().", "It numbers rows."]),
    ("Bird identification", 75, False, [
        "Which bird has a pouch under its bill?", "That is a pelican: the pouch holds fish."]),
    ("Kubernetes liveness probes", 110, False, ["Liveness vs readiness?", "Liveness restarts…"]),
]


def _fill(library: object) -> None:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.library import iso_time
    from chatdesk.core.messages import Message, MessageMeta

    now = time.time()
    for title, days, pinned, texts in CONVERSATIONS:
        when = iso_time(now - days * DAY)
        conv = Conversation(system_prompt="You are a helpful assistant.")
        conv.title = title
        conv.created_at = when
        conv.pinned_in_list = pinned
        for i, text in enumerate(texts):
            role = "user" if i % 2 == 0 else "assistant"
            conv.append(Message(role, text, meta=MessageMeta(created_at=when)))
        library.create(conv)  # type: ignore[attr-defined]
    broken = library.folder / "20260101-000000-0badf1.chatdesk.json"  # type: ignore[attr-defined]
    broken.write_text('{"format": "chatdesk.conversation", "version": 9}', encoding="utf-8")


def _grab(app: object, window: object, name: str) -> None:
    app.processEvents()  # type: ignore[attr-defined]
    time.sleep(0.3)
    app.processEvents()  # type: ignore[attr-defined]
    window.grab().save(str(OUT / name))  # type: ignore[attr-defined]
    print(f"wrote {OUT / name}")


def main() -> int:
    return run_in_x(_shoot, sys.argv[1] if len(sys.argv) > 1 else DISPLAY)


def _wait(app: object, done: object, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:  # type: ignore[operator]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def _shoot() -> int:
    from PySide6.QtWidgets import QApplication

    from chatdesk.core.settings import Settings
    from chatdesk.service.connections import Connections
    from chatdesk.ui.context import AppContext, DeferredService
    from chatdesk.ui.library_model import Roles
    from chatdesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = Settings()
    connections = Connections(settings, env={})
    context = AppContext(settings, connections, DeferredService(connections.credentials))
    _fill(context.library)
    window = MainWindow(context)
    window.resize(1180, 720)
    window.open_paths([])
    window.show()
    sidebar = window.sidebar
    model = sidebar.library_model
    _wait(app, lambda: model.rowCount() > len(CONVERSATIONS))
    window.splitter.setSizes([300, 620, 260])
    first = next(r for r in range(model.rowCount()) if model.index(r).data() == CONVERSATIONS[1][0])
    sidebar.openRequested.emit(model.index(first).data(Roles.Id), None, "")
    _wait(app, lambda: window.session is not None and window.session.path is not None)
    OUT.mkdir(parents=True, exist_ok=True)
    _grab(app, window, "library-groups.png")
    sidebar.search.setText("pelican")
    _wait(app, lambda: sidebar.list.model() is sidebar.search_model)
    results = sidebar.search_model
    sidebar.list.setCurrentIndex(results.index(0))
    sidebar.list.activated.emit(results.index(0))  # as a click or Enter opens it
    _wait(app, lambda: " of " in window.find_bar.count.text())
    _grab(app, window, "library-search.png")
    for session in window.sessions:
        session.set_modified(False)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
