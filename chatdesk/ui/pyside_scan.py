"""Spares the start-up PySide6's source scan of the modules imported after it.

Once loaded, PySide6 watches every import for modules that opt into its `__feature__` switches
(snake_case names, true properties): the first time an import statement names a module, it
reads and searches that module's whole source for "PySide6" (`inspect.getsource`), ~0.3 ms a
module and ~15 ms over chatdesk's start. chatdesk uses no such switch, so `load_pyside` records
the scan's answer up front for the modules the window imports: the ones already loaded (they
cannot opt in) and chatdesk's own. Should PySide keep this elsewhere one day, nothing is
recorded and the scan simply runs.
"""

from __future__ import annotations

import pkgutil
import sys

import chatdesk

USES_PYSIDE = 0  # the scan's answers: no switch selected
IGNORE = -1


def load_pyside() -> None:
    """Import PySide6 and record the scan's answer for the modules the window imports."""
    import PySide6  # noqa: F401 - installs the import watcher

    answers = getattr(sys.modules.get("shibokensupport.feature"), "pyside_feature_dict", None)
    if not isinstance(answers, dict):
        return
    for name in list(sys.modules):
        answers.setdefault(name, IGNORE)
    for module in pkgutil.walk_packages(chatdesk.__path__, "chatdesk."):
        uses = module.name.startswith("chatdesk.ui.")
        answers.setdefault(module.name, USES_PYSIDE if uses else IGNORE)
