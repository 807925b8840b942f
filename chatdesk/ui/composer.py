"""The message composer: a multi-line input with a Send button that becomes Stop, an Attach
button, and the attached images above it (`attachment_strip`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatdesk.ui.draft_text import DraftText
from chatdesk.ui.palette import tones_of
from chatdesk.ui.qt.core import QEvent, QMimeData, Qt, Signal
from chatdesk.ui.qt.gui import QImage, QKeyEvent, QKeySequence
from chatdesk.ui.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from chatdesk.ui.attachment_strip import AttachmentStrip


class _Input(QPlainTextEdit):
    """Enter sends and Shift+Enter breaks the line, or the reverse; Esc asks to stop. A pasted
    or dropped image, or dropped files, are offered as attachments instead of text.

    Signals: submit(), escape(), imageOffered(QImage), filesOffered(list of paths).
    """

    submit = Signal()
    escape = Signal()
    imageOffered = Signal("QImage")
    filesOffered = Signal(list)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return _attachable(source) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Paste (Ctrl+V) and drop land here: images and files become attachments."""
        files = _local_files(source)
        if files:
            self.filesOffered.emit(files)
        elif source.hasImage() and not source.hasText():  # a screenshot; not an Office cell
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.imageOffered.emit(image)
        else:
            super().insertFromMimeData(source)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enter_sends = True

    def event(self, event: QEvent) -> bool:
        """Ctrl+Z / Ctrl+Shift+Z with nothing of the draft's own to undo or redo reach the
        window's Undo / Redo (the conversation's: a deleted message), as focus is mostly here."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            document = self.document()
            keys = QKeySequence.StandardKey
            if (event.matches(keys.Undo) and not document.isUndoAvailable()) or (
                event.matches(keys.Redo) and not document.isRedoAvailable()
            ):
                event.ignore()  # not the editor's: the window's shortcut runs
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        if is_enter(event):
            if sends(event, self.enter_sends):  # the rule the question edited in place follows
                self.submit.emit()
                return
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)


# What Enter does, in the message box and in a question edited in place (inline_editor.py):
# one rule, so the two never disagree about the same key (Preferences ▸ Enter sends).
def is_enter(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def sends(event: QKeyEvent, enter_sends: bool) -> bool:
    """Whether this Enter sends: Ctrl+Enter always does; otherwise plain Enter when Enter
    sends, Shift+Enter when it does not (the other one adds a line)."""
    mods = event.modifiers()
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
    return ctrl or shift != enter_sends


def send_key(enter_sends: bool) -> str:
    """The key that sends, as the hints name it."""
    return "Enter" if enter_sends else "Shift+Enter"


def line_key(enter_sends: bool) -> str:
    """The key that adds a line: the one that does not send."""
    return send_key(not enter_sends)


def _local_files(source: QMimeData) -> list[str]:
    return [u.toLocalFile() for u in source.urls() if u.isLocalFile()] if source.hasUrls() else []


def _attachable(source: QMimeData) -> bool:
    return bool(_local_files(source)) or (source.hasImage() and not source.hasText())


class Composer(QWidget):
    """Signals: sendRequested(str) with the text, stopRequested(), draftChanged(str),
    imageOffered(QImage) and filesOffered(list) (pasted or dropped), attachRequested()
    (Attach, Ctrl+Shift+A); the attachment strip's removeRequested(int), detailChanged(int,
    str) and viewRequested(int), by index into the draft's images."""

    sendRequested = Signal(str)
    stopRequested = Signal()
    draftChanged = Signal(object)  # str: passed as is, not converted to a QString and back
    imageOffered = Signal("QImage")
    filesOffered = Signal(list)
    attachRequested = Signal()
    removeRequested = Signal(int)
    detailChanged = Signal(int, str)
    viewRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = _Input(self)
        self.input.setPlaceholderText("Message — Enter to send, Shift+Enter for a new line")
        self.input.setAccessibleName("Message")
        self.input.setAccessibleDescription("Type a message for the model")
        self.input.setTabChangesFocus(True)
        self.input.setMaximumHeight(160)
        self.input.setMinimumHeight(64)
        self.button = QPushButton(text="Send", parent=self)  # by keyword: see chatdesk/ui/qt
        self.button.setAccessibleName("Send")
        self.button.setDefault(False)
        self.button.setMinimumWidth(84)
        self.attach_button = QPushButton(text="Attach…", parent=self)
        self.attach_button.setAccessibleName("Attach images")
        self.attach_button.setToolTip("Attach images (Ctrl+Shift+A); or paste or drop them")
        self.attach_button.clicked.connect(self.attachRequested)
        self._strip: AttachmentStrip | None = None  # made with the first attachment
        self.problem = QLabel(self)  # why an image was refused: stays until the next attach
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Attachment problem")
        self.problem.setStyleSheet(f"color: {tones_of(self.palette()).error};")
        self.problem.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, 1)
        button_column = QVBoxLayout()  # the buttons at the bottom, next to the last line
        button_column.addStretch(1)
        button_column.addWidget(self.attach_button)
        button_column.addWidget(self.button)
        row.addLayout(button_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.problem)
        layout.addLayout(row)  # the strip goes between them when there is one
        self._layout = layout
        self.has_images = False
        self.input.imageOffered.connect(self.imageOffered)
        self.input.filesOffered.connect(self.filesOffered)
        self._busy = False
        self._loading = False
        self._send_key = "Enter"
        self.input.submit.connect(self.submit)
        self.input.escape.connect(self._escape)
        self._draft = DraftText(self.input.document())
        self.input.textChanged.connect(lambda: self.draftChanged.emit(self.text()))
        self.button.clicked.connect(self._clicked)

    def text(self) -> str:
        return self._draft.text()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)
        cursor = self.input.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.input.setTextCursor(cursor)

    def set_enter_sends(self, enter_sends: bool) -> None:
        self.input.enter_sends = enter_sends
        self._send_key = send_key(enter_sends)
        self._set_placeholder(f"Message — {self._send_key} to send, {line_key(enter_sends)} "
                              "for a new line")  # fmt: skip
        self.set_busy(self._busy)

    def set_busy(self, busy: bool) -> None:
        """While a reply streams the button is Stop; the text stays editable for the next one."""
        self._busy = busy
        self.button.setText("Stop" if busy else "Send")
        self.button.setAccessibleName("Stop reply" if busy else "Send")
        self.button.setToolTip("Stop the reply (Esc)" if busy else f"Send ({self._send_key})")

    def set_loading(self, loading: bool) -> None:
        """While the conversation's file is read: nothing to type into or send yet."""
        self.input.setReadOnly(loading)
        self.button.setEnabled(not loading)
        self.attach_button.setEnabled(not loading)
        self._loading = loading
        if loading:
            self._set_placeholder("Opening the conversation…")
        else:
            self.set_enter_sends(self.input.enter_sends)

    def _set_placeholder(self, text: str) -> None:
        # Qt repaints only the cursor's line when the placeholder changes while it shows: a
        # longer one (two lines at 14 pt) would stay cut to its first line until a full paint.
        if text != self.input.placeholderText():
            self.input.setPlaceholderText(text)
            self.input.viewport().update()

    def set_images(self, parts: list[dict[str, Any]], tokens: list[int] | None = None) -> None:
        """Show the draft's attachments (their token counts when known)."""
        self.has_images = bool(parts)
        if parts or self._strip is not None:
            self.strip.set_parts(parts, tokens)

    @property
    def strip(self) -> AttachmentStrip:
        """The draft's attached images (hidden when there are none), made when first needed:
        most drafts have none, and the first frame does without its module."""
        if self._strip is None:
            from chatdesk.ui.attachment_strip import AttachmentStrip
            from chatdesk.ui.image_cache import ThumbnailCache

            self._strip = AttachmentStrip(ThumbnailCache(parent=self), self)
            self._strip.removeRequested.connect(self.removeRequested)
            self._strip.detailChanged.connect(self.detailChanged)
            self._strip.viewRequested.connect(self.viewRequested)
            self._layout.insertWidget(1, self._strip)
        return self._strip

    def show_problem(self, text: str) -> None:
        """Say why images were not attached or sent ("" hides it); the draft is untouched."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def submit(self) -> None:
        """What Send does (Enter, the button, Chat ▸ Send): ask for what is typed to be sent,
        also when nothing is (the session then sends the conversation as it is, or says why
        not); not while a reply streams or the conversation is still being read."""
        if not self._busy and not self._loading:
            self.sendRequested.emit(self.text())

    def _escape(self) -> None:
        if self._busy:
            self.stopRequested.emit()

    def _clicked(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self.submit()
