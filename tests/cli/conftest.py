"""Fixtures for the command-line tests."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail


@pytest.fixture(autouse=True)
def no_system_keyring() -> Iterator[None]:
    """Commands run in-process see no system keyring, and leave none behind.

    keyring chooses its backend once per process, at first use, from PYTHON_KEYRING_BACKEND:
    a command run here under a test's `fail` backend used to fix that choice for every later
    test, so the real Secret Service tests of the same run skipped. Subprocesses get the
    variable from each test's own environment.
    """
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)
