"""The main window's menus, toolbar actions and shortcuts (mixed into `MainWindow`).

Actions are created by keyword and given their keys with `setShortcuts`: the other overloads
build Qt's namespace before the first paint (see chatdesk/ui/qt).
"""

from __future__ import annotations

from collections.abc import Callable

from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.conversation_undo import FocusedUndo
from chatdesk.ui.preferences import WindowPreferences
from chatdesk.ui.qt.gui import QAction, QKeySequence
from chatdesk.ui.qt.widgets import QLabel, QMenu

SHORTCUTS = [
    ("Send the message (resend a question edited in place)",
     "Enter (or Shift+Enter, as set); Ctrl+Enter always"),
    ("New line in the message", "Shift+Enter (or Enter)"),
    ("Stop the reply", "Esc"),
    ("Regenerate the last reply", "Ctrl+R"),
    ("Continue a reply stopped by you or cut at the length limit", "Ctrl+Shift+Enter"),
    ("What will be sent", "Ctrl+I"),
    ("View code (the request as Python, curl...)", "Ctrl+Shift+C"),
    ("Undo / Redo (a deleted message, an edit; in a text box, its typing first; in the "
     "conversation list, a move to the trash)",
     "Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y)"),
    ("Attach images (or paste / drop them in the message box)", "Ctrl+Shift+A"),
    ("New conversation", "Ctrl+N"),
    ("Open a conversation", "Ctrl+O"),
    ("Save / Save as", "Ctrl+S / Ctrl+Shift+S"),
    ("Close the conversation", "Ctrl+W"),
    ("Connections", "Ctrl+K"),
    ("Find in this conversation (next / previous: Enter / Shift+Enter)", "Ctrl+F"),
    ("Search all conversations", "Ctrl+Shift+F"),
    ("Rename the conversation shown (in the list: the one selected there)", "F2"),
    ("Go to the conversation list", "Ctrl+Shift+L (or Down in the search box)"),
    ("Move the selected conversation to the trash (in the list)", "Delete"),
    ("Focus the message box", "Ctrl+L"),
    ("Show or hide the side panel", "Ctrl+B"),
    ("Preferences", "Ctrl+,"),
    ("Zoom in / out / actual size", "Ctrl+= / Ctrl+- / Ctrl+0"),
    ("Copy the selected text, or else the current message", "Ctrl+C (in the transcript)"),
    ("The first / last message (in the transcript; older ones brought in)",
     "Ctrl+Home / Ctrl+End"),
    ("Select a message's text", "Ctrl+A, then Shift+arrows / Shift+Home / Shift+End"),
    ("Select part of a message", "Drag over it (double-click: a word)"),
    ("Keyboard shortcuts", "F1"),
    ("Quit", "Ctrl+Q"),
]


class WindowMenus:
    """The menu bar, the toolbar's actions, the slot adapters they use, and the shortcut list.
    Mixed into MainWindow: `self` is the window."""

    def _action(
        self, text: str, shortcut: QKeySequence.StandardKey | str | None, slot: object
    ) -> QAction:
        action = QAction(text=text, parent=self)  # by keyword: see chatdesk/ui/qt
        # setShortcuts, not setShortcut: trying the latter's overloads builds the Qt namespace
        # before the first paint (see chatdesk/ui/qt). A standard key gets all its platform's keys.
        if isinstance(shortcut, str):
            action.setShortcuts([QKeySequence(shortcut)])
        elif shortcut is not None:
            action.setShortcuts(shortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.new_action = self._action("&New conversation", keys.New, self.new_conversation)
        self.open_action = self._action("&Open…", keys.Open, lambda: self.files.open_dialog())
        self.recent_menu = QMenu("Open &recent", self)
        file_menu.aboutToShow.connect(self._fill_recent)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_action = self._action(
            "&Save", keys.Save, self._current(lambda s: self.files.save(s))
        )
        self.save_as_action = self._action(
            "Save &as…", "Ctrl+Shift+S", self._current(lambda s: self.files.save_as(s))
        )
        self.export_action = self._action(
            "&Export as Markdown…", None, self._current(lambda s: self.files.export_markdown(s))
        )
        self.code_action = self._action("View &code…", "Ctrl+Shift+C", self.show_code)
        self.close_action = self._action("&Close conversation", keys.Close, self.close_current)
        self.quit_action = self._action("&Quit", keys.Quit, self.close)
        file_menu.addActions([self.new_action, self.open_action])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.export_action])
        file_menu.addAction(self.code_action)
        file_menu.addSeparator()
        self.prefs = WindowPreferences(self)
        file_menu.addAction(self.prefs.preferences_action)
        file_menu.addSeparator()
        file_menu.addActions([self.close_action, self.quit_action])

        edit_menu = menu.addMenu("&Edit")
        # The list's own history while it has the focus (Move to Trash), else the session's.
        sidebar = self.sidebar
        self.focused_undo = FocusedUndo(self.undo_group, sidebar, sidebar.undo_stack,
                                        lambda: self.session)  # fmt: skip
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.clear_action = self._action(
            "C&lear conversation", None, self._current(ChatSession.clear)
        )
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.clear_action)

        chat_menu = menu.addMenu("&Chat")
        # The Send button's: what is typed, else the conversation as it is (a tool result).
        self.send_action = self._action("S&end", None, self.composer.submit)
        self.send_action.setStatusTip(
            "Send the message typed; with an empty message box, the conversation as it is "
            "(one that ends in a question or a tool result)"
        )
        self.stop_action = self._action("&Stop reply", None, self._current(ChatSession.stop))
        self.regenerate_action = self._action(
            "&Regenerate last reply", "Ctrl+R", self._current(ChatSession.regenerate)
        )
        self.continue_action = self._action("&Continue reply", "Ctrl+Shift+Return", self._continue)
        self.preview_action = self._action("&What will be sent…", "Ctrl+I", self.show_preview)
        self.attach_action = self._action(
            "&Attach images…", "Ctrl+Shift+A", self.attach_flow.pick_files
        )
        self.focus_action = self._action(
            "&Focus message box", "Ctrl+L", self.composer.input.setFocus
        )
        self.connections_action = self._action("C&onnections…", "Ctrl+K", self.show_connections)
        self.time_limits_action = self._action("&Time limits…", None, self.show_time_limits)
        self.prices_action = self._action("Deployment &prices…", None, self.show_prices)
        chat_menu.addActions([self.send_action, self.stop_action, self.regenerate_action,
                              self.continue_action, self.attach_action,
                              self.preview_action, self.focus_action])  # fmt: skip
        chat_menu.addSeparator()
        chat_menu.addActions([self.connections_action, self.time_limits_action, self.prices_action])

        view_menu = menu.addMenu("&View")
        self.side_action = self._action("&Side panel", "Ctrl+B", self._toggle_side)
        self.side_action.setCheckable(True)
        self.side_action.setChecked(True)
        self.search_action = self._action("&Search conversations", "Ctrl+Shift+F", self._search)
        self.find_action = self._action(
            "&Find in conversation…", keys.Find, lambda: self.find_bar.open_bar()
        )
        # F2 is the window's, not the list's: after a click the focus is in the message box
        # and a list-only F2 would let the typed name be sent as a message.
        self.rename_action = self._action(
            "&Rename conversation", "F2", lambda: self.sidebar.rename_selected()
        )
        self.list_action = self._action(
            "Go to the conversation &list", "Ctrl+Shift+L", lambda: self.sidebar.focus_list()
        )
        view_menu.addActions([self.side_action, self.search_action, self.list_action,
                              self.rename_action, self.find_action])  # fmt: skip
        view_menu.addSeparator()
        view_menu.addActions([self.prefs.zoom_in_action, self.prefs.zoom_out_action,
                              self.prefs.zoom_reset_action])  # fmt: skip

        help_menu = menu.addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)

        self.toolbar.addActions([self.new_action, self.open_action, self.save_action])
        self.toolbar.addSeparator()
        self.toolbar.addWidget(QLabel(" Connection: ", self))
        self.toolbar.addWidget(self.profile_box)
        self.toolbar.addWidget(self.deployment_box)
        self.toolbar.addAction(self.connections_action)

    def _current(self, method: Callable[[ChatSession], object]) -> Callable[..., None]:
        """A slot applying `method` to the current session; Qt's `checked` argument is dropped."""

        def slot(*_qt_args: object) -> None:
            if self.session is not None and not self.session.loading:
                method(self.session)

        return slot

    def _row(self, method: Callable[[ChatSession, int], object]) -> Callable[[int], None]:
        """A slot applying `method` to the current session and the message of a transcript
        row (rows and history indices differ while older messages are not shown yet)."""

        def slot(row: int) -> None:
            if self.session is not None and not self.session.loading:
                method(self.session, self.session.model.history_index(row))

        return slot

    def _toggle_side(self, shown: bool) -> None:
        self.side.setVisible(shown)
        if shown:  # collapsed to fit a small window: it comes back
            self.panel_fit.reveal_right()

    def _side_fitted(self, shown: bool) -> None:
        """The right panel collapsed to fit the window, or came back: the menu says so."""
        self.side_action.blockSignals(True)
        self.side_action.setChecked(shown)
        self.side_action.blockSignals(False)

    def _fill_recent(self) -> None:
        """The user's own recent files (`core.recent_files`: not the library's, which its list
        shows); filled as the File menu opens, so an empty, disabled submenu fills again."""
        from chatdesk.core.recent_files import recent_files

        self.recent_menu.clear()
        paths = recent_files(self.context.settings, self.context.library)
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_paths([p]))
        self.recent_menu.setEnabled(bool(paths))

    def _search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def show_shortcuts(self) -> None:
        from chatdesk.ui.shortcuts_dialog import ShortcutsDialog

        box = ShortcutsDialog(SHORTCUTS, self)
        box.open()
        self.shortcuts_box = box
