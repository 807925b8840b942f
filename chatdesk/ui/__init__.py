"""The window: PySide6 widgets over the Qt-free core and service.

Start-up is measured to the first painted window (benchmarks/README.md), and what PySide6
builds for Python on the way there costs as much as the window's own code: each Qt class is
made into a Python type on first use, with its enums, which Python 3.11 makes slowly. So the
first frame keeps to a few habits (tests/ui/test_startup.py checks the costly ones):

- No `Qt.*` before the first paint: the namespace holds 93 enums (~20 ms). Role numbers come
  from `roles.py`; enum properties can be set by name (`setProperty("...Policy", "Name")`).
- Constructors called by keyword where a positional call would first be tried against an
  overload taking a Qt enum or a QIcon (`QSplitter(parent=...)`, `QPushButton(text=...,
  parent=...)`, `QAction(text=..., parent=...)`): trying it builds that type (QIcon, with its
  151 theme-icon names, ~2 ms).
- Types used only to paint or handle input are imported in the methods that do.
"""
