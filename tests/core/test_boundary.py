"""The core is plain Python: importing all of it loads no Qt and no network client."""

import pkgutil
import subprocess
import sys

import chatdesk.core


def test_core_imports_no_qt_and_no_network_client():
    modules = [f"chatdesk.core.{m.name}" for m in pkgutil.iter_modules(chatdesk.core.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'PySide6', 'shiboken6', 'openai', 'azure', 'keyring', 'httpx2'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert len(modules) >= 8
