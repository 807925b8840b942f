"""Shared fixtures: every test gets its own chatdesk home, never the developer's files."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
