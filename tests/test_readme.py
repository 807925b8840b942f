"""The README's two commands are what a newcomer types: CI must run the test command exactly as
the README writes it, and both must work where the system Python refuses pip (PEP 668)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_command(heading: str) -> str:
    """The one-line shell block that follows the paragraph starting with `heading`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(heading)}.*?\n```sh\n(.+?)\n```", text, re.M | re.S)
    assert match, f"README.md has no ```sh block after {heading!r}"
    return match.group(1)


def _ci_test_command() -> str:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r"^TEST_COMMAND='(.+)'$", text, re.M)
    assert match, ".ci/run defines no TEST_COMMAND"
    return match.group(1)


def test_ci_runs_the_readme_test_command_as_written():
    assert _ci_test_command() == _readme_command("Test it")
    assert 'sh -c "$TEST_COMMAND"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_both_commands_use_a_virtual_environment():
    for heading in ("Run it", "Test it"):
        steps = [shlex.split(step) for step in _readme_command(heading).split("&&")]
        assert steps[0] == ["python3", "-m", "venv", ".venv"], heading
        # Every later step runs from the venv, never the system Python's pip.
        assert all(step[0].startswith(".venv/bin/") for step in steps[1:]), heading
