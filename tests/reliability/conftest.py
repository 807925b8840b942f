"""The reliability suite: each test names its area; the run ends with n tried / n passed per
area. Heavier counts (more kill -9 rounds) with ``--reliability-heavy``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import context, server, window  # noqa: F401 - the real window's fixtures

ROOT = Path(__file__).resolve().parents[2]
_tried: Counter[str] = Counter()
_passed: Counter[str] = Counter()


@pytest.fixture
def heavy(request) -> bool:
    return bool(request.config.getoption("--reliability-heavy"))


def pytest_runtest_logreport(report):
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    properties = dict(report.user_properties)
    area = properties.get("area")
    if area is None or report.skipped:
        return
    cases = properties.get("cases", 1)  # a loop of kill rounds counts each round
    _tried[area] += cases
    _passed[area] += cases if report.passed else 0


@pytest.fixture(autouse=True)
def _record_area(request, record_property):
    marker = request.node.get_closest_marker("area")
    if marker is not None:
        record_property("area", marker.args[0])


def pytest_terminal_summary(terminalreporter):
    if not _tried:
        return
    terminalreporter.section("reliability: n tried / n passed per area")
    for area in sorted(_tried):
        terminalreporter.write_line(f"{area:<34} {_tried[area]:>4} tried {_passed[area]:>4} passed")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.update(PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env.update(extra)
    return env


def run_chatdesk(*args: str, env: dict[str, str], timeout: float = 30) -> Any:
    """`python -m chatdesk ARGS` as its own process; a run past `timeout` is killed and fails."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", *args], env=env, cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chatdesk {' '.join(args)} still running after {timeout} s (it hangs)")
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    done.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    return done
