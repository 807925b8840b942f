"""A real X server (Xvfb) with a window manager (openbox), for tests that launch chatdesk as a
process and drive or photograph its window (tests/e2e, tests/packaging)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator

X_TOOLS = ("Xvfb", "openbox", "xdotool")


def missing_x_tools(*extra: str) -> list[str]:
    return [tool for tool in (*X_TOOLS, *extra) if shutil.which(tool) is None]


@contextlib.contextmanager
def x_server(size: str = "1280x860x24") -> Iterator[str]:
    """Start Xvfb and openbox on a free display; yields the display (":N").

    Xvfb picks the number itself (-displayfd), so two servers in one run never collide.
    """
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,),
    )  # fmt: skip
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        number = numbers.readline().strip()
    if not number:
        xvfb.kill()
        raise RuntimeError("Xvfb did not start")
    display = f":{number}"
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
    try:
        yield display
    finally:
        wm.terminate()
        xvfb.terminate()
        wm.wait(5)
        xvfb.wait(5)
