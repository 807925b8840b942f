"""The sidebar is the library: every conversation, grouped by activity with the pinned ones on
top, a search over all of them, and the trash.

What it shows comes from `LibraryJobs` (the index, off the GUI thread); what the user does in
it goes to the window (open, rename in place with F2, pin, duplicate, move to the trash) or
to the jobs (undo, restore, delete for good, empty the trash). Move to Trash is undone with
Ctrl+Z while the list has the focus (its own history, `undo_stack`: ui/conversation_undo.py).
The search runs `SEARCH_DELAY_MS` after the last keystroke, on the jobs' search thread.

Signals: openRequested(str id, object message_index: int | None, str query, bool
other_version): open the conversation, at that history message when given, finding a search
result's query there (in the version of that turn that holds it, when `other_version`);
sessionRequested(int) for an open conversation outside the library (its index in the window);
changeRequested(str action, str id, object value) for rename (the title), pin (True/False),
trash and duplicate, which the window does itself when the conversation is open
(`library_link`); notice(str) for a line in the status bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.ui.conversation_undo import MoveToTrash
from chatdesk.ui.library_model import Kind, LibraryModel, Roles, SearchModel
from chatdesk.ui.library_view import LibraryView
from chatdesk.ui.qt.core import QModelIndex, Qt, QTimer, Signal
from chatdesk.ui.qt.gui import QUndoStack
from chatdesk.ui.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from chatdesk.core.library import LibraryEntry
    from chatdesk.core.library_search import SearchHit, SearchPage
    from chatdesk.ui.library_jobs import LibraryJobs
    from chatdesk.ui.qt.core import QPoint
    from chatdesk.ui.qt.gui import QKeyEvent
    from chatdesk.ui.qt.widgets import QMenu

SEARCH_DELAY_MS = 200
UNDO_MS = 10_000  # how long "Moved to the trash — Undo" stays


class LibrarySidebar(QWidget):
    """Signals: openRequested(str, object, str, bool), sessionRequested(int),
    changeRequested(str, str, object), notice(str)."""

    openRequested = Signal(str, object, str, bool)
    sessionRequested = Signal(int)
    changeRequested = Signal(str, str, object)
    notice = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs: LibraryJobs | None = None
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search all conversations")
        self.search.setAccessibleName("Search all conversations")
        self.search.setClearButtonEnabled(True)
        self.library_model = LibraryModel(self)
        self.trash_model = LibraryModel(self)
        self.search_model = SearchModel(self)
        self.list = LibraryView(self)
        self.list.setAccessibleName("Conversations")
        self.list.setModel(self.library_model)
        self.status = QLabel(self)
        self.status.setAccessibleName("Library status")
        self.status.setWordWrap(True)
        # "Moved “…” to the trash" with Undo; hidden until something is trashed.
        self.undo_bar = QWidget(self)
        self.undo_label = QLabel(self.undo_bar)
        self.undo_label.setWordWrap(True)
        # By keyword: see chatdesk/ui/qt.
        self.undo_button = QPushButton(text="Undo", parent=self.undo_bar)
        self.undo_button.setAccessibleName("Undo move to trash")
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(0, 0, 0, 0)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.hide()
        self.trash_button = QToolButton(self)
        self.trash_button.setCheckable(True)
        self.trash_button.setText("Trash")
        self.trash_button.setAccessibleName("Show the trash")
        self.empty_button = QPushButton(text="Empty trash", parent=self)
        self.empty_button.setAccessibleName("Empty trash")
        self.empty_button.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.trash_button)
        bottom.addStretch(1)
        bottom.addWidget(self.empty_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_bar)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        self._undo_id: str | None = None
        # Move to Trash undone with Ctrl+Z / Edit ▸ Undo while the list has the focus
        # (ui/library_undo.py); the command being undone or redone, until its job is done.
        self.undo_stack = QUndoStack(self)
        self._restoring: MoveToTrash | None = None
        self._trashing: MoveToTrash | None = None
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self._undo_timer.timeout.connect(self.undo_bar.hide)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self._selected_id: str | None = None
        self._selected_session: int | None = None
        self.search.textChanged.connect(self._debounce.start)
        self.list.activated.connect(self._open_index)
        self.list.clicked.connect(self._open_index)
        self.list.setProperty("contextMenuPolicy", "CustomContextMenu")  # no Qt.* before paint
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.library_model.renameRequested.connect(self._rename)
        self.undo_button.clicked.connect(self.undo_trash)
        self.trash_button.toggled.connect(self.show_trash)
        self.empty_button.clicked.connect(self.empty_trash)
        self.menu: QMenu | None = None  # the open context menu, for tests

    def set_jobs(self, jobs: LibraryJobs) -> None:
        """Start showing the library `jobs` serves (after the window's first paint)."""
        self.jobs = jobs
        jobs.listed.connect(self.show_entries)
        jobs.changed.connect(self.show_changed)
        jobs.searched.connect(self.show_hits)
        jobs.more.connect(self._more_hits)
        self.search_model.moreRequested.connect(jobs.search)
        jobs.done.connect(self._done)
        jobs.failed.connect(self.notice)
        jobs.skipped.connect(self.notice)
        jobs.progress.connect(self._progress)
        jobs.load()

    # -- showing -----------------------------------------------------------------------------
    def show_entries(self, entries: list[LibraryEntry], trashed: list[LibraryEntry]) -> None:
        # A reset scrolls a view to the top: a reply saved elsewhere must not move the list.
        bar = self.list.verticalScrollBar()
        kept = bar.value()
        self.library_model.set_entries(entries)
        self.trash_model.set_entries(trashed)
        self.trash_button.setText(f"Trash ({len(trashed)})" if trashed else "Trash")
        self.empty_button.setEnabled(bool(trashed))
        self.list.setAutoScroll(False)  # marking the shown one must not scroll to it either
        self.select(self._selected_id, self._selected_session)
        self.list.setAutoScroll(True)
        self.list.lay_out_now()
        bar.setValue(kept)

    def put_entry(self, entry: LibraryEntry) -> None:
        """Show one conversation as just written (its row only; see `LibraryModel.put_entry`)."""
        bar = self.list.verticalScrollBar()
        kept = bar.value()
        if not self.library_model.put_entry(entry):
            return  # changed in place: the selection and the scroll position are as they were
        self.list.setAutoScroll(False)
        self.select(self._selected_id, self._selected_session)
        self.list.setAutoScroll(True)
        bar.setValue(kept)

    def show_changed(self, entries: list[LibraryEntry]) -> None:
        """A few conversations new or changed elsewhere: their rows only."""
        for entry in entries:
            self.put_entry(entry)

    def _progress(self, done: int, total: int) -> None:
        if self.list.model() is not self.search_model:
            text = f"Indexing the library… {done:,} of {total:,}" if done < total else ""
            self.status.setText(text)

    def show_hits(self, query: str, page: SearchPage) -> None:
        """The first page of results for `query` (one row per conversation)."""
        if query != self.search.text().strip():
            return  # typed on meanwhile: the next results are on their way
        self.search_model.set_page(query, page)
        self.list.setModel(self.search_model)
        self._show_count()

    def _more_hits(self, query: str, page: SearchPage) -> None:
        """The next page of results, added as the list is scrolled to its end."""
        self.search_model.add_page(query, page)
        if query == self.search_model.query:
            self._show_count()

    def _show_count(self) -> None:
        """"30+ conversations" while more pages may come, then the whole count."""
        model = self.search_model
        n = model.rowCount()
        count = f"{n}+" if model.after is not None else str(n)
        if n:
            self.status.setText(f"{count} conversation{'s' if count != '1' else ''}")
        elif len(_words(model.query)) > 1:  # the rule fts_query follows, said
            self.status.setText(
                "No matches: every word must be in one message, and all but the last whole"
            )
        else:
            self.status.setText("No matches")

    def select(self, id: str | None, session: int | None = None) -> None:
        """Mark the conversation shown: library conversation `id`, or else the open file
        `session` (an index into the window's open conversations)."""
        self._selected_id, self._selected_session = id, session
        model = self.list.model()
        if model is not self.library_model:
            return
        current = self.list.currentIndex()
        if id is not None and current.isValid() and self.list.selectionModel().isSelected(current):
            marked = model.row_at(current.row())
            if marked is not None and marked.id == id:
                return  # marked already (each write of a reply asks): no scan of the rows
        row = model.row_of(id) if id is not None else self._file_row(session)
        if row >= 0:
            self.list.setCurrentIndex(model.index(row))
        else:
            self.list.clearSelection()

    @property
    def selected_id(self) -> str | None:
        """The library conversation marked as shown (None: a file, or a new one)."""
        return self._selected_id

    def _file_row(self, session: int | None) -> int:
        model = self.library_model
        for row in range(min(model.rowCount(), len(model.files) + 1)):
            if session is not None and model.index(row).data(Roles.Session) == session:
                return row
        return -1

    def set_open(self, ids: set[str], files: list[tuple[str, str]]) -> None:
        """The library conversations open in the window (their titles are bold), and the open
        ones outside the library as (name, tooltip), listed first."""
        self.library_model.set_open(ids)
        self.library_model.set_files(files)
        self.select(self._selected_id, self._selected_session)

    def current_model(self) -> LibraryModel | SearchModel:
        model = self.list.model()
        assert isinstance(model, (LibraryModel, SearchModel))
        return model

    # -- searching ---------------------------------------------------------------------------
    def run_search(self) -> None:
        self._debounce.stop()
        query = self.search.text().strip()
        if not query:
            if self.jobs is not None:
                self.jobs.cancel_search()
            self.status.setText("")
            self.list.setModel(self.trash_model if self.trash_button.isChecked() else
                               self.library_model)  # fmt: skip
            self.select(self._selected_id, self._selected_session)
            return
        if self.jobs is not None:
            self.status.setText("Searching…")
            self.jobs.search(query)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.search.text():
            self.search.clear()
            self.run_search()
            return
        if event.key() == Qt.Key.Key_Delete and self.list.hasFocus():
            self._trash_current()
            return
        if event.key() == Qt.Key.Key_Down and self.search.hasFocus():
            self.focus_list()
            return
        super().keyPressEvent(event)

    # -- opening -----------------------------------------------------------------------------
    def _open_index(self, index: QModelIndex) -> None:
        kind = index.data(Roles.Kind)
        if kind is Kind.FILE:
            self.sessionRequested.emit(index.data(Roles.Session))
            return
        if kind in (Kind.ENTRY, Kind.HIT) and self.list.model() is not self.trash_model:
            self._open_hit(index.data(Roles.Id), index.data(Roles.Hit))

    def _open_hit(self, id: str, hit: SearchHit | None) -> None:
        if hit is None:
            self.openRequested.emit(id, None, "", False)
        else:
            query = self.search_model.query
            # Another version's result opens at the turn holding it (its message_index is
            # the message's own, in its version): that turn shows the version first.
            at = hit.turn if hit.other_version else hit.message_index
            self.openRequested.emit(id, at, query, hit.other_version)

    # -- changing ----------------------------------------------------------------------------
    def _rename(self, id: str, title: str) -> None:
        self.changeRequested.emit("rename", id, title)

    def rename(self, id: str) -> None:
        """Edit the title of `id` in place (as F2 does)."""
        row = self.library_model.row_of(id)
        if row >= 0:
            self.list.setModel(self.library_model)
            index = self.library_model.index(row)
            self.list.setCurrentIndex(index)
            self.list.edit(index)

    def rename_selected(self) -> None:
        """F2 from anywhere in the window: rename the row selected in the list when the list
        has the focus, else the conversation shown (the typed name never reaches the message
        box). A conversation outside the library, or one not written yet, has no row to
        rename: `notice` says so."""
        index = self.list.currentIndex()
        if self.list.hasFocus() and index.isValid():
            if self.list.model() is not self.trash_model and index.data(Roles.Kind) in (
                Kind.ENTRY, Kind.HIT,
            ):  # fmt: skip
                self.rename(index.data(Roles.Id))
            return
        if self._selected_id is not None and self.library_model.row_of(self._selected_id) >= 0:
            self.rename(self._selected_id)
        elif self._selected_session is not None:
            self.notice.emit("A file opened from elsewhere keeps its name: Save as renames it.")
        else:
            self.notice.emit("A new conversation is named after its first question.")

    def focus_list(self) -> None:
        """Bring the keyboard into the list (Ctrl+Shift+L, Down from the search box), on the
        selected row, else the first conversation."""
        self.list.setFocus()
        model = self.list.model()
        if self.list.currentIndex().isValid() or model is None:
            return
        for row in range(model.rowCount()):
            if model.index(row).data(Roles.Kind) is not Kind.HEADING:
                self.list.setCurrentIndex(model.index(row))
                return

    def trash(self, id: str) -> None:
        self.changeRequested.emit("trash", id, None)

    def undo_trash(self) -> None:
        """The Undo button of "Moved … to the trash": the same step as Ctrl+Z in the list."""
        stack = self.undo_stack
        last = stack.command(stack.index() - 1) if stack.canUndo() else None
        if isinstance(last, MoveToTrash) and last.conversation_id == self._undo_id:
            stack.undo()
        elif self._undo_id is not None and self.jobs is not None:
            self.jobs.restore(self._undo_id)
        self._undo_id = None
        self.undo_bar.hide()

    def restore_trashed(self, command: MoveToTrash) -> None:
        """Undo of Move to Trash: the conversation back from the trash."""
        if self.jobs is not None:
            self._restoring = command
            self.jobs.restore(command.conversation_id)
        self._undo_id = None
        self.undo_bar.hide()

    def trash_again(self, command: MoveToTrash) -> None:
        """Redo of Move to Trash."""
        self._trashing = command
        self.trash(command.conversation_id)

    def show_trash(self, shown: bool) -> None:
        self.search.clear()
        self.list.setModel(self.trash_model if shown else self.library_model)
        self.empty_button.setVisible(shown)
        self.status.setText("In the trash until emptied" if shown else "")

    def empty_trash(self) -> None:
        n = self.trash_model.rowCount()
        count = sum(
            1 for r in range(n) if self.trash_model.index(r).data(Roles.Kind) is not Kind.HEADING
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Empty trash",
            f"Delete the {count} conversation{'s' if count != 1 else ''} in the trash for good?",
            QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        delete = box.addButton("Delete for good", QMessageBox.ButtonRole.DestructiveRole)
        box.setAccessibleName("Empty trash")
        box.buttonClicked.connect(
            lambda button: button is delete and self.jobs is not None and self.jobs.empty_trash()
        )
        box.open()
        self.empty_box = box

    def _trash_current(self) -> None:
        index = self.list.currentIndex()
        if index.isValid() and index.data(Roles.Kind) in (Kind.ENTRY, Kind.BROKEN):
            if self.list.model() is self.trash_model:
                return
            self.trash(index.data(Roles.Id))

    def _done(self, action: str, id: str) -> None:
        if action == "trash":
            if self._trashing is not None and self._trashing.conversation_id == id:
                self._trashing = None  # redone: the step is on the history already
            else:
                self.undo_stack.push(MoveToTrash(self, id))
            entry = next((e for e in self.trash_model.entries if e.id == id), None)
            title = entry.title if entry is not None else "the conversation"
            self.undo_label.setText(f"Moved “{title}” to the trash.")
            self._undo_id = id
            self.undo_bar.show()
            self._undo_timer.start()
        elif action == "restore" and self._restoring is not None:
            # Restored under a new id when its own was taken meanwhile.
            self._restoring.conversation_id = id
            self._restoring = None
        elif action == "duplicate":
            self.select(id)
        elif action == "empty":
            self.notice.emit("The trash was emptied.")

    # -- the context menu --------------------------------------------------------------------
    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The actions of one row, as a menu (not shown)."""
        kind = index.data(Roles.Kind)
        id = index.data(Roles.Id)
        if kind not in (Kind.ENTRY, Kind.BROKEN, Kind.HIT) or id is None or self.jobs is None:
            return None
        jobs = self.jobs
        if self.menu is not None:
            self.menu.close()
        menu = self.menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.destroyed.connect(self._forget_menu)
        if self.list.model() is self.trash_model:
            menu.addAction("Restore", lambda: jobs.restore(id))
            menu.addSeparator()
            menu.addAction("Delete for good", lambda: jobs.delete_forever(id))
            return menu
        if kind is not Kind.BROKEN:
            hit = index.data(Roles.Hit)
            menu.addAction("Open", lambda: self._open_hit(id, hit))
            menu.addAction("Rename…", lambda: self.rename(id))
            pinned = bool(index.data(Roles.Pinned))
            change = self.changeRequested
            menu.addAction("Unpin" if pinned else "Pin", lambda: change.emit("pin", id, not pinned))
            menu.addAction("Duplicate", lambda: change.emit("duplicate", id, None))
            menu.addSeparator()
        menu.addAction("Move to trash", lambda: self.trash(id))
        return menu

    def _forget_menu(self) -> None:
        self.menu = None

    def _context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        menu = self.context_menu(index) if index.isValid() else None
        if menu is not None:
            menu.popup(self.list.viewport().mapToGlobal(pos))


def _words(query: str) -> list[str]:
    # Results come after the first paint, and the search module with them.
    from chatdesk.core.library_search import query_words

    return query_words(query)
