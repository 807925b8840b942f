"""chatdesk.ui.qt: window code imports Qt names as from PySide6; the late ones are built on
first use and then behave as the type."""

from __future__ import annotations

import subprocess
import sys

import PySide6.QtCore
import PySide6.QtGui
import PySide6.QtWidgets
import pytest

from chatdesk.ui.qt import LATE, Late, real
from chatdesk.ui.qt.core import QObject, Qt, QUrl, Signal
from chatdesk.ui.qt.gui import QImage
from chatdesk.ui.qt.widgets import QMessageBox, QWidget


def test_other_names_are_pysides_own_objects():
    assert QObject is PySide6.QtCore.QObject
    assert QWidget is PySide6.QtWidgets.QWidget
    assert Signal is PySide6.QtCore.Signal


def test_a_late_name_behaves_as_its_type(qapp):
    assert isinstance(QImage, Late)
    image = QImage(4, 3, QImage.Format.Format_RGB32)  # a call and an attribute
    assert isinstance(image, QImage)
    assert isinstance(image, PySide6.QtGui.QImage)
    assert (image.width(), image.height()) == (4, 3)
    assert real(QImage) is PySide6.QtGui.QImage
    assert real(QWidget) is QWidget
    assert Qt.AlignmentFlag.AlignLeft is PySide6.QtCore.Qt.AlignmentFlag.AlignLeft
    assert QUrl("chatdesk-image:1").scheme() == "chatdesk-image"


def test_a_late_name_can_be_subclassed_and_checked(qapp):
    class Box(QMessageBox):
        pass

    box = Box()
    assert issubclass(Box, QMessageBox)
    assert isinstance(box, QMessageBox)
    assert Box.__mro__[1] is PySide6.QtWidgets.QMessageBox
    box.deleteLater()


def test_a_late_name_is_read_only():
    with pytest.raises(AttributeError):
        QImage.Format = None  # type: ignore[misc]


def test_an_unknown_name_is_an_import_error():
    with pytest.raises(ImportError):
        from chatdesk.ui.qt.gui import QNoSuchThing  # noqa: F401


def test_importing_late_names_builds_nothing():
    names = {m: sorted(n) for m, n in LATE.items()}
    code = (
        "import importlib\n"
        f"names = {names!r}\n"
        "for module, late in names.items():\n"
        "    short = module.split('.')[1][2:].lower()\n"
        "    wrapper = importlib.import_module(f'chatdesk.ui.qt.{short}')\n"
        "    for n in late:\n"
        "        getattr(wrapper, n)\n"
        "print(sorted(f'{m}.{n}' for m, late in names.items() for n in late\n"
        "             if n in vars(importlib.import_module(m))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
    # And each late name is a real PySide6 name (a typo would only fail at first use).
    for module, late in LATE.items():
        for name in late:
            assert hasattr(sys.modules[module], name), f"{module}.{name}"


def test_window_code_takes_its_qt_names_from_chatdesk_ui_qt():
    """One module owns the Qt names and the start-up rules: a window module that imports
    PySide6 itself skips them (and the test of the first frame would not say which)."""
    from pathlib import Path

    import chatdesk.ui

    ui = Path(chatdesk.ui.__file__).parent
    direct = [
        f"{path.relative_to(ui)}:{number}"
        for path in sorted(ui.rglob("*.py"))
        if path.parent.name != "qt"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith(("from PySide6", "import PySide6", "from shiboken6"))
    ]
    assert direct == []


def test_no_module_reaches_into_pysides_private_tables():
    from pathlib import Path

    import chatdesk

    package = Path(chatdesk.__file__).parent
    found = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if any(word in path.read_text(encoding="utf-8")
               for word in ("shibokensupport", "pyside_feature_dict", "_mod_uses_pyside"))
    ]  # fmt: skip
    assert found == []
