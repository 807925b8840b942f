"""What the type checker covers: the core, the service and the command line strictly, the
window's modules not yet (and not followed from `chatdesk window`), as CI's `mypy` runs it.

The check itself runs in CI (`.ci/run`, ~15 s cold): this keeps its reach from shrinking."""

from __future__ import annotations

import shlex
from pathlib import Path

import chatdesk

try:
    import tomllib
except ImportError:  # Python 3.10: mypy (a test dependency) brings tomli there
    import tomli as tomllib

ROOT = Path(chatdesk.__file__).parent.parent
STRICT = ("chatdesk/core", "chatdesk/service", "chatdesk/cli")


def _mypy() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_core_service_and_command_line_are_checked_strictly():
    config = _mypy()
    assert config["strict"] is True
    assert set(STRICT) <= set(config["files"])
    assert not [f for f in config["files"] if f.startswith("chatdesk/ui")]
    # Nothing of them is let off: no per-module relaxation names one of their modules.
    relaxed = [
        module
        for override in config.get("overrides", [])
        if set(override) - {"module", "ignore_missing_imports", "follow_imports"}
        for module in override["module"]
    ]
    assert not [m for m in relaxed if m.startswith(("chatdesk.core", "chatdesk.service"))]
    assert not [m for m in relaxed if m.startswith("chatdesk.cli")]


def test_the_window_is_not_followed_from_the_command_line():
    """`chatdesk window` imports the window inside a function; mypy must not check the window's
    modules through it (they are not typed yet), nor anything else of the command line."""
    skipped = [
        override["module"]
        for override in _mypy().get("overrides", [])
        if override.get("follow_imports") == "skip"
    ]
    assert skipped == [["chatdesk.ui", "chatdesk.ui.*"]]
    cli = sorted(p.name for p in (ROOT / "chatdesk" / "cli").glob("*.py"))
    importing_ui = [
        name
        for name in cli
        if "chatdesk.ui" in (ROOT / "chatdesk" / "cli" / name).read_text(encoding="utf-8")
    ]
    assert importing_ui == ["window.py"]


def test_ci_runs_the_configured_check():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [shlex.split(line) for line in lines if line.strip().endswith("mypy")]
    # No arguments: the files and the strictness are pyproject.toml's.
    assert commands == [[".venv/bin/mypy"]]
