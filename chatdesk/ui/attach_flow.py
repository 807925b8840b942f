"""Attaching images to the draft: paste, drop and Attach… (Ctrl+Shift+A) all end here.

The images are read and made ready (checked, downscaled: `service/image_prep.py`, the rule
`chatdesk attach` uses) off the GUI thread (ui/worker.py); the draft changes on the GUI thread
when they are.
What cannot be attached — a model that takes no images, more than a request carries, a bad
file — is said above the message box at once, and the draft (text and images) stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chatdesk.core.image_input import attach_problem, image_problem, part_url, reading_rule
from chatdesk.core.images import data_url_bytes
from chatdesk.core.models import ImageRule
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.composer import Composer
from chatdesk.ui.qt.core import QBuffer, QByteArray, QIODevice, QObject
from chatdesk.ui.qt.gui import QImage
from chatdesk.ui.qt.widgets import QFileDialog, QWidget
from chatdesk.ui.worker import FunctionWorker

if TYPE_CHECKING:
    from chatdesk.ui.image_viewer import ImageViewer

FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif);;All files (*)"
Source = tuple[str, Any]  # (name, a path or a QImage)


def _ready(sources: list[Source], rule: ImageRule | None) -> tuple[list[dict], list[str]]:
    """Off the GUI thread: each source read and prepared (`prepare_images`, the rule
    `chatdesk attach` uses); (parts, one message per refused)."""
    # Pillow and the viewer load with the first image, not with the window.
    from chatdesk.service.image_prep import prepare_images

    ready, problems = prepare_images(
        [(name, s if isinstance(s, str) else (lambda image=s: _png(image))) for name, s in sources],
        rule,
    )
    return [image.part for _name, image in ready], problems


def _png(image: QImage) -> bytes:
    """A pasted image (a screenshot) as PNG: lossless, as it was copied."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(array.data())


class AttachFlow(QObject):
    """Wires a composer to the current session's draft images."""

    def __init__(
        self,
        composer: Composer,
        current: Callable[[], ChatSession | None],
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.composer, self.current, self.window = composer, current, window
        self.workers: list[FunctionWorker] = []  # in flight (for tests: wait on them)
        self.dialog: QFileDialog | None = None
        self.viewer: ImageViewer | None = None
        composer.imageOffered.connect(lambda image: self.attach([("Pasted image", image)]))
        composer.filesOffered.connect(self.attach_files)
        composer.attachRequested.connect(self.pick_files)
        composer.removeRequested.connect(self.remove)
        composer.detailChanged.connect(self.set_detail)
        composer.viewRequested.connect(self.view)

    # -- adding --------------------------------------------------------------------------
    def pick_files(self) -> None:
        dialog = QFileDialog(self.window, "Attach images")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(FILTER)
        dialog.filesSelected.connect(self.attach_files)
        dialog.open()
        self.dialog = dialog

    def attach_files(self, paths: list[str]) -> None:
        import os

        self.attach([(os.path.basename(p) or p, p) for p in paths])

    def attach(self, sources: list[Source]) -> None:
        """Make `sources` ready off the GUI thread, then add them to the draft."""
        session = self.current()
        if session is None or not sources or session.loading:  # nothing of its own yet
            return
        match = session.model_match()
        refused = attach_problem(match.family, match.exact, session.image_count(), len(sources))
        if refused is not None:
            self.composer.show_problem(f"{refused.text} {refused.hint}")
            return
        rule = reading_rule(match.family, match.exact)
        worker = FunctionWorker(lambda: _ready(sources, rule), self)
        worker.returned.connect(lambda result: self._add(session, *result))
        worker.errored.connect(lambda exc: self.composer.show_problem(f"Cannot attach: {exc}"))
        worker.finished.connect(lambda: self.workers.remove(worker))
        self.workers.append(worker)
        worker.start()

    def _add(self, session: ChatSession, parts: list[dict], problems: list[str]) -> None:
        images = [*session.conversation.draft_images, *parts]
        match = session.model_match()
        problem = image_problem(len(images), match.family, match.exact)
        if problem is not None:  # the draft filled up meanwhile (two drops at once)
            problems.append(f"{problem.text} {problem.hint}")
        elif parts:
            session.set_draft_images(images)
        self.composer.show_problem(" ".join(problems))
        if session is self.current():
            self.show(session)

    # -- changing --------------------------------------------------------------------------
    def remove(self, index: int) -> None:
        session = self.current()
        if session is not None:
            images = list(session.conversation.draft_images)
            del images[index]
            session.set_draft_images(images)
            self.composer.show_problem("")
            self.show(session)

    def set_detail(self, index: int, detail: str) -> None:
        """A new detail; a "low" image is fitted to 512 px when sent (`fit_messages`)."""
        session = self.current()
        if session is None:
            return
        images = list(session.conversation.draft_images)
        url, old = part_url(images[index])
        if old == detail:
            return
        images[index] = {"type": "image_url", "image_url": {"url": url, "detail": detail}}
        session.set_draft_images(images)
        self.show(session)

    def view(self, index: int) -> None:
        session = self.current()
        if session is None:
            return
        url = part_url(session.conversation.draft_images[index])[0]
        if data_url_bytes(url):
            from chatdesk.ui.image_viewer import ImageViewer

            self.viewer = ImageViewer(url, f"Image {index + 1}", self.window)
            self.viewer.open()

    def show(self, session: ChatSession) -> None:
        """The composer shows `session`'s attachments with their token counts."""
        images = session.conversation.draft_images
        budget = session.budget
        tokens = [budget.counter.part_cost(p)[0] for p in images] if budget else None
        self.composer.set_images(images, tokens)
