"""The first launch with a library offers, once, to copy in what earlier versions left: the
recent files and the recovery copies (`core.library_migration`). Nothing is deleted; "Not
now" keeps them where they are and is not asked again (they stay in Open recent and in crash
recovery). The copying runs on the thread pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chatdesk.ui.qt.widgets import QMessageBox, QWidget
from chatdesk.ui.worker import FunctionWorker

if TYPE_CHECKING:
    from chatdesk.ui.context import AppContext


def offer_import(
    parent: QWidget, context: AppContext, imported: Callable[[], object]
) -> QMessageBox | None:
    """Ask, when there is something to offer and it was never offered; the box, or None.
    `imported()` runs on the GUI thread once the copies are in the library."""
    from chatdesk.core.library_migration import candidates, run
    from chatdesk.core.recovery import RecoveryStore

    settings = context.settings
    store = RecoveryStore()
    found = candidates(settings, context.library, store)
    if not len(found):
        settings.library_migrated = True  # nothing to offer: nothing to write either
        return None
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Your conversations, in the library")
    box.setText(
        f"chatdesk now keeps every conversation in its library. Copy the {len(found.files)} "
        f"recently opened file(s) and {len(found.recovered)} recovery copy(ies) into it?"
    )
    box.setInformativeText("Nothing is moved or deleted: the files stay where they are.")
    copy = box.addButton("&Copy into the library", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Not now", QMessageBox.ButtonRole.RejectRole)
    box.setAccessibleName("Your conversations, in the library")

    def answered() -> None:
        settings.library_migrated = True
        context.save_settings()
        if box.clickedButton() is copy:
            worker = FunctionWorker(lambda: run(found, context.library, store), parent)
            worker.returned.connect(lambda _result: imported())
            worker.start()

    box.finished.connect(lambda _r: answered())
    box.open()
    return box
