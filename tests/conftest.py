"""Shared fixtures: every test gets its own chatdesk home, never the developer's files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The README runs the suite as `.venv/bin/python -m pytest`, without activating the venv: its
# scripts (the `chatdesk` launcher the end-to-end tests start) go on PATH as activation would.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])


def pytest_addoption(parser):
    parser.addoption(
        "--reliability-heavy",
        action="store_true",
        help="run tests/reliability with its heavy counts (more kill -9 rounds)",
    )


@pytest.fixture(autouse=True)
def _chatdesk_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("chatdesk-home")
    monkeypatch.setenv("CHATDESK_HOME", str(home))
    return home
