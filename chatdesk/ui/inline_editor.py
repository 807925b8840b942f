"""Editing a message inside its card: a word-wrapped text box over the card's body.

Enter resends as it sends in the message box (Preferences ▸ Enter sends; Ctrl+Enter always
resends), Esc cancels; a line at the editor's foot says so and has Resend and Cancel buttons.
Esc or Cancel over text that is no longer the question's asks first (`ask_discard`): one Esc
pressed out of habit must not throw a paragraph away.
The text is not selected when it opens (one key must not wipe it): the cursor is at its end.
The transcript view places it over the row and keeps it there as the list scrolls; the session
does the resend.

A question with images keeps them on its card around the editor, where the card shows them
(row_heights.edit_place); each has a ✕ that takes it out of the question being edited, and
Resend sends the question without it (a new version: the old one keeps every image). The ✕s
follow the editor in the Tab order ("Remove image 1", ...): Space or Enter takes the image out,
Esc cancels as in the editor. An image taken out is a change (core/edit_in_place.py) as text
typed is: Esc asks, and the edit set aside or recovered after a crash keeps it out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from chatdesk.core.edit_in_place import changes
from chatdesk.ui.composer import is_enter, line_key, send_key, sends
from chatdesk.ui.draft_text import DraftText
from chatdesk.ui.palette import tones_of
from chatdesk.ui.qt.core import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from chatdesk.ui.qt.gui import QFocusEvent, QKeyEvent, QResizeEvent, QTextCursor, QTextOption
from chatdesk.ui.qt.widgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QWidget,
)
from chatdesk.ui.row_heights import EditPlace, RowHeights

# The rectangle of the card's text in a row's visual rectangle (the delegate's layout).
BodyRect = Callable[[QRect, QModelIndex], QRect]
# Keeps room in a card for the editor over its text, that many px tall (None: the card as it
# was), showing its images but those at the positions given (row_heights.make_room).
MakeRoom = Callable[[QModelIndex, int | None, frozenset[int]], None]
# Asks whether to drop the text typed; calls its argument when the answer is yes.
AskDiscard = Callable[[Callable[[], None]], None]


def keys_hint(enter_sends: bool, short: bool = False) -> str:
    """The editor's keys in a few words, as the message box's Enter setting has them
    (`short`: without the key that adds a line, for a narrow card)."""
    if short:
        return f"{send_key(enter_sends)} resends · Esc cancels"
    return f"{send_key(enter_sends)} resends · {line_key(enter_sends)} adds a line · Esc cancels"


def discard_box(parent: QWidget | None = None, why: str | None = None) -> QMessageBox:
    """Discard / Keep editing, for Esc or Cancel over a changed question (`why`: what else
    would drop the changes, said instead of the default's words); Keep editing is the default
    and Esc's answer (a second Esc out of habit must not decide it). Not opened yet: the
    caller opens it and reads `clickedButton()` on `finished`."""
    title = "Discard your changes?"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setAccessibleName(title)
    box.setText("Discard your changes to this question?")
    box.setInformativeText(
        why
        or "The question stays as it was; your changes to it (text typed, images taken out) "
        "are dropped."
    )
    box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    return box


class InlineEditor(QPlainTextEdit):
    """Signals: submitted(str) on the resend key or Resend with text that is not blank (or
    with pictures left); cancelled() on Esc or Cancel. `original`: the question's text
    (`changed()` compares); `removed`: the positions of the question's parts taken out of it
    (its images' ✕); `pictures_left`: how many of its pictures it keeps."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        text: str,
        parent: QWidget | None = None,
        *,
        enter_sends: bool = True,
        original: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.enter_sends = enter_sends
        self.original = text if original is None else original
        self.removed: set[int] = set()
        self.pictures_left = 0
        hint = keys_hint(enter_sends)
        self.setAccessibleName("Edit message")
        self.setAccessibleDescription(f"{hint}.")
        self.setToolTip(f"{hint} (the replies after it are kept as a version)")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(True)
        self.setPlainText(text)
        self._text = DraftText(self.document())  # kept edit by edit: read on every keystroke
        self.moveCursor(QTextCursor.MoveOperation.End)  # nothing selected
        self._sized: tuple[int, int] | None = None
        self._text_height = 0
        self._build_footer(hint)

    def _build_footer(self, hint: str) -> None:
        """The keys and the buttons, in a margin kept under the text (not over it). The
        buttons take no focus: a click leaves the typing where it was."""
        footer = self.footer = QWidget(self)
        row = QHBoxLayout(footer)
        row.setContentsMargins(6, 0, 2, 2)
        row.setSpacing(6)
        self.hint = QLabel(hint, footer)
        self.hint.setToolTip(hint)
        font = self.hint.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.hint.setFont(font)
        self.hint.setStyleSheet(f"color: {tones_of(self.palette()).muted};")
        self.hint.setMinimumWidth(1)  # a narrow card shortens it; the buttons stay whole
        row.addWidget(self.hint, 1)
        self.resend_button = QPushButton(text="Resend", parent=footer)  # see chatdesk/ui/qt
        self.cancel_button = QPushButton(text="Cancel", parent=footer)
        for button in (self.resend_button, self.cancel_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setFont(font)
            row.addWidget(button)
        self.resend_button.setToolTip(f"Resend the question ({send_key(self.enter_sends)})")
        self.cancel_button.setToolTip("Leave the question as it was (Esc)")
        self.resend_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.cancelled)
        self._footer_height = footer.sizeHint().height()
        self.setViewportMargins(0, 0, 0, self._footer_height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        inside = self.contentsRect()
        self.footer.setGeometry(
            inside.left(), inside.bottom() + 1 - self._footer_height,
            inside.width(), self._footer_height,
        )  # fmt: skip
        # The whole hint when it fits beside the buttons, else the keys that end the edit
        # (elided only on a card too narrow for those); its tooltip has it all.
        buttons = self.resend_button.sizeHint().width() + self.cancel_button.sizeHint().width()
        room = inside.width() - buttons - 6 * 3 - 8
        metrics = self.hint.fontMetrics()
        for text in (keys_hint(self.enter_sends), keys_hint(self.enter_sends, short=True)):
            if metrics.horizontalAdvance(text) <= room:
                break
        else:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(room, 0))
        self.hint.setText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        if is_enter(event):
            if sends(event, self.enter_sends):  # as in the message box
                self._submit()
            else:
                self.insertPlainText("\n")
            return
        super().keyPressEvent(event)

    def text(self) -> str:
        """The text typed (as `toPlainText()`, without converting the document again)."""
        return self._text.text()

    def changed(self) -> bool:
        """Whether the text is no longer the question's, or an image was taken out of it."""
        return changes(self.original, self.text(), self.removed)

    def _submit(self) -> None:
        if self.text().strip() or self.pictures_left:
            self.submitted.emit(self.text())

    def wanted_height(self, width: int, minimum: int, maximum: int) -> int:
        """The height that shows the whole text and the keys' line at `width`, within the
        bounds. Computed again only when the text or the width changed (not on every scroll)."""
        key = (width, self.document().revision())
        if key != self._sized:
            inner = max(width - 2 * self.frameWidth() - 12, 20)
            flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere
            text = self.text() or " "
            box = self.fontMetrics().boundingRect(QRect(0, 0, inner, 1 << 20), flags, text)
            self._text_height = box.height() + 2 * self.frameWidth() + 12
            self._sized = key
        return max(minimum, min(maximum, self._text_height + self._footer_height))


class InlineEditing(QObject):
    """The one message being edited in a transcript view: its editor, kept over the card's
    body as the list scrolls or re-lays out (O(1) per scroll: one rectangle). `enter_sends`
    says what Enter does in the message box; the editor does the same.

    `ask_discard`, when set, is asked before Esc or Cancel drops changed text (else it is
    dropped at once, as unchanged text always is).

    Signals: submitted(int row, str text, object removed: frozenset[int], the positions of the
    parts taken out) on the resend key; edited(int row, object text: str, object removed:
    frozenset[int]) as the text changes or an image is taken out; ended() when the editor closes;
    lost(object text: str) when its card went away (its row removed) with changed text in it,
    which the window keeps (never dropped unasked).
    """

    submitted = Signal(int, str, object)
    edited = Signal(int, object, object)  # the text passed as is, not made a QString and back
    ended = Signal()
    lost = Signal(object)

    def __init__(
        self,
        view: QAbstractItemView,
        body_rect: BodyRect,
        make_room: MakeRoom,
        enter_sends: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(view)
        self._view = view
        self._body_rect = body_rect
        self._make_room = make_room
        self._enter_sends = enter_sends
        self.ask_discard: AskDiscard | None = None
        # The room the card keeps for the editor, and the parts it no longer shows.
        self._room: tuple[int, frozenset[int]] | None = None
        self._index: QPersistentModelIndex | None = None
        self.editor: InlineEditor | None = None
        self._removers: list[QToolButton] = []  # a ✕ on each picture of the card
        self._typing: QWidget | None = None  # the editor or a ✕: where the keys go
        view.verticalScrollBar().valueChanged.connect(self.place)
        # A wider or narrower list lays its cards out again: the editor follows once it has.
        self._relaid = QTimer(self, singleShot=True, interval=0)
        self._relaid.timeout.connect(self.place)
        view.viewport().installEventFilter(self)
        self._model: QAbstractItemModel | None = None  # the edited card's: its rows watched

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.editor is not None:
            self._relaid.start()
        elif event.type() == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self._focused(watched, event.reason())
        elif (
            event.type() == QEvent.Type.KeyPress and watched in self._removers
            and isinstance(event, QKeyEvent) and self.editor is not None
        ):  # fmt: skip
            # A ✕ with the focus: Enter takes its image out as Space does; Esc cancels.
            if is_enter(event):
                assert isinstance(watched, QToolButton)
                watched.click()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.editor.cancelled.emit()
                return True
        return False

    def _focused(self, watched: QObject, reason: Qt.FocusReason) -> None:
        """The editor or a ✕ took the focus. A ✕ clicked gives it back at once to the one
        that had it: a click takes the image out and the typing goes on where it was (the
        focus would otherwise go to the transcript, the first parent a click may focus)."""
        if reason != Qt.FocusReason.MouseFocusReason or watched is self.editor:
            self._typing = watched if isinstance(watched, QWidget) else None
        elif watched in self._removers:
            back = self._typing if self._typing in (self.editor, *self._removers) else None
            (back or self.editor or self._view).setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def row(self) -> int | None:
        return self._index.row() if self._index is not None and self._index.isValid() else None

    def start(
        self,
        row: int,
        text: str,
        original: str | None = None,
        removed: frozenset[int] = frozenset(),
    ) -> InlineEditor:
        """Edit the question at `row`, starting from `text` (`original`: the question's own
        text, when `text` is an edit set aside and opened again, `removed` the positions of
        the images it had taken out)."""
        self.stop()
        model = self._model = self._view.model()
        # Its row taken away (deleted, cleared, another version of a turn before it shown):
        # `place` finds it gone at once, not at the next scroll.
        model.rowsRemoved.connect(self._relaid.start)
        model.modelReset.connect(self._relaid.start)
        self._index = QPersistentModelIndex(model.index(row, 0))
        editor = InlineEditor(
            text, self._view.viewport(), enter_sends=self._enter_sends(), original=original
        )
        editor.removed.update(removed)
        editor.installEventFilter(self)  # (its focus: see _focused)
        self.editor = editor
        editor.submitted.connect(self._submit)
        editor.cancelled.connect(self._cancel)
        editor.textChanged.connect(self.place)  # grows with its text
        editor.textChanged.connect(self._edited)
        self._view.scrollTo(model.index(row, 0))
        # A card with images shows them around the editor's place, as tall as its text.
        self._room = (0, frozenset(removed))
        self._make_room(model.index(row, 0), *self._room)
        self.place()
        editor.show()
        editor.setFocus()
        return editor

    def set_aside(self) -> tuple[int, str, frozenset[int]] | None:
        """Close the editor, handing back its row, text and the images taken out (to open it
        again later: another conversation is shown meanwhile); None when none is open."""
        row, editor = self.row, self.editor
        kept = None
        if row is not None and editor is not None:
            kept = (row, editor.text(), frozenset(editor.removed))
        self.stop()
        return kept

    def stop(self) -> None:
        row = self.row
        watched, self._model = self._model, None
        if watched is not None:
            with contextlib.suppress(RuntimeError):  # (gone first, with its closed session)
                watched.rowsRemoved.disconnect(self._relaid.start)
                watched.modelReset.disconnect(self._relaid.start)
        if self._room is not None:  # the card as it was again
            model = self._view.model()
            index = model.index(row, 0) if row is not None else QModelIndex()
            self._make_room(index, None, frozenset())
        self._room = None
        editor, self.editor, self._index = self.editor, None, None
        had_focus = any(w.hasFocus() for w in (editor, *self._removers) if w is not None)
        for button in self._removers:
            button.hide()
            button.deleteLater()
        self._removers = []
        self._typing = None
        if editor is not None:
            editor.hide()
            editor.deleteLater()
            if had_focus:
                self._view.setFocus()
            self.ended.emit()

    def place(self) -> None:
        """Over the body of the card being edited; gone when its row is."""
        if self.editor is None:
            return
        row = self.row
        if row is None:
            changed = self.editor.text() if self.editor.changed() else None
            self.stop()
            if changed is not None:
                self.lost.emit(changed)
            return
        editor = self.editor
        index = self._view.model().index(row, 0)
        visual = self._view.visualRect(index)
        shown = self._edit_place(visual, index)
        body = shown[0] if shown is not None else self._body_rect(visual, index)
        viewport = self._view.viewport().height()
        # As tall as its text, at least the text it covers; the card keeps that much room
        # for it, so the badges and actions under the body (and its images) stay in sight
        # around the editor (its 4 px border on each side falls in the card's gaps).
        width = body.width() + 8
        height = editor.wanted_height(width, body.height() + 8, max(viewport * 2 // 3, 120))
        room = (height - 8, frozenset(editor.removed))
        if room != self._room:
            self._room = room
            self._make_room(index, *room)
            if shown is not None:  # laid out with the room now: where the editor goes
                shown = self._edit_place(visual, index)
                body = shown[0] if shown is not None else body
        editor.setGeometry(QRect(body.left() - 4, body.top() - 4, width, height))
        self._place_removers(shown[1] if shown is not None else [])

    def _edit_place(self, visual: QRect, index: QModelIndex) -> EditPlace | None:
        """The editor's place and the pictures around it, when the card shows its images
        (the view's delegate lays the card out: row_heights.edit_place)."""
        delegate = self._view.itemDelegate()
        return delegate.edit_place(visual, index) if isinstance(delegate, RowHeights) else None

    def _place_removers(self, pictures: list[tuple[int, int, QRect]]) -> None:
        """A ✕ at the top right of each picture the question keeps (as on the message box's
        attachments): it takes the image out of the question being edited."""
        editor = self.editor
        assert editor is not None
        editor.pictures_left = len(pictures)
        parts = [at for at, _, _ in pictures]
        if [b.property("part") for b in self._removers] != parts:
            # The ✕s of the pictures kept stay as they are (one may have the focus).
            had = {b.property("part"): b for b in self._removers}
            for at, button in had.items():
                if at not in parts:
                    button.hide()
                    button.deleteLater()
            self._removers = [had.get(at) or self._remover(at, n) for at, n, _ in pictures]
            # Tab from the editor goes through the ✕s, in the pictures' order, then on to
            # what followed the editor (made last, they were at the end of the window's chain).
            for before, after in zip([editor, *self._removers], self._removers, strict=False):
                QWidget.setTabOrder(before, after)
        for button, (_, _, box) in zip(self._removers, pictures, strict=True):
            button.move(box.right() - button.width() - 3, box.top() + 4)
            button.raise_()

    def _remover(self, at: int, number: int) -> QToolButton:
        button = QToolButton(self._view.viewport())
        button.setText("✕")
        button.setProperty("part", at)
        button.setAccessibleName(f"Remove image {number}")
        button.setToolTip("Remove this image from the question (Resend sends it without it)")
        # Reached with Tab (Space or Enter then takes the image out); a click leaves the
        # typing where it was (`_focused`).
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.installEventFilter(self)
        button.setAutoFillBackground(True)  # in sight over any picture
        button.adjustSize()
        button.clicked.connect(lambda _=False: self._remove(at))
        button.show()
        return button

    def _remove(self, at: int) -> None:
        editor = self.editor
        if editor is None:
            return
        removers = self._removers
        focused = next(
            (n for n, b in enumerate(removers) if b.property("part") == at and b.hasFocus()), None
        )
        if focused is not None:  # from the keyboard: on to the next ✕, else back to the text
            others = removers[:focused] + removers[focused + 1 :]
            going = others[min(focused, len(others) - 1)] if others else editor
            # Moved by a key, it is drawn with its focus frame as after Tab (other reasons
            # clear the window's keyboard-focus mark, and the frame with it).
            going.setFocus(Qt.FocusReason.ShortcutFocusReason)
        editor.removed.add(at)
        self.place()
        self._edited()

    def _edited(self) -> None:
        row, editor = self.row, self.editor
        if row is not None and editor is not None:
            self.edited.emit(row, editor.text(), frozenset(editor.removed))

    def _cancel(self) -> None:
        """Esc or Cancel: the question stays as it was; text typed into it goes only when
        the user says so (`ask_discard`)."""
        editor = self.editor
        if editor is None or self.ask_discard is None or not editor.changed():
            self.stop()
            return

        def discard() -> None:
            if self.editor is editor:  # (not another edit opened meanwhile)
                self.stop()

        self.ask_discard(discard)

    def _submit(self, text: str) -> None:
        row = self.row
        removed = frozenset(self.editor.removed) if self.editor is not None else frozenset()
        self.stop()
        if row is not None:
            self.submitted.emit(row, text, removed)
