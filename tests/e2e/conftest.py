"""A real X server (Xvfb) with a window manager, for driving the installed app with xdotool."""

from __future__ import annotations

import pytest

from tests.support.xserver import missing_x_tools, x_server


@pytest.fixture(scope="session")
def xdisplay():
    missing = missing_x_tools("chatdesk")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian: xvfb openbox xdotool; pip install -e .)")
    with x_server() as display:
        yield display
