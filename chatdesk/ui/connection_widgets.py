"""What the Connections dialog's panels share: their labels (muted or error tones that follow
the palette), buttons, the wording of kinds and sign-in methods, and `FormHost`, what a panel
may ask of the dialog (the draft being edited, a worker, the secret store).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from chatdesk.core.profiles import EntraMode, ProfileKind
from chatdesk.service.secrets import SecretStoreError
from chatdesk.ui.palette import status_color
from chatdesk.ui.qt.core import QSize, Qt
from chatdesk.ui.qt.gui import QKeyEvent, QPalette, QResizeEvent
from chatdesk.ui.qt.widgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget
from chatdesk.ui.worker import Worker, run_in_background

if TYPE_CHECKING:
    from chatdesk.service.client import Credentials
    from chatdesk.service.connections import Connections
    from chatdesk.service.entra import EntraSession, SignedIn
    from chatdesk.service.profile_edits import ProfileEdit
    from chatdesk.service.secrets import SecretStore

KIND_LABELS: dict[ProfileKind, str] = {
    "azure-v1": "Azure OpenAI (v1)",
    "azure-api-version": "Azure OpenAI (api-version)",
    "openai-compatible": "OpenAI-compatible",
}
ENTRA_MODE_LABELS: dict[EntraMode, str] = {
    "browser": "Browser",
    "device-code": "Device code",
    "default": "Developer credentials (Azure CLI, environment, managed identity)",
}
# What each kind wants, with an example of its own (shown under the kind).
KIND_HINTS: dict[ProfileKind, str] = {
    "azure-v1": "The resource endpoint, e.g. https://my-resource.openai.azure.com/ (Foundry: "
    "https://my-resource.services.ai.azure.com/), and a deployment name.",
    "azure-api-version": "The resource endpoint or a gateway URL, a deployment and an "
    "api-version such as 2024-10-21 (or preview).",
    "openai-compatible": "Any OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or "
    "http://localhost:11434/v1 (Ollama), and the model name the server serves.",
}


class FormHost(Protocol):
    """The dialog, as its panels see it."""

    connections: Connections
    secrets: SecretStore
    tones: Tones

    @property
    def current(self) -> ProfileEdit | None: ...

    def holds(self, draft: ProfileEdit) -> bool:
        """Whether `draft` is still one of the profiles being edited (not removed)."""
        ...

    def run(
        self,
        fn: Callable[[], Any],
        returned: Callable[[Any], None],
        errored: Callable[[BaseException], None],
        finished: Callable[[], None],
    ) -> object: ...

    def form_edited(self) -> None: ...

    def refresh_save(self) -> None: ...

    def session(self, draft: ProfileEdit) -> EntraSession: ...

    def draft_credentials(self, draft: ProfileEdit) -> Credentials: ...


class WrapLabel(QLabel):
    """A word-wrapped label whose size hint is as tall as its text at its actual width.

    QFormLayout sizes a row by the hint when it has room, and QLabel's hint assumes a narrow
    guess of a width, which left tall blank rows under the endpoint.
    """

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 0 and self.wordWrap():
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    column: QWidget | None = None  # set with `keep_whole`

    def keep_whole(self, column: QWidget) -> None:
        """Never be cut off: ask for all the lines the text takes at `column`'s width (a field
        of the same form column, always laid out), so a crowded form grows the dialog instead
        (a long note about a pasted URL lost its last line). Not this label's own width: a label
        just shown still has a stale narrow one, and would ask for far too many lines."""
        self.column = column

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        column = self.column
        # Before the dialog is first laid out the column's width means nothing yet.
        if column is not None and column.isVisible() and self.wordWrap() and self.text():
            hint.setHeight(self.heightForWidth(column.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the hint depends on the width


class KeyField(QLineEdit):
    """The key field: Enter saves the key instead of pressing the dialog's Save button."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


class Tones:
    """Makes the dialog's labels and colours the muted and error ones from the palette, so
    light and dark themes both read."""

    def __init__(self) -> None:
        self._muted: list[QLabel] = []
        self._errors: list[QLabel] = []

    def label(
        self, parent: QWidget, text: str, name: str, *, tone: str = "", selectable: bool = True
    ) -> WrapLabel:
        label = WrapLabel(text, parent)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # texts may quote URLs and server replies
        label.setAccessibleName(name)
        # Long URLs do not wrap; they must not widen the form past the window.
        label.setMinimumWidth(40)
        if selectable:
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if tone == "muted":
            self._muted.append(label)
        elif tone == "error":
            self._errors.append(label)
        return label

    def apply(self, base: QPalette) -> None:
        muted = base.color(QPalette.ColorRole.PlaceholderText)
        for labels, color in ((self._muted, muted), (self._errors, status_color("error", base))):
            for label in labels:
                pal = label.palette()
                pal.setColor(QPalette.ColorRole.WindowText, color)
                label.setPalette(pal)


def button(parent: QWidget, text: str, name: str, tip: str) -> QPushButton:
    widget = QPushButton(text, parent)
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    widget.setAutoDefault(False)  # Enter in a field must not press Sign in or Save key
    return widget


def line(
    parent: QWidget,
    name: str,
    tip: str,
    placeholder: str = "",
    edited: Callable[..., Any] | None = None,
) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setAccessibleName(name)
    edit.setToolTip(tip)
    edit.setPlaceholderText(placeholder)
    if edited is not None:
        edit.textEdited.connect(edited)
    return edit


def set_shown(form: QFormLayout, widget: QWidget, shown: bool) -> None:
    """Show or hide `widget`, with its form row when it has one (no empty row spacing)."""
    if form.indexOf(widget) >= 0:
        form.setRowVisible(widget, shown)
    else:
        widget.setVisible(shown)


def secret_error_text(exc: BaseException, action: str) -> str:
    # SecretStoreError texts are written to be shown and never hold the key; anything else
    # might quote it, so only its type is named.
    if isinstance(exc, SecretStoreError):
        return str(exc)
    return f"Could not {action} ({type(exc).__name__})."


def latency_text(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"answered in {ms:.0f} ms" if ms < 1000 else f"answered in {ms / 1000:.1f} s"


def account_text(account: SignedIn) -> str:
    who = account.username or "an unnamed account"
    return f"Signed in as {who}" + (f" (tenant {account.tenant_id})" if account.tenant_id else "")


class DialogWorkers:
    """The dialog's background work (`worker.run_in_background`): the callbacks run on the GUI
    thread only while `owner` lives and `closed()` is False."""

    def __init__(self, owner: QWidget, closed: Callable[[], bool]) -> None:
        self._owner = owner
        self._closed = closed
        self._workers: set[Worker] = set()

    @property
    def busy(self) -> bool:
        return bool(self._workers)

    def run(
        self,
        fn: Callable[[], Any],
        returned: Callable[[Any], None],
        errored: Callable[[BaseException], None],
        finished: Callable[[], None],
    ) -> Worker:
        def open_only(handler: Callable[..., None]) -> Callable[..., None]:
            def call(*args: Any) -> None:
                if not self._closed():
                    handler(*args)

            return call

        def done() -> None:
            self._workers.discard(worker)
            open_only(finished)()

        worker = run_in_background(
            fn, self._owner, returned=open_only(returned), errored=open_only(errored), finished=done
        )
        self._workers.add(worker)
        return worker
