"""A real X server (Xvfb) with a window manager, for driving the installed app with xdotool."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

TOOLS = ("Xvfb", "openbox", "xdotool", "chatdesk")


@pytest.fixture(scope="session")
def xdisplay(tmp_path_factory):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian: xvfb openbox xdotool; pip install -e .)")
    display = f":{os.getpid() % 400 + 100}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x860x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    env = {**os.environ, "DISPLAY": display}
    for _ in range(100):
        if (
            subprocess.run(["xdotool", "getmouselocation"], env=env, capture_output=True).returncode
            == 0
        ):
            break
        time.sleep(0.05)
    wm = subprocess.Popen(
        ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(0.3)
    yield display
    wm.terminate()
    xvfb.terminate()
    wm.wait(5)
    xvfb.wait(5)
