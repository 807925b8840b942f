"""Startup stays light: the slow libraries load after the window is up, not before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from chatdesk.core.messages import example_messages, example_pairs
from chatdesk.core.presets import BUILTIN_PRESETS
from chatdesk.service.client import Credentials
from chatdesk.service.secrets import MemorySecretStore
from chatdesk.ui.context import AppContext, DeferredService
from chatdesk.ui.deferred import AfterFirstPaint
from chatdesk.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
SLOW = (
    "openai",
    "httpx",
    "httpx2",
    "azure",
    "azure.identity",
    "msal",
    "keyring",
    "markdown_it",
    "pygments",
    "tiktoken",
    "PIL",  # Pillow: images are read and prepared when one is attached or shown
    "sqlite3",  # the library's search index opens after the first paint
    "hashlib",  # its OpenSSL library: ~3 ms; the file format's disk checks and recovery use it
    # Python 3.11 compiles a dataclass's generated methods at import (~1 M instructions each,
    # the module itself ~3.5 M): the first frame's records are msgspec Structs.
    "dataclasses",
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, CHATDESK_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


# A fresh interpreter that starts the window as `chatdesk` does, up to the first conversation.
WINDOW_UP = (
    "import sys\n"
    "from chatdesk.ui.app import make_app\n"
    "from chatdesk.ui.context import AppContext\n"
    "from chatdesk.ui.main_window import MainWindow\n"
    "app = make_app()\n"
    "window = MainWindow(AppContext.create())\n"
    "window.open_paths([])\n"
)


def _last_line(code: str, tmp_path: Path) -> str:
    """Run `code` in a fresh interpreter (nothing imported yet) and return its last line."""
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def test_the_window_path_imports_no_slow_library(tmp_path):
    code = WINDOW_UP + f"print(sorted(m for m in {SLOW!r} if m in sys.modules))\n"
    assert _last_line(code, tmp_path) == "[]"


def test_the_modules_loaded_before_pyside6_are_qt_free(tmp_path):
    code = (
        "import importlib, sys\n"
        "from chatdesk.cli.window import QT_FREE_FIRST\n"
        "for name in QT_FREE_FIRST:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('PySide6', 'shiboken6') if m in sys.modules))\n"
    )
    assert _last_line(code, tmp_path) == "[]"


def test_first_paint_hook_reports_and_exits(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "chatdesk"],
        env=_env(tmp_path, CHATDESK_EXIT_AFTER_FIRST_PAINT="1"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    marks = [line for line in out.stdout.splitlines() if line.startswith("chatdesk-first-paint")]
    assert len(marks) == 1
    float(marks[0].split()[1])


def test_deferred_service_is_built_once_on_first_use():
    credentials = Credentials(MemorySecretStore(), env={})
    deferred = DeferredService(credentials)
    assert not deferred.loaded
    assert deferred.warm_up().wait(60)
    assert deferred.loaded
    service = deferred.get()
    assert service is deferred.get()
    assert service.credentials is credentials
    # The ChatBackend calls reach the real service.
    service.prepare = lambda conv, profile, **options: ("prepared", conv, profile, options)
    options = {"budget": None, "stream": True, "continuing": False}
    assert deferred.prepare("c", "p") == ("prepared", "c", "p", options)


def test_context_create_defers_the_service(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))
    context = AppContext.create(tmp_path / "settings.json")
    assert isinstance(context.service, DeferredService)
    assert context.service.credentials is context.connections.credentials


def test_the_first_launch_connection_dialog_does_not_load_the_openai_sdk(tmp_path):
    """A new user's first launch opens Connections at once: the SDK is not on that path."""
    code = (
        WINDOW_UP + "window.ensure_connection()\n"
        "assert window.connection_dialog.isVisible()\n"
        "print(sorted(m for m in ('openai', 'httpx2') if m in sys.modules))\n"
    )
    assert _last_line(code, tmp_path) == "[]"


# -- what waits for the first paint -----------------------------------------------------------
HIDDEN_AT_START = (
    "chatdesk.ui.examples_editor",
    "chatdesk.ui.params_panel",
    "chatdesk.ui.request_preview",
    "chatdesk.ui.file_flows",
    "chatdesk.ui.autosave",
    "chatdesk.core.recovery",
    "chatdesk.core.fileformat",  # imported by what opens a file
    "chatdesk.core.disk_state",
    "chatdesk.core.budget",  # counting starts after the first paint
    "chatdesk.core.trimming",
    "chatdesk.core.tokens",
    "chatdesk.ui.attachment_strip",  # made with the draft's first image
    "chatdesk.ui.image_cache",
    "chatdesk.ui.transcript_images",  # made with the first message card
    "chatdesk.service.blocking",  # the thread pool starts with the first job (ui/worker.py)
    # Codecs other than UTF-8 are modules to find and load (~1 ms with PySide6 reading them):
    # the settings' byte-order mark and the draft's check for emoji need neither.
    "encodings.utf_8_sig",
    "encodings.utf_16_le",
)


def test_a_returning_users_window_defers_what_it_does_not_show(tmp_path, monkeypatch):
    from chatdesk.core.settings import Settings, save_settings

    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))
    window_state = {"examples_page": "359x288 359x654", "params_page": "428x525 435x539"}
    save_settings(Settings(window=window_state))
    code = WINDOW_UP + f"print(sorted(m for m in {HIDDEN_AT_START!r} if m in sys.modules))\n"
    assert _last_line(code, tmp_path) == "[]"


# Each module on the first frame's path costs ~0.3-1 ms before the window can paint (loading it,
# PySide6 reading its source, the classes and records it makes): session 4 met
# `startup_ratio` with ~45 fewer. Raise this only for a module the first frame shows.
# 89: reading the settings one setting at a time (core/settings_read.py, session 11).
# 90: which profile a conversation's name means after a rename (core/profile_renames.py,
#     session 11): the first frame's conversation is given its profile through it.
# 91: which tool calls lack a result (core/tool_results.py, session 12): a card offers "Add
#     tool result…" by it, and the session's send and edits use the same rule.
# 92: the transcript model's streaming row in its own module (ui/transcript_streaming.py,
#     session 12): the model passed the 500-line limit with the window of rows.
# 93: which stretch of the history is rows in its own module (ui/transcript_window.py, session
#     14): rows below the window as well as above it, so a jump lays out 60 rows, not 100,000.
# 94: how a reply ended, in words (core/endings.py, session 14): a restored conversation's
#     badges on the first frame, the export's notes and Continue follow it.
FIRST_FRAME_MODULES = 94


def test_the_first_frame_imports_a_bounded_number_of_chatdesk_modules(tmp_path, monkeypatch):
    report = "print(len([m for m in sys.modules if m.split('.')[0] == 'chatdesk']))"
    assert int(_at_first_paint(report, tmp_path, monkeypatch)) <= FIRST_FRAME_MODULES


def _painted(qtbot, window):
    window.show()
    qtbot.waitUntil(lambda: window._painted, timeout=10_000)


@pytest.fixture
def returning(qtbot, context):
    """A context whose settings remember the side pages' sizes, as after one earlier run."""
    first = MainWindow(context)
    qtbot.addWidget(first)
    first.open_paths([])
    _painted(qtbot, first)
    assert {"examples_page", "params_page"} <= set(context.settings.window)
    first.session.shutdown()
    first.hide()
    return context


def test_side_pages_are_built_when_first_shown_and_take_their_space_before(qtbot, returning):
    reference = MainWindow(returning)
    qtbot.addWidget(reference)
    reference.examples_editor, reference.params_panel  # noqa: B018 - built, as before the change
    window = MainWindow(returning)
    qtbot.addWidget(window)
    window.open_paths([])
    assert not window._examples_page.built
    assert not window._params_page.built
    assert window.side.minimumSizeHint() == reference.side.minimumSizeHint()
    assert window.side.sizeHint() == reference.side.sizeHint()

    conv = window.session.conversation
    conv.examples = example_messages([("2+2?", "4")])
    conv.params.temperature = 0.3
    _painted(qtbot, window)
    window.side.setCurrentIndex(1)
    assert window._examples_page.built
    assert window.examples_editor.isVisible()
    assert window.examples_editor.examples() == [("2+2?", "4")]
    window.examples_editor.examplesChanged.emit([("a", "b")])  # edits reach the conversation
    assert example_pairs(conv.examples) == [("a", "b")]
    window.side.setCurrentIndex(2)
    assert window.params_panel.isVisible()
    assert window.params_panel.temperature.optional_value() == 0.3
    window.params_panel.temperature.setValue(0.5)
    assert conv.params.temperature == 0.5
    assert window.session.modified
    window.session.set_modified(False)


def test_a_preset_reaches_side_pages_not_built_yet(qtbot, returning):
    few_shot = next(p for p in BUILTIN_PRESETS if p.examples)
    window = MainWindow(returning)
    qtbot.addWidget(window)
    window.open_paths([])
    window.system_editor.presetApplied.emit(few_shot)
    assert not window._examples_page.built
    assert window.examples_editor.examples() == list(few_shot.examples)
    window.session.set_modified(False)


def test_autosave_and_counting_start_after_the_first_paint(qtbot, context):
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()  # shown first, as `app.run` does
    window.open_paths([])
    session = window.session
    assert window._autosaver is None
    assert session.budget is None
    session.set_draft("typed before the autosaver started")
    qtbot.waitUntil(lambda: session.budget is not None, timeout=10_000)
    assert window._autosaver is not None
    # The early change was kept: in the library (a library conversation needs no copy).
    qtbot.waitUntil(
        lambda: session.path is not None and "typed before" in session.path.read_text(),
        timeout=5000,
    )
    assert window.autosaver.store.entries() == []
    session.set_draft("")
    session.set_modified(False)


def test_work_waiting_for_a_paint_runs_if_none_comes(qtbot, monkeypatch):
    """A window started minimised may not paint: what waits for it runs anyway."""
    monkeypatch.setattr(AfterFirstPaint, "LATEST_MS", 10)
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    widget.installEventFilter(AfterFirstPaint(lambda: calls.append(1), widget))
    QCoreApplication.sendEvent(widget, QShowEvent())
    QCoreApplication.sendEvent(widget, QShowEvent())
    qtbot.waitUntil(lambda: calls == [1], timeout=2000)
    qtbot.wait(50)
    assert calls == [1]


def test_a_window_closed_before_it_painted_starts_nothing(qtbot, context, monkeypatch):
    monkeypatch.setattr(AfterFirstPaint, "LATEST_MS", 10)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.open_paths([])
    window.close()
    qtbot.wait(100)
    assert window._autosaver is None
    assert window.session.budget is None


def test_the_chat_service_loads_on_the_warm_up_thread_while_the_window_imports(tmp_path: Path):
    # PySide6 reads the source of every module imported after it, pydantic's (under the SDK)
    # included: the SDK loads on the warm-up thread while the GUI thread imports the window.
    code = (
        "import sys\n"
        "import chatdesk.ui.context\n"
        "from chatdesk.service.client import Credentials\n"
        "from chatdesk.ui.context import DeferredService\n"
        "import PySide6.QtWidgets\n"
        "service = DeferredService(Credentials())\n"
        "done = service.warm_up()\n"
        "import chatdesk.ui.main_window\n"
        "done.wait(120)\n"
        "print(service.loaded)\n"
    )
    assert _last_line(code, tmp_path) == "True"


def test_the_first_frame_builds_no_late_qt_type(tmp_path, monkeypatch):
    """`Qt`'s 93 enums take ~20 ms to make in Python 3.11 and QIcon's ~2 ms, and the first
    frame needs neither, nor any other name of `chatdesk.ui.qt.LATE`: a widget built or painted
    for it that touches `Qt.*`, calls an overload taking an icon, or a module that uses a late
    name at import, puts the cost back. The probe runs first in the event loop's next turn,
    before what waits for the paint."""
    report = (
        "from chatdesk.ui.qt import LATE\n"
        "built = [f'{m}.{n}' for m, names in LATE.items()\n"
        "         for n in sorted(names) if n in vars(importlib.import_module(m))]\n"
        "print(['Qt' in vars(core), built])"
    )
    assert _at_first_paint(report, tmp_path, monkeypatch) == "[False, []]"


def _at_first_paint(report: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Start `chatdesk` as a returning user's launch does and run `report` (code printing one
    line; `sys`, `importlib`, PySide6.QtCore as `core` at hand) once the main window and its
    children have painted, before what waits for the paint; returns that line."""
    from chatdesk.core.settings import Settings, save_settings

    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))
    window_state = {"examples_page": "359x288 359x654", "params_page": "428x525 435x539"}
    save_settings(Settings(window=window_state))
    code = (
        "import importlib, sys\n"
        "import PySide6.QtCore as core\n"
        "from chatdesk import cli\n"
        "from chatdesk.ui import app\n"
        "class Probe(core.QObject):\n"
        "    def eventFilter(self, watched, event):\n"
        "        if event.type() == core.QEvent.Type.Paint:\n"
        "            watched.removeEventFilter(self)\n"
        "            core.QTimer.singleShot(0, done)  # once the children have painted too\n"
        "        return False\n"
        "def done():\n"
        + "".join(f"    {line}\n" for line in report.splitlines())
        + "    sys.stdout.flush()\n"
        "    app.QApplication.exit(0)\n"
        "def probe(window):\n"
        "    window.installEventFilter(Probe(window))\n"
        "    return True\n"
        "app.exit_after_first_paint = probe\n"
        "cli.main([])\n"
    )
    return _last_line(code, tmp_path)
