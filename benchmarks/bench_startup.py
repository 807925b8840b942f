"""startup_ratio: the `chatdesk` launcher to its first drawn window, against an empty QMainWindow.

chatdesk is started the way the README's run command starts it: the `chatdesk` launcher pip
writes for `[project.gui-scripts]` (`LAUNCHER`, the text pip generates, run by the same Python).
Both are launched the same way (a fresh `python` process running a script,
QT_QPA_PLATFORM=offscreen) and report the monotonic time at which their main window's first
paint pass is over (a zero timer posted from its first paint event: the window's paint event
comes before its children's, and chatdesk's children — the first text drawn loads the font
engine — take 12-20 ms after it, which a mark at the event itself left out until session 9);
the figure is that time minus the time just before the process was started.

The floor (startup_floor.py: chatdesk's first frame built from plain PySide6 widgets, no chatdesk
code) is launched in the same rounds and reported, not gated: `floor_ratio` (floor / empty
window) is what the window's widgets cost Qt and PySide6, `own_ratio` (chatdesk / floor) what
chatdesk's own code adds (its modules, settings, records, the session restored).

`python -m chatdesk` is measured too and reported as `module_ms` (not gated): on CPython 3.11
it starts ~65 ms later on this machine. runpy's two frames move where the interpreter's frame
stack crosses from one 16 KiB chunk into the next, and PySide6's start-up code (its signature
parser's recursive regex compilation) then calls back and forth across that edge: CPython 3.11
maps and unmaps the chunk on every crossing (strace over a whole launch: ~8,900 munmap calls
against ~200 from the launcher; with `re.compile` called through one more Python frame the
difference is gone). Which launch hits such an edge depends on the exact frames below it.

chatdesk starts as a returning user's would: one saved profile (so no first-launch connection
dialog), an empty recovery folder.

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

from common import ROOT, log, median, ms, ratio_result

MARK = "chatdesk-first-paint"

# What pip writes into the virtual environment's bin folder for `chatdesk = "chatdesk.cli:main"`
# (its script template, shebang aside).
LAUNCHER = """\
# -*- coding: utf-8 -*-
import re
import sys
from chatdesk.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


def launcher_argv(folder: str) -> list[str]:
    """The command that starts chatdesk as its installed launcher does (written into `folder`)."""
    path = Path(folder) / "chatdesk"
    path.write_text(LAUNCHER, encoding="utf-8")
    return [sys.executable, str(path)]


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
    app_argv = launcher_argv(env["CHATDESK_HOME"])
    module_argv = [sys.executable, "-m", "chatdesk"]
    base_argv = [sys.executable, str(Path(__file__).with_name("startup_baseline.py"))]
    floor_argv = [sys.executable, str(Path(__file__).with_name("startup_floor.py"))]
    # One untimed launch of each warms the OS file cache.
    for argv in (app_argv, module_argv, base_argv, floor_argv):
        _launch(argv, env)
    app, module, base, floor = [], [], [], []
    for i in range(runs):  # interleaved, so a noisy moment hits all four
        app.append(_launch(app_argv, env))
        base.append(_launch(base_argv, env))
        floor.append(_launch(floor_argv, env))
        module.append(_launch(module_argv, env))
        log(f"startup {i + 1}/{runs}: chatdesk {app[-1] * 1000:.0f} ms, "
            f"baseline {base[-1] * 1000:.0f} ms, floor {floor[-1] * 1000:.0f} ms, "
            f"python -m chatdesk {module[-1] * 1000:.0f} ms")
    return ratio_result(
        "chatdesk", app, "baseline", base, "<= 1.5", 1.5,
        module_ms=ms(median(module)), floor_ms=ms(median(floor)),
        floor_ratio=round(median(floor) / median(base), 3),
        own_ratio=round(median(app) / median(floor), 3),
    )
