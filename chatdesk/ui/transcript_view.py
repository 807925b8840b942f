"""The transcript: a list view of the conversation's messages as cards, painted by
`MessageDelegate`, with their actions (footer links, context menu, Ctrl+C, text selection).

Cost model. A streamed chunk re-renders one row's Markdown and repaints the visible rows;
nothing walks the whole history. Row heights come from the delegate (see row_heights.py).
QListView itself lays out every row on an insert or a size change (one cheap sizeHint call per
row); it is kept from doing so on every dataChanged, see `TranscriptView.dataChanged`.
Scrolling is transcript_scroll.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core.cards import shown_text
from chatdesk.ui.card_layout import ACTION_LABELS, MARGIN_X, MENU_LABELS, available_actions
from chatdesk.ui.markdown import code_blocks, parse_code_link
from chatdesk.ui.message_delegate import MessageDelegate
from chatdesk.ui.qt.core import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QUrl,
    Signal,
)
from chatdesk.ui.qt.gui import (
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from chatdesk.ui.qt.widgets import QAbstractItemView, QListView, QMenu, QWidget
from chatdesk.ui.transcript_model import TranscriptModel
from chatdesk.ui.transcript_scroll import TranscriptScrolling

if TYPE_CHECKING:
    from chatdesk.core.messages import Message
    from chatdesk.ui.qt.widgets import QMenu

SHRT_MAX = 32767  # QListView's limit on an item's height, see TranscriptView.visualRect


class TranscriptView(TranscriptScrolling, QListView):
    """The conversation's messages as cards.

    Signals: copyRequested(int row) (the view has already copied the message),
    copyCodeRequested(int row, int block) (already copied), editRequested(int),
    deleteRequested(int), regenerateRequested(int), continueRequested(int),
    retryRequested(int), addResultRequested(int) ("Add tool result…"),
    includeRequested(int row, bool include): "Include again" (True) or "Leave out";
    versionRequested(int row, int step): ‹ (-1) or › (+1);
    linkActivated(str url) (opened with QDesktopServices by `open_link`),
    copied(str what) after anything was put on the clipboard ("Markdown", "text", "code"),
    linkHovered(str url) when the pointer comes over a link in a message ("" when it leaves).
    """

    copyRequested = Signal(int)
    copyCodeRequested = Signal(int, int)
    editRequested = Signal(int)
    deleteRequested = Signal(int)
    regenerateRequested = Signal(int)
    continueRequested = Signal(int)
    retryRequested = Signal(int)
    addResultRequested = Signal(int)
    includeRequested = Signal(int, bool)
    versionRequested = Signal(int, int)
    linkActivated = Signal(str)
    copied = Signal(str)
    linkHovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Our own viewport: the one Qt made would be looked up by type on first `viewport()`,
        # which initialises dozens of QtWidgets classes and their enums (~10 ms at start-up).
        self.setViewport(QWidget())
        self._placeholder = ""
        self.setUniformItemSizes(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Set by name through Qt's property system: `Qt.ScrollBarPolicy` would build the whole
        # Qt namespace before the first paint (~20 ms, see chatdesk/ui/qt). The vertical bar is
        # always on: row heights depend on the width, and a scroll bar that comes and goes
        # with the content's height makes the layout oscillate between two widths.
        self.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.setProperty("verticalScrollBarPolicy", "ScrollBarAlwaysOn")
        self.setWordWrap(True)  # makes QListView re-lay out rows when the width changes
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.setAccessibleName("Conversation transcript")
        self.setAccessibleDescription(
            "The messages of this conversation. Ctrl+C copies the selected message; "
            "the context menu offers edit, delete, regenerate and text selection."
        )
        self._delegate = MessageDelegate(self)
        self.setItemDelegate(self._delegate)
        self._delegate.actionTriggered.connect(self.trigger_action)
        self._delegate.linkClicked.connect(self._on_body_link)
        self.linkActivated.connect(self.open_link)
        self._at_bottom = True
        self._last_click = QPoint()
        self.menu: QMenu | None = None  # the open context or code menu, for tests
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.actionTriggered.connect(self._on_bar_action)  # the reader scrolls: wheel, bar, keys
        bar.rangeChanged.connect(self._on_range_changed)
        from chatdesk.ui.text_selection import TextSelection

        self.text_selection = TextSelection(self)
        self.keep_rows = []
        self.text_selection.copied.connect(self.copied)
        self._hovered = ""

    @property
    def delegate(self) -> MessageDelegate:
        return self._delegate

    def transcript(self) -> TranscriptModel:
        model = self.model()
        assert isinstance(model, TranscriptModel)
        return model

    # -- QListView overrides -----------------------------------------------------------------
    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: list[int] = (),  # type: ignore[assignment]
    ) -> None:
        self._delegate.rows_changed(topLeft.row(), bottomRight.row(), self.visible_rows())
        # Not QListView.dataChanged: in Qt 6 it re-lays out every row of the list, per chunk.
        # Height changes reach the view through the delegate's sizeHintChanged instead.
        QAbstractItemView.dataChanged(self, topLeft, bottomRight, roles)

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        # QListView keeps an item's height in a short: a card taller than 32,767 px (a reply of
        # ~100 KB) would be painted, updated and hit-tested only in its first 32,767 px, though
        # the list positions the rows below it by its full height. The full height is known.
        rect = super().visualRect(index)
        if rect.height() >= SHRT_MAX and index.isValid():
            rect.setHeight(max(self._delegate.row_height(index), rect.height()))
        return rect

    def rowsInserted(
        self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int
    ) -> None:
        # QListView lays out every row after an insert anyway; measuring the new rows first
        # spares a second layout when they are painted. Bulk inserts keep their estimates.
        if end - start < 20:
            for row in range(start, end + 1):
                self._delegate.measure(self.model().index(row, 0, parent), now=True)
        super().rowsInserted(parent, start, end)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        self.release_hold()
        self._delegate.clear()
        self.text_selection.clear()
        old = self.model()
        if isinstance(old, TranscriptModel):
            old.appending.disconnect(self.back_to_window)
        super().setModel(model)
        if isinstance(model, TranscriptModel):
            # A message added at the end: the rows brought in above go first (one layout).
            model.appending.connect(self.back_to_window)

    def reset(self) -> None:
        self.release_hold()
        self._delegate.clear()
        self._at_bottom = True
        super().reset()

    def set_placeholder(self, text: str) -> None:
        """A line in the middle while there are no rows ("Opening…"); "" for none."""
        self._placeholder = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if self._placeholder and (model is None or not model.rowCount()):
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder
            )
            painter.end()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._delegate.clear()
            self.scheduleDelayedItemsLayout()
        super().changeEvent(event)

    def updateGeometries(self) -> None:
        super().updateGeometries()
        self.keep_held()  # rows above a message gone to changed height: it stays in place
        # QListView steps by item height in per-pixel mode; a tall card would be one notch.
        self.verticalScrollBar().setSingleStep(3 * self.fontMetrics().lineSpacing())

    def visible_rows(self) -> range:
        """Rows at least partly on screen."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return range(0)
        top = self.indexAt(QPoint(MARGIN_X + 1, 0))
        bottom = self.indexAt(QPoint(MARGIN_X + 1, self.viewport().height() - 1))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else model.rowCount() - 1
        return range(first, last + 1)

    # -- actions -----------------------------------------------------------------------------
    def trigger_action(self, action: str, row: int) -> None:
        """Do or announce `action` for `row` (a footer link, a menu item, a shortcut)."""
        if action == "copy":
            self.copy_message(row)
        elif action == "reasoning":  # open or close the reply's Reasoning part
            self.transcript().toggle_reasoning(row)
        elif action == "copy_code":
            self._copy_code_or_menu(row)
        elif action == "select_text":
            self.text_selection.select_all(row)
        else:
            if action in ("include", "leave_out"):
                self.includeRequested.emit(row, action == "include")
                return
            if action in ("version_prev", "version_next"):
                self.versionRequested.emit(row, 1 if action == "version_next" else -1)
                return
            signal = {
                "edit": self.editRequested,
                "delete": self.deleteRequested,
                "regenerate": self.regenerateRequested,
                "continue": self.continueRequested,
                "retry": self.retryRequested,
                "add_result": self.addResultRequested,
            }[action]
            signal.emit(row)

    def copy_message(self, row: int) -> None:
        """The whole message as its Markdown source."""
        QGuiApplication.clipboard().setText(shown_text(self.transcript().message(row)))
        self.copyRequested.emit(row)
        self.copied.emit("Markdown")

    def copy_message_text(self, row: int) -> None:
        """The whole message as it reads, without Markdown's marks."""
        index = self.model().index(row, 0)
        body = self._delegate.layout(self.visualRect(index), index).doc
        QGuiApplication.clipboard().setText(body.text_between((0, 0), body.end()))
        self.copied.emit("text")

    def copy_code(self, row: int, block: int) -> None:
        blocks = code_blocks(shown_text(self.transcript().message(row)))
        if 0 <= block < len(blocks):
            QGuiApplication.clipboard().setText(blocks[block])
            self.copyCodeRequested.emit(row, block)
            self.copied.emit("code")

    def _copy_code_or_menu(self, row: int) -> None:
        blocks = code_blocks(shown_text(self.transcript().message(row)))
        if len(blocks) == 1:
            self.copy_code(row, 0)
            return
        menu = self._new_menu()
        self._add_code_actions(menu, row, blocks)
        menu.popup(self.viewport().mapToGlobal(self._last_click))

    def _add_code_actions(self, menu: QMenu, row: int, blocks: list[str]) -> None:
        for i, block in enumerate(blocks):
            first = block.strip().splitlines()[0] if block.strip() else ""
            label = f"Copy code {i + 1}: {first[:40]}" if first else f"Copy code {i + 1}"
            menu.addAction(label, lambda i=i: self.copy_code(row, i))

    def _on_body_link(self, href: str, row: int) -> None:
        image = self.delegate.images.url_of(href)
        if image is not None:
            self.open_image(image)
            return
        block = parse_code_link(href)
        if block is not None:
            self.copy_code(row, block)
        else:
            self.linkActivated.emit(href)

    def link_description(self, href: str) -> str:
        """What a click on the link `href` does, for the status bar."""
        if self.delegate.images.url_of(href) is not None:
            return "Opens the image full size"
        return f"Opens {href} in the browser"

    def open_link(self, href: str) -> None:
        """Open a link from a message in the browser; only web and mail links."""
        url = QUrl(href)
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    def _new_menu(self) -> QMenu:
        if self.menu is not None:
            self.menu.close()
        self.menu = QMenu(self)
        self.menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu.destroyed.connect(self._forget_menu)
        return self.menu

    def _forget_menu(self) -> None:
        self.menu = None

    def context_menu(self, row: int) -> QMenu:
        """The actions of a row as a menu (not shown)."""
        menu = self._new_menu()
        model = self.transcript()
        actions = available_actions(model, row, self.delegate.edited(model.index(row, 0)))
        selection = self.text_selection
        if selection.selected_row() == row:  # the selected part first
            menu.addAction("Copy selection", lambda: selection.copy())
            menu.addAction("Copy selection as Markdown", lambda: selection.copy(markdown=True))
            menu.addSeparator()
        for action in actions:
            if action == "copy_code":
                blocks = code_blocks(shown_text(model.message(row)))
                if len(blocks) == 1:
                    menu.addAction("Copy code", lambda: self.copy_code(row, 0))
                else:
                    self._add_code_actions(menu.addMenu("Copy code"), row, blocks)
                continue
            if action == "delete":
                menu.addSeparator()
            label = MENU_LABELS.get(action, ACTION_LABELS[action])
            menu.addAction(label, lambda a=action: self.trigger_action(a, row))
            if action == "copy":
                menu.addAction("Copy as text", lambda: self.copy_message_text(row))
        self._add_image_actions(menu, model.message(row))
        menu.addSeparator()
        menu.addAction("Select all text", lambda: selection.select_all(row))
        return menu

    def _add_image_actions(self, menu: QMenu, message: Message) -> None:
        from chatdesk.core.image_input import image_refs
        from chatdesk.core.images import PendingImage
        from chatdesk.ui.image_viewer import copy_image

        urls = [r.url for r in image_refs([message.to_api()]) if r.url.startswith("data:")]
        if any(isinstance(url, PendingImage) for url in urls):
            return  # still being read: the menu has them once they are
        for n, url in enumerate(urls, 1):
            name = "image" if len(urls) == 1 else f"image {n}"
            menu.addSeparator()
            menu.addAction(f"Open {name}", lambda u=url: self.open_image(u))
            menu.addAction(f"Copy {name}", lambda u=url: copy_image(u))
            menu.addAction(f"Save {name} as…", lambda u=url: self.save_image(u))

    def open_image(self, url: str) -> None:
        """The image full size, with Copy image and Save image as…"""
        from chatdesk.ui.image_viewer import ImageViewer

        self.image_viewer = ImageViewer(url, "Image", self)
        self.image_viewer.open()

    def save_image(self, url: str) -> None:
        from chatdesk.ui.image_viewer import save_image_as

        self.save_dialog = save_image_as(self, url)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.release_hold()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._last_click = event.position().toPoint()
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        over = index.isValid() and self._delegate.hit_test(self.visualRect(index), index, pos)
        # A link shows where it goes before it is clicked (status bar; tooltip on hover).
        href = over[1] if over and over[0] == "link" and parse_code_link(over[1]) is None else ""
        if href != self._hovered:
            self._hovered = href
            self.linkHovered.emit(href)
        if over:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        super().mouseMoveEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        # The pointer left the view while over a link (no move off the link came first):
        # where the link goes is no longer pointed at, in the status bar either.
        if event.type() == QEvent.Type.Leave and self._hovered:
            self._hovered = ""
            self.linkHovered.emit("")
        return super().viewportEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        self.context_menu(index.row()).popup(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.release_hold()
        if event.matches(QKeySequence.StandardKey.Copy) and self.currentIndex().isValid():
            self.copy_message(self.currentIndex().row())
            return
        super().keyPressEvent(event)
