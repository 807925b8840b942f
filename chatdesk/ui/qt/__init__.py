"""Qt for the window: PySide6's names, and the start-up rules that decide when each is built.

Window code imports its Qt names from here, as it would from PySide6, and nothing else about
start-up is its concern::

    from chatdesk.ui.qt.core import Qt, Signal
    from chatdesk.ui.qt.gui import QPainter
    from chatdesk.ui.qt.widgets import QWidget

`core`, `gui` and `widgets` mirror PySide6.QtCore, QtGui and QtWidgets (the shape of
qutebrowser's `qutebrowser/qt/` package). Why they exist: start-up is measured to the first
painted window (benchmarks/README.md, `startup_ratio`), and what PySide6 builds for Python on
the way there costs as much as the window's own code. PySide6 makes each Qt class into a Python
type the first time its name is looked up, with all its enums, and Python 3.11 makes enums
slowly: the `Qt` namespace alone holds 93 of them (~20 ms), `QIcon` ~2 ms, `QImage` ~1.5 ms.
A name imported at the top of a module is looked up when the module loads, so with plain
PySide6 imports every type any window module mentions would be built before the first frame.

The rules, kept here so that window code need not follow them by hand:

- Names in `LATE` — types the first frame does not need — are handed out as stand-ins that
  build the real type on first use: an attribute (`Qt.AlignmentFlag`), a call (`QImage(path)`),
  `isinstance`, or a subclass. Every other name is PySide6's own object. A stand-in is not a
  type, so where PySide6 wants a type as an argument (`Signal(...)`, `findChild(...)`) write
  `real(QImage)`; everywhere else it reads and behaves as the type does.
- Constructors whose positional form PySide6 would first try against an overload taking a Qt
  enum or a QIcon are called by keyword in the code the first frame runs (`QSplitter(parent=w)`,
  `QPushButton(text="Send", parent=w)`, `QAction(text=..., parent=...)`): trying that overload
  builds the `Qt` namespace or QIcon however the names were imported. Likewise enum properties
  are set by name there (`setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")`).
- Heavy Python libraries (the openai SDK, Pillow, the library's SQLite index, Markdown and
  Pygments) are imported by the code that uses them, after the first paint.

tests/ui/test_startup.py checks all three on a returning user's start: no `LATE` type and no
heavy library is loaded before the first paint.

PySide6 also reads the source of each module an import statement names for the first time
after PySide6 is loaded (`inspect.getsource`, looking for "PySide6"; ~0.2-0.3 ms a module),
however early that module was loaded. `chatdesk.cli.window` therefore imports the Qt-free
modules the first frame uses (`QT_FREE_FIRST`) before PySide6: what they import among
themselves is never read. Only public PySide6 interfaces can be used here, and none turns
the reading off.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# Per PySide6 module: the names whose Python type the first frame does without, with why it
# is worth waiting for (build time of the type with its enums, Python 3.11).
LATE: dict[str, frozenset[str]] = {
    "PySide6.QtCore": frozenset(
        {
            "Qt",  # 93 enums: ~20 ms
            "QBuffer",
            "QByteArray",  # ~0.6 ms
            "QIODevice",
            "QMimeData",
            "QUrl",
        }
    ),
    "PySide6.QtGui": frozenset(
        {
            "QAbstractTextDocumentLayout",
            "QDesktopServices",
            "QFont",  # 6 enums: ~1.5 ms (the first frame's text uses the widgets' fonts)
            "QFontDatabase",
            "QIcon",  # its theme-icon names: ~2 ms
            "QImage",  # ~1.5 ms
            "QPen",
            "QPixmap",
            "QTextCharFormat",
            "QTextLayout",
            "QTextOption",
        }
    ),
    "PySide6.QtWidgets": frozenset(
        {
            "QFileDialog",
            "QInputDialog",
            "QMessageBox",
            "QScrollArea",
            "QStyle",
            "QStyleOptionViewItem",
            "QToolTip",
        }
    ),
}


class Late:
    """Stands for a PySide6 type until it is used, then behaves as that type.

    The type is built on the first attribute looked up, call, `isinstance`/`issubclass`, or use
    as a base class; attributes are kept on the stand-in once looked up, so later look-ups cost
    what the type's own do.
    """

    def __init__(self, module: str, name: str) -> None:
        self.__dict__["_late"] = (module, name)

    def _built(self) -> Any:
        target = self.__dict__.get("_type")
        if target is None:
            module, name = self.__dict__["_late"]
            target = self.__dict__["_type"] = getattr(importlib.import_module(module), name)
        return target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and inspect probing a plain object
        value = getattr(self._built(), name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self!r} is read-only")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._built()(*args, **kwargs)

    def __instancecheck__(self, instance: object) -> bool:
        return isinstance(instance, self._built())

    def __subclasscheck__(self, subclass: type) -> bool:
        return issubclass(subclass, self._built())

    def __mro_entries__(self, bases: tuple[object, ...]) -> tuple[type]:
        return (self._built(),)

    def __repr__(self) -> str:
        module, name = self.__dict__["_late"]
        return f"<{module}.{name}, built on first use>"


def real(name: Any) -> Any:
    """The PySide6 type behind `name`, a stand-in from this package or the type itself."""
    return name._built() if isinstance(name, Late) else name


def names_of(module: str) -> Callable[[str], Any]:
    """A module `__getattr__` serving the names of PySide6 `module` under the rules above."""
    late = LATE.get(module, frozenset())
    served: dict[str, Any] = {}

    def lookup(name: str) -> Any:
        try:
            return served[name]
        except KeyError:
            pass
        if name.startswith("__"):
            raise AttributeError(name)
        value = (
            Late(module, name) if name in late else getattr(importlib.import_module(module), name)
        )
        served[name] = value
        return value

    return lookup
