"""Startup stays light: the slow libraries load after the window is up, not before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chatdesk.service.client import Credentials
from chatdesk.service.secrets import MemorySecretStore
from chatdesk.ui.context import AppContext, DeferredService

ROOT = Path(__file__).resolve().parents[2]
SLOW = (
    "openai",
    "httpx2",
    "azure.identity",
    "msal",
    "keyring",
    "markdown_it",
    "pygments",
    "tiktoken",
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
    deferred.warm_up().join(60)
    assert deferred.loaded
    service = deferred.get()
    assert service is deferred.get()
    assert service.credentials is credentials
    assert deferred.prepare == service.prepare  # attributes reach the real service


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
