"""The start-up benchmark launches chatdesk exactly as the installed `chatdesk` launcher does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_startup import LAUNCHER  # noqa: E402


def test_the_benchmark_launcher_is_the_one_pip_installed():
    installed = Path(sys.executable).with_name("chatdesk")
    if not installed.is_file():
        pytest.skip(f"chatdesk is not installed next to {sys.executable} (pip install -e .)")
    lines = installed.read_text(encoding="utf-8").splitlines(keepends=True)
    body = "".join(lines[1:] if lines[0].startswith("#!") else lines)
    assert body == LAUNCHER


def test_the_windows_launch_reads_no_argument_parser():
    # `chatdesk` with no arguments goes straight to the window: argparse (~2 ms) is for the
    # sub-commands and for file arguments.
    code = (
        "import sys\n"
        "import chatdesk.cli.entry, chatdesk.cli.window\n"
        "print('argparse' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
