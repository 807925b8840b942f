"""One way to run background work (issue 18, item 1): every job runs on the one pool of threads
in `service/blocking.py` (the window's jobs through `ui/worker.py`). No other module may start a
thread or make a pool of its own; the deadline watchdog (`service/deadline.py`) is the one timer
thread, started once."""

from __future__ import annotations

import ast
from pathlib import Path

import chatdesk

PACKAGE = Path(chatdesk.__file__).parent

# Names that start threads or make pools: threading's and Qt's, the standard library's
# executors and processes.
THREAD_NAMES = frozenset(
    {
        "Thread",
        "Timer",
        "start_new_thread",
        "QThread",
        "QThreadPool",
        "QRunnable",
        "QtConcurrent",
        "ThreadPoolExecutor",
        "ProcessPoolExecutor",
        "run_in_executor",
        "to_thread",
        "Process",
        "Pool",
    }
)
THREAD_MODULES = frozenset({"_thread", "concurrent.futures", "multiprocessing"})

# The places allowed to start threads, and why.
ALLOWED = {
    "chatdesk/service/blocking.py": "THREADS, the one pool",
    "chatdesk/service/deadline.py": "the one watchdog timer thread for reply deadlines",
}


def offences(source: str) -> list[str]:
    """Each use of a thread-starting name or module in `source` (comments and docstrings
    are not code, so they may name them)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in THREAD_NAMES:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in THREAD_NAMES:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if node.module in THREAD_MODULES or names & THREAD_NAMES:
                found.append(f"{node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            modules = {alias.name for alias in node.names}
            if modules & THREAD_MODULES:
                found.append(f"{node.lineno}: import {', '.join(modules)}")
    return found


def test_the_check_catches_each_way_of_starting_a_thread():
    for line in (
        "threading.Thread(target=f).start()",
        "from threading import Thread",
        "t = threading.Timer(1, f)",
        "import _thread",
        "from concurrent.futures import ThreadPoolExecutor",
        "import concurrent.futures",
        "import multiprocessing",
        "QThreadPool.globalInstance().start(job)",
        "from PySide6.QtCore import QObject, QThreadPool",
        "class Job(QRunnable): pass",
        "loop.run_in_executor(None, f)",
        "asyncio.to_thread(f)",
    ):
        assert offences(line), line
    assert not offences('"""Runs on QThreadPool or a threading.Thread."""\n# Thread( here\nx = 1')
    assert not offences("import threading\nlock = threading.Lock()\nthreading.Event()")


def test_no_module_starts_a_thread_or_a_pool_outside_the_one_place():
    found = {
        path.relative_to(PACKAGE.parent).as_posix(): bad
        for path in sorted(PACKAGE.rglob("*.py"))
        if (bad := offences(path.read_text(encoding="utf-8")))
    }
    for allowed in ALLOWED:
        assert allowed in found, f"{allowed} no longer starts threads: drop it from ALLOWED"
        del found[allowed]
    assert found == {}
