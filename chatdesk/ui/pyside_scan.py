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

import importlib.util
import os
import pkgutil
import sys

import chatdesk

USES_PYSIDE = 0  # the scan's answers: no switch selected
IGNORE = -1


def load_pyside() -> None:
    """Import PySide6 and record the scan's answer for the modules the window imports."""
    import PySide6  # noqa: F401 - installs the import watcher

    answers = _answers()
    if answers is None:
        return
    for name in list(sys.modules):
        answers.setdefault(name, IGNORE)
    for module in pkgutil.walk_packages(chatdesk.__path__, "chatdesk."):
        uses = module.name.startswith("chatdesk.ui.")
        answers.setdefault(module.name, USES_PYSIDE if uses else IGNORE)


def spare_package(package: str) -> None:
    """Record the scan's answer for every module of an installed package, without importing it.

    pydantic (under the openai SDK) answers a missing module attribute by importing its
    migration helpers, and the scan's `inspect.getsource` asks each module for `__wrapped__`:
    in some import orders that re-enters a half-imported pydantic module and the import fails
    with an ImportError (seen on the warm-up thread in CI's end-to-end run). A package that is
    not a folder of sources (a frozen build's archive) is left to the scan.
    """
    answers = _answers()
    spec = importlib.util.find_spec(package)  # a top-level package: found, not imported
    if answers is None or spec is None or not spec.submodule_search_locations:
        return
    for root in spec.submodule_search_locations:
        for folder, _dirs, files in os.walk(root):
            relative = os.path.relpath(folder, root)
            prefix = package if relative == "." else f"{package}.{relative.replace(os.sep, '.')}"
            answers.setdefault(prefix, IGNORE)
            for file in files:
                if file.endswith(".py") and file != "__init__.py":
                    answers.setdefault(f"{prefix}.{file[:-3]}", IGNORE)


def _answers() -> dict[str, int] | None:
    answers = getattr(sys.modules.get("shibokensupport.feature"), "pyside_feature_dict", None)
    return answers if isinstance(answers, dict) else None
