"""startup_ratio: `python -m chatdesk` to its first painted window, against an empty QMainWindow.

Both are launched the same way (a fresh `python` process, QT_QPA_PLATFORM=offscreen) and report
the monotonic time of their main window's first paint event; the figure is that time minus
the time just before the process was started. chatdesk starts as a returning user's would: one
saved profile (so no first-launch connection dialog), an empty recovery folder.

Python's bytecode caches go to a folder in the benchmark's temp dir (PYTHONPYCACHEPREFIX, and
PYTHONDONTWRITEBYTECODE unset), written by an untimed first launch: an installed chatdesk has
its .pyc files, and a launch that recompiles every module measures the compiler, not the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, log, ratio_result

MARK = "chatdesk-first-paint"


def _launch(argv: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return float(line.split()[1]) - start
    raise RuntimeError(f"{argv} printed no first paint (exit {proc.returncode}): {proc.stderr}")


def _home_with_profile() -> str:
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.settings import Settings, save_settings

    home = tempfile.mkdtemp(prefix="startup-", dir=os.environ["CHATDESK_HOME"])
    settings = Settings(
        profiles=[
            ConnectionProfile(
                name="work", kind="azure-v1", endpoint="https://contoso.openai.azure.com/",
                deployment="gpt-4o",
            )
        ],
        active_profile="work",
    )
    old = os.environ["CHATDESK_HOME"]
    os.environ["CHATDESK_HOME"] = home
    try:
        save_settings(settings)
    finally:
        os.environ["CHATDESK_HOME"] = old
    return home


def run(quick: bool) -> dict:
    runs = 5 if quick else 21  # launches vary by ±30 % here: enough for a steady median
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATDESK_EXIT_AFTER_FIRST_PAINT="1")
    env["CHATDESK_HOME"] = _home_with_profile()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="pycache-", dir=env["CHATDESK_HOME"])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    app_argv = [sys.executable, "-m", "chatdesk"]
    base_argv = [sys.executable, str(Path(__file__).with_name("startup_baseline.py"))]
    # One untimed launch of each warms the OS file cache.
    _launch(app_argv, env)
    _launch(base_argv, env)
    app, base = [], []
    for i in range(runs):  # interleaved, so a noisy moment hits both
        app.append(_launch(app_argv, env))
        base.append(_launch(base_argv, env))
        log(f"startup {i + 1}/{runs}: chatdesk {app[-1] * 1000:.0f} ms, "
            f"baseline {base[-1] * 1000:.0f} ms")
    return ratio_result("chatdesk", app, "baseline", base, "<= 1.5", 1.5)
