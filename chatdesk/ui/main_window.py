"""The main window: builds the widgets and wires them to the current conversation's session.

It decides nothing: sessions talk to the service, the core counts and trims, dialogs ask. All
signal wiring of the window is in `_connect_signals` and `_bind_session`.

Start-up cost: what the first paint does not show is built later. The Examples and Parameters
tabs are built when first shown (or first used), dialogs import their modules when opened, and
the autosaver (whose recovery store imports hashlib and uuid) starts once the window has painted.
The file format (its disk checks import hashlib) is imported by the methods that open files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from chatdesk.core.cards import counted_text, tool_names
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, example_pairs
from chatdesk.core.preferences import DEFAULT_PROMPT
from chatdesk.core.presets import BUILTIN_PRESETS, SystemPreset, replaces_own_prompt
from chatdesk.service.events import ChatError
from chatdesk.ui.attach_flow import AttachFlow
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.composer import Composer
from chatdesk.ui.context import AppContext
from chatdesk.ui.deferred import AfterFirstPaint, LazyPage
from chatdesk.ui.deployment_box import DeploymentBox
from chatdesk.ui.inline_editor import InlineEditing
from chatdesk.ui.library_link import LibraryLink
from chatdesk.ui.library_sidebar import LibrarySidebar
from chatdesk.ui.panel_fit import PanelFit
from chatdesk.ui.preferences import WindowPreferences
from chatdesk.ui.session_memory import SessionMemory
from chatdesk.ui.status_line import StatusLine
from chatdesk.ui.system_prompt import SystemPromptEditor
from chatdesk.ui.token_meter import TokenMeter
from chatdesk.ui.transcript_view import TranscriptView
from chatdesk.ui.window_turns import TurnActions

if TYPE_CHECKING:
    from chatdesk.core.models import ModelFamily
    from chatdesk.core.recovery import RecoveryEntry
    from chatdesk.ui.autosave import Autosaver
    from chatdesk.ui.examples_editor import ExamplesEditor
    from chatdesk.ui.file_flows import FileFlows
    from chatdesk.ui.find_bar import FindBar
    from chatdesk.ui.library_saver import LibrarySaver
    from chatdesk.ui.params_panel import ParamsPanel

SHORTCUTS = [
    ("Send the message", "Enter (or Shift+Enter, as set)"),
    ("New line in the message", "Shift+Enter (or Enter)"),
    ("Stop the reply", "Esc"),
    ("Regenerate the last reply", "Ctrl+R"),
    ("Continue a reply cut at the length limit", "Ctrl+Shift+Enter"),
    ("What will be sent", "Ctrl+I"),
    ("Attach images (or paste / drop them in the message box)", "Ctrl+Shift+A"),
    ("New conversation", "Ctrl+N"),
    ("Open a conversation", "Ctrl+O"),
    ("Save / Save as", "Ctrl+S / Ctrl+Shift+S"),
    ("Close the conversation", "Ctrl+W"),
    ("Connections", "Ctrl+K"),
    ("Find in this conversation (next / previous: Enter / Shift+Enter)", "Ctrl+F"),
    ("Search all conversations", "Ctrl+Shift+F"),
    ("Rename the selected conversation (in the list)", "F2"),
    ("Move the selected conversation to the trash (in the list)", "Delete"),
    ("Focus the message box", "Ctrl+L"),
    ("Show or hide the side panel", "Ctrl+B"),
    ("Preferences", "Ctrl+,"),
    ("Zoom in / out / actual size", "Ctrl+= / Ctrl+- / Ctrl+0"),
    ("Copy the selected text, or else the current message", "Ctrl+C (in the transcript)"),
    ("Select a message's text", "Ctrl+A, then Shift+arrows / Shift+Home / Shift+End"),
    ("Select part of a message", "Drag over it (double-click: a word)"),
    ("Keyboard shortcuts", "F1"),
    ("Quit", "Ctrl+Q"),
]


# settings.window keys: the lazy pages' size hints (see deferred.py)
EXAMPLES_SIZES, PARAMS_SIZES = "examples_page", "params_page"


def _beyond(conv: Conversation, family: ModelFamily) -> bool:
    """Whether `conv` asks for more reply or context tokens than `family` allows."""
    return (conv.params.max_tokens or 0) > family.max_output or (
        conv.trimming.limit or 0
    ) > family.context_window


class MainWindow(TurnActions, QMainWindow):
    """Signals: sessionChanged(object: ChatSession), firstPainted() once the window has painted
    (what start-up deferred has been done by then)."""

    sessionChanged = Signal(object)
    firstPainted = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session: ChatSession | None = None
        self._session_links: list[tuple[Any, Callable[..., object]]] = []
        self.sessions: list[ChatSession] = []
        self.setWindowTitle("chatdesk")
        self.setAccessibleName("chatdesk")
        self._files: FileFlows | None = None
        self._find_bar: FindBar | None = None
        self.memory = SessionMemory(self, parent=self)
        self._autosaver: Autosaver | None = None
        self._library_saver: LibrarySaver | None = None
        # Sessions opened before the autosaver starts, with their revision when opened.
        self._untracked: dict[ChatSession, int] = {}
        self._family: ModelFamily | None = None  # the session's, for a panel built later
        self._painted = False
        self._count_after_paint: list[ChatSession] = []
        self._closing = False
        self._closed = False
        self._build()
        self.undo_group = QUndoGroup(self)  # the current conversation's stack is active
        delegate = self.transcript.delegate
        self.inline_edit = InlineEditing(
            self.transcript, lambda rect, index: delegate.layout(rect, index).body.toRect()
        )
        self.preset_question: QMessageBox | None = None
        self._build_actions()
        self._connect_signals()
        self.prefs.apply()
        self._restore_geometry()
        self.installEventFilter(AfterFirstPaint(self._first_painted, self))

    # -- built on first use ------------------------------------------------------------------
    @property
    def files(self) -> FileFlows:
        if self._files is None:
            from chatdesk.ui.file_flows import FileFlows

            self._files = FileFlows(self, self)
        return self._files

    @property
    def autosaver(self) -> Autosaver:
        """Started after the first paint, or earlier when something needs it."""
        if self._autosaver is None:
            from chatdesk.core.recovery import RecoveryStore
            from chatdesk.ui.autosave import Autosaver

            self._autosaver = Autosaver(RecoveryStore(), self)
            self._autosaver.problemChanged.connect(
                lambda text: self.show_disk_problem("recovery", text)
            )
            untracked, self._untracked = self._untracked, {}
            for session, opened_at in untracked.items():
                self._autosaver.track(session)
                if session.revision != opened_at:  # changed since it was opened: keep it now
                    self._autosaver.save(session)
        return self._autosaver

    @property
    def library_saver(self) -> LibrarySaver:
        """Keeps new and library conversations written (started after the first paint)."""
        if self._library_saver is None:
            from chatdesk.ui.library_saver import LibrarySaver

            context = self.context
            saver = LibrarySaver(context.library, context.library_index, self)
            self._library_saver = saver
            saver.problemChanged.connect(lambda text: self.show_disk_problem("library", text))
            saver.saved.connect(lambda _s, _id: self.refresh_sessions())
            for session in self.sessions:
                saver.consider(session)
        return self._library_saver

    def _flush_library(self, sessions: list[ChatSession]) -> None:
        if self._library_saver is not None:
            for session in sessions:
                self._library_saver.flush(session)

    @property
    def find_bar(self) -> FindBar:
        """Ctrl+F's bar above the transcript, built when first asked for."""
        if self._find_bar is None:
            from chatdesk.ui.find_bar import FindBar

            bar = self._find_bar = FindBar(self.transcript, self)
            self._column.insertWidget(0, bar)
            bar.closed.connect(self.composer.input.setFocus)
            self._find_follows(self.session)
        return self._find_bar

    def _find_follows(self, session: ChatSession | None) -> None:
        if self._find_bar is not None:
            self._find_bar.set_conversation(session.conversation if session else None)

    @property
    def examples_editor(self) -> ExamplesEditor:
        return self._examples_page.content()

    @property
    def params_panel(self) -> ParamsPanel:
        return self._params_page.content()

    def _make_examples_editor(self, parent: QWidget) -> ExamplesEditor:
        from chatdesk.ui.examples_editor import ExamplesEditor

        editor = ExamplesEditor(parent)
        if self.session is not None:
            editor.set_examples(example_pairs(self.session.conversation.examples))
        editor.examplesChanged.connect(self._examples_changed)
        return editor

    def _make_params_panel(self, parent: QWidget) -> ParamsPanel:
        from chatdesk.ui.params_panel import ParamsPanel

        panel = ParamsPanel(parent)
        panel.changed.connect(self._params_changed)
        # As `_bind_session` would have: the values, then the family, which may clamp them.
        if self.session is not None:
            conv = self.session.conversation
            panel.set_values(conv.params, conv.trimming, (conv.api, conv.history_keeper))
        if self._family is not None:
            self._show_family(panel, self._family)
        return panel

    def _first_painted(self) -> None:
        if self._closed:  # closed before it painted: nothing to start any more
            return
        self._painted = True
        if self.session is not None and self.session.scroll is not None:
            self.transcript.restore_anchor(self.session.scroll)  # now that rows have a width
        waiting, self._count_after_paint = self._count_after_paint, []
        for session in waiting:
            if session in self.sessions:
                session.start_counting()
        self.autosaver  # noqa: B018 - starts it
        self.library_saver  # noqa: B018 - starts it (before the sidebar lists: new ones count)
        self.library_link.start()
        if not {EXAMPLES_SIZES, PARAMS_SIZES} <= set(self.context.settings.window):
            # They were built for want of these: keep them, so the next start need not. Not
            # over a settings file that could not be read, before the user is told so.
            self._remember_page_sizes()
            if not self.context.warnings:
                with contextlib.suppress(OSError, ValueError):
                    self.context.save_settings()
        self.firstPainted.emit()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.transcript = TranscriptView(self)
        self.meter = TokenMeter(self)
        self.composer = Composer(self)
        self.attach_flow = AttachFlow(self.composer, lambda: self.session, self)
        self.notice = StatusLine(self)
        self.notice.setAccessibleName("Status")
        center = QWidget(self)
        column = QVBoxLayout(center)
        column.setContentsMargins(8, 8, 8, 8)
        self._column = column  # the find bar goes on top when first asked for
        column.addWidget(self.transcript, 1)
        column.addWidget(self.meter)
        column.addWidget(self.composer)

        self.system_editor = SystemPromptEditor(self)
        self.side = QTabWidget(self)
        self.side.setAccessibleName("Prompt and parameters")
        self.side.addTab(self.system_editor, "System prompt")
        # Built when first shown or used; until then they keep the space they took last time.
        state = self.context.settings.window
        self._examples_page = LazyPage(
            self._make_examples_editor, state.get(EXAMPLES_SIZES, ""), self.side
        )
        self._params_page = LazyPage(
            self._make_params_panel, state.get(PARAMS_SIZES, ""), self.side
        )
        self.side.addTab(self._examples_page, "Examples")
        self.side.addTab(self._params_page, "Parameters")
        self.system_editor.set_user_presets(self.context.settings.user_presets)

        self.sidebar = LibrarySidebar(self)
        self.library_link = LibraryLink(self, self.sidebar, self)
        # By keyword (see ui/__init__.py). Horizontal is the default.
        self.splitter = QSplitter(parent=self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([190, 770, 300])
        self.setCentralWidget(self.splitter)
        self.panel_fit = PanelFit(self.splitter)  # small windows: the side panels give way
        self.statusBar().addWidget(self.notice, 1)
        # Disk trouble stays in sight until it is over (recovery copies, settings not written).
        self.disk_warning = StatusLine(self)
        self.disk_warning.setAccessibleName("Disk warning")
        self.disk_warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.disk_warning.hide()
        self.statusBar().addPermanentWidget(self.disk_warning, 1)
        self._disk_problems: dict[str, str] = {}
        self.context.problem_listeners.append(lambda text: self.show_disk_problem("settings", text))

        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.profile_box = QComboBox(self)
        self.profile_box.setAccessibleName("Connection profile")
        self.profile_box.setToolTip("The connection this conversation uses")
        self.profile_box.setMinimumWidth(180)
        self.deployment_box = DeploymentBox(self)
        self._fill_profiles()

    def _action(
        self, text: str, shortcut: QKeySequence.StandardKey | str | None, slot: object
    ) -> QAction:
        action = QAction(text=text, parent=self)  # by keyword: see ui/__init__.py
        # setShortcuts, not setShortcut: trying the latter's overloads builds the Qt namespace
        # before the first paint (see ui/__init__.py). A standard key gets all its platform's keys.
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
        chat_menu.addActions([self.stop_action, self.regenerate_action, self.continue_action,
                              self.attach_action,
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
        view_menu.addActions([self.side_action, self.search_action, self.find_action])
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
            if self.session is not None:
                method(self.session)

        return slot

    def _row(self, method: Callable[[ChatSession, int], object]) -> Callable[[int], None]:
        """A slot applying `method` to the current session and the message of a transcript
        row (rows and history indices differ while older messages are not shown yet)."""

        def slot(row: int) -> None:
            if self.session is not None:
                method(self.session, self.session.model.history_index(row))

        return slot

    def _connect_signals(self) -> None:
        self.composer.sendRequested.connect(self._send)
        self.composer.stopRequested.connect(self._current(ChatSession.stop))
        self.composer.draftChanged.connect(self._draft_changed)
        self.meter.previewRequested.connect(self.show_preview)
        self.transcript.editRequested.connect(self._edit)
        self.transcript.deleteRequested.connect(self._row(ChatSession.delete))
        self.transcript.regenerateRequested.connect(self._row(ChatSession.regenerate))
        self.transcript.continueRequested.connect(self._row(ChatSession.continue_reply))
        self.transcript.retryRequested.connect(self._row(ChatSession.retry))
        self.transcript.copied.connect(lambda _what: self.show_status("Copied"))
        self.transcript.linkHovered.connect(self._link_hovered)
        # After the library link has shown the conversation: typing goes on there.
        self.sidebar.openRequested.connect(self._sidebar_activated)
        self.sidebar.sessionRequested.connect(self._sidebar_activated)
        self.sidebar.notice.connect(self._show_notice)
        self.panel_fit.rightShown.connect(self._side_fitted)
        self.transcript.includeRequested.connect(self._include)
        self.transcript.versionRequested.connect(self._flip)
        self.inline_edit.submitted.connect(self._edit_submitted)
        self.system_editor.textChanged.connect(self._system_changed)
        self.system_editor.presetApplied.connect(self._apply_preset)
        self.system_editor.presetSaved.connect(self._save_preset)
        self.system_editor.presetDeleted.connect(self._delete_preset)
        self.profile_box.currentTextChanged.connect(self._profile_chosen)
        self.sessionChanged.connect(self._find_follows)
        self.deployment_box.picked.connect(self._deployment_chosen)

    # -- sessions ----------------------------------------------------------------------------
    def open_paths(self, paths: list[str]) -> None:
        """Open conversation files; a file the core rejects is explained, the rest still open."""
        recent_changed = False
        for path in paths:
            from chatdesk.core.fileformat import ConversationFileError, load_conversation

            try:
                opened = load_conversation(path)
            except ConversationFileError as exc:
                self.show_message("Cannot open this conversation", str(exc))
                continue
            if opened.notice():
                self.show_message("Text was replaced", f"{path}: {opened.notice()}")
            if opened.imported:  # a request body: a new conversation, saved nowhere yet
                self.open_session(opened.conversation).set_modified()
                continue
            already = next((x for x in self.sessions if x.path == Path(path)), None)
            if already is not None:
                self.activate(already)
                continue
            self.open_session(opened.conversation, Path(path)).disk = opened.disk
            self.context.settings.add_recent(str(Path(path)))
            recent_changed = True
        if recent_changed:  # one write for the lot
            self.context.save_settings()
        if self.session is None:
            self.new_conversation()
        self.composer.input.setFocus()

    def open_file(self, path: Path, draft: str | None = None) -> ChatSession | None:
        """Open a conversation file without a word on failure (the session coming back skips
        what is gone), with `draft` in place of the file's; the session, or the one already
        showing it."""
        already = next((x for x in self.sessions if x.path == path), None)
        if already is not None:
            return already
        from chatdesk.core.fileformat import ConversationFileError, load_conversation

        try:
            opened = load_conversation(path)
        except ConversationFileError:
            return None
        if draft is not None:
            opened.conversation.draft = draft
        session = self.open_session(opened.conversation, path)
        session.disk = opened.disk
        return session

    def restore_session(self) -> bool:
        """Bring back the conversations open when chatdesk last closed (see session_memory)."""
        return self.memory.restore()

    def show_message(self, title: str, text: str) -> QMessageBox:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAccessibleName(title)
        box.open()
        self.message_box = box
        return box

    def new_conversation(self) -> ChatSession:
        """A new conversation from the Preferences' defaults (or a copy of the current one's
        prompt, examples and parameters, when they say so); the message box takes the focus."""
        defaults = self.context.settings.new_conversation
        current = self.session.conversation if self.session is not None else None
        conv = defaults.conversation(current)
        if conv.profile is not None and self.context.connections.profile(conv.profile) is None:
            conv.profile = None  # a default connection since removed: the one used last
        session = self.open_session(conv)
        self.composer.input.setFocus()
        return session

    def open_session(self, conv: Conversation, path: Path | None = None) -> ChatSession:
        active = self.context.connections.active()
        if conv.profile is None and active is not None:
            conv.profile = active.name
        session = ChatSession(
            conv, self.context.service, lambda c=conv: self.context.connections.profile_for(c),
            path=path, parent=self,
        )  # fmt: skip
        self.sessions.append(session)
        self.undo_group.addStack(session.undo_stack)
        if self._autosaver is None:
            self._untracked[session] = session.revision
        else:
            self._autosaver.track(session)
        if self._library_saver is not None:
            self._library_saver.consider(session)
        session.modifiedChanged.connect(lambda _m: self.refresh_sessions())
        session.learned.connect(self._save_learned)
        self._bind_session(session)
        if not self._painted:
            # Loading the tokenizer holds the GIL for tens of ms: not while the window is built
            # and its first frame drawn (the meter shows "Counting…" either way).
            self._count_after_paint.append(session)
        else:
            session.start_counting()
        self.refresh_sessions()
        return session

    def _sidebar_activated(self, *_chosen: object) -> None:
        self.composer.input.setFocus()  # typing goes on in the conversation just chosen

    def activate(self, session: ChatSession) -> None:
        if session is not self.session:
            self._bind_session(session)
            self.refresh_sessions()

    def refresh_sessions(self) -> None:
        self.library_link.show_open()
        self.library_link.written()
        self._update_title()
        self.memory.save_soon()

    def save_session(self, session: ChatSession) -> None:
        """Write `session` to its file (as Save does; asks only when the file changed). A
        library conversation is written by its saver, after the write it may have running."""
        saver = self._library_saver
        if saver is not None and saver.tracked(session) and session.path is not None:
            session.set_modified()  # a rename or a pin: written now, whatever the revision
            saver.flush(session)
        else:
            self.files.save(session)

    def close_session_now(self, session: ChatSession) -> None:
        """Close `session` without asking (its file is kept, or moved by the library)."""
        self._close_session(session)

    def close_current(self) -> None:
        session = self.session
        if session is not None:
            self._flush_library([session])  # a library conversation has nothing to ask
            self.files.confirm_discard(session, lambda: self._close_session(session))

    def _close_session(self, session: ChatSession, *, keep_one: bool = True) -> None:
        """Close a session; `keep_one`: open an empty conversation when it was the last."""
        session.shutdown()
        self._forget(session)
        if self._library_saver is not None:
            self._library_saver.forget(session)
        index = self.sessions.index(session)
        self.sessions.remove(session)
        if self.session is session:
            self.session = None
            for signal, slot in self._session_links:
                signal.disconnect(slot)
            self._session_links = []
        if self.sessions:
            self._bind_session(self.sessions[min(index, len(self.sessions) - 1)])
        elif keep_one:
            self.new_conversation()
        self.refresh_sessions()
        session.deleteLater()

    def reload(self, session: ChatSession) -> None:
        """Show the session's file as it is on disk now, dropping the changes made here."""
        path = session.path
        self._close_session(session, keep_one=False)  # the file takes its place
        if path is not None:
            self.open_paths([str(path)])
        if not self.sessions:  # the file could not be read
            self.new_conversation()

    def restore(self, entries: list[RecoveryEntry]) -> None:
        """Reopen conversations from the recovery folder, as unsaved changes of their files."""
        store = self.autosaver.store
        for entry in entries:
            try:
                conv = store.load(entry)
            except (OSError, ValueError) as exc:
                self.show_message("Could not restore", f"{entry.display_name()}: {exc}")
                continue
            session = self.open_session(conv, Path(entry.path) if entry.path else None)
            session.set_modified()
            self.autosaver.save(session)
            store.discard(entry.id)
        # the empty conversation opened at start is not needed any more
        blank = [x for x in self.sessions if not len(x.conversation) and not x.modified]
        if entries and len(self.sessions) > len(blank):
            for session in blank:
                self._close_session(session)

    def _forget(self, session: ChatSession) -> None:
        """Drop a closed session's recovery copy; before the autosaver started there is none."""
        if self._autosaver is None:
            self._untracked.pop(session, None)
        else:
            self._autosaver.forget(session)

    def offer_recovery(self) -> None:
        """After a crash or a kill, offer what the recovery folder kept."""
        from chatdesk.ui.recovery_dialog import RecoveryDialog

        store = self.autosaver.store
        entries = store.entries(live=self.autosaver.live_ids())
        if store.damaged:
            names = ", ".join(f"{file.name} ({why})" for file, why in store.damaged)
            self.show_message(
                "Recovery copies could not be read",
                f"These recovery copies could not be used and were set aside: {names}.",
            )
        if not entries:
            return
        dialog = RecoveryDialog(entries, self)
        dialog.restoreRequested.connect(self.restore)
        dialog.discardRequested.connect(
            lambda chosen: [self.autosaver.store.discard(e.id) for e in chosen]
        )
        dialog.finished.connect(dialog.deleteLater)
        self.recovery_dialog = dialog
        dialog.open()

    def _bind_session(self, session: ChatSession) -> None:
        if self.session is not None:
            for signal, slot in self._session_links:
                signal.disconnect(slot)
            if self._painted:  # before, the view has no position (a restored one waits)
                self.session.scroll = self.transcript.scroll_anchor()  # shown again there
        self.session = session
        self.inline_edit.stop()
        self.undo_group.setActiveStack(session.undo_stack)
        self._session_links = [
            (session.busyChanged, self._busy_changed),
            (session.planChanged, self.meter.show_plan),
            (session.notice, self._show_notice),
            (session.failed, self._failed),
            (session.usageChecked, self.meter.show_usage_check),
            (session.replyFinished, self._reply_finished),
            (session.budgetReady, self._budget_ready),
            (session.costChanged, self.meter.show_cost),
            (session.refused, self.composer.show_problem),
            (session.setupChanged, self._show_setup),
        ]
        for signal, slot in self._session_links:
            signal.connect(slot)
        conv = session.conversation
        self.transcript.setModel(session.model)
        if session.scroll is not None and self._painted:  # else once the window has its size
            self.transcript.restore_anchor(session.scroll)
        self.system_editor.set_text(conv.system_prompt)
        if self._examples_page.built:
            self.examples_editor.set_examples(example_pairs(conv.examples))
        if self._params_page.built:
            self.params_panel.set_values(conv.params, conv.trimming, _mode(conv))
        if session.budget is not None:
            self._set_family(session.budget.family)
        self.composer.set_text(session.draft)
        self.composer.show_problem("")
        self.attach_flow.show(session)
        self.composer.set_busy(session.busy)
        self.meter.show_plan(session.plan)
        # This conversation's own state: its last request's count check, cost and status.
        self.meter.show_usage_check(*(session.usage_check or (0, None)))
        self.meter.show_cost(*session.cost)
        self._show_notice(session.status)
        self._select_profile(conv.profile)
        self._update_title()
        self.sessionChanged.emit(session)

    def _budget_ready(self) -> None:
        if self.session is not None and self.session.budget is not None:
            self._set_family(self.session.budget.family)
            self.attach_flow.show(self.session)  # the attachments' token counts

    def _set_family(self, family: ModelFamily) -> None:
        self._family = family
        if self._params_page.built:
            self._show_family(self.params_panel, family)
        elif self.session is not None and _beyond(self.session.conversation, family):
            # The panel clamps such values and reports the change: build it to do so.
            self.params_panel  # noqa: B018 - builds it

    def _show_family(self, panel: ParamsPanel, family: ModelFamily) -> None:
        """The model's limits and values, and the API a conversation uses by default (the
        profile's, or Responses for a model served only there)."""
        from chatdesk.core.responses_request import default_api

        panel.set_family(family)
        profile = self.session.profile_source() if self.session is not None else None
        panel.api_mode.set_default(default_api(profile.api if profile else "chat", family))

    # -- slots -------------------------------------------------------------------------------
    def _send(self, text: str) -> None:
        if self.session is not None and self.session.send(text):
            self.composer.set_text("")
            self.composer.show_problem("")
            self.attach_flow.show(self.session)
            self.transcript.scrollToBottom()
            self.composer.input.setFocus()  # after a click on Send, typing goes on here

    def _continue(self) -> None:
        if self.session is not None and len(self.session.conversation):
            self.session.continue_reply(len(self.session.conversation) - 1)

    def _draft_changed(self, text: str) -> None:
        if self.session is not None:
            self.session.set_draft(text)

    def _system_changed(self, text: str) -> None:
        if self.session is not None:
            self.session.set_system_prompt(text)

    def _examples_changed(self, pairs: list[tuple[str, str]]) -> None:
        if self.session is not None:
            self.session.set_examples(pairs)

    def _params_changed(self) -> None:
        if self.session is not None:
            conv = self.session.conversation
            conv.api, conv.history_keeper = self.params_panel.api_mode.mode()
            self.session.set_params(*self.params_panel.values())

    def _apply_preset(self, preset: SystemPreset) -> None:
        """A preset is a starting point: its prompt, its examples (or none) and its params.
        Over a prompt the user wrote, it asks first; Undo (Ctrl+Z) brings the old one back."""
        session = self.session
        if session is None:
            return
        settings = self.context.settings
        known = [p.system_prompt for p in (*BUILTIN_PRESETS, *settings.user_presets)]
        known += [DEFAULT_PROMPT, settings.new_conversation.system_prompt]
        if not replaces_own_prompt(session.conversation.system_prompt, known):
            session.apply_preset(preset)
            return
        box = self.preset_question = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Replace your prompt?")
        box.setText(f"“{preset.name}” replaces the system prompt you wrote, and the examples.")
        box.setInformativeText("Edit ▸ Undo (Ctrl+Z) brings them back.")
        replace = box.addButton("&Replace", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(replace)

        def answered() -> None:
            if box.clickedButton() is replace and self.session is session:
                session.apply_preset(preset)

        box.finished.connect(lambda _r: answered())
        box.open()

    def _show_setup(self) -> None:
        """The prompt, examples and parameters as a preset or an undo step set them."""
        if self.session is None:
            return
        conv = self.session.conversation
        if self.system_editor.text() != conv.system_prompt:
            self.system_editor.set_text(conv.system_prompt)
        if self._examples_page.built:  # else it shows them when it is built
            self.examples_editor.set_examples(example_pairs(conv.examples))
        if self._params_page.built:
            self.params_panel.set_values(conv.params, conv.trimming, _mode(conv))

    def _save_preset(self, preset: SystemPreset) -> None:
        """Saved from the editor: keep the examples that are on screen with the prompt."""
        preset.examples = self.examples_editor.examples()
        settings = self.context.settings
        settings.user_presets = [p for p in settings.user_presets if p.name != preset.name]
        settings.user_presets.append(preset)
        self.context.save_settings()
        self.system_editor.set_user_presets(settings.user_presets)

    def _delete_preset(self, name: str) -> None:
        settings = self.context.settings
        settings.user_presets = [p for p in settings.user_presets if p.name != name]
        self.context.save_settings()
        self.system_editor.set_user_presets(settings.user_presets)

    def _busy_changed(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        if busy:  # a failure's notice stays until the next request starts
            self._show_notice("")

    def _reply_finished(self, result: object) -> None:
        self._show_notice("")

    def _save_learned(self, _adjusted: object) -> None:
        """Keep what a deployment taught (or the time limits) in the settings file."""
        try:
            self.context.save_settings()
        except (OSError, ValueError) as exc:
            self._show_notice(f"Could not save the settings: {exc}")

    def _failed(self, error: ChatError) -> None:
        self._show_notice(error.text)

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)

    def _link_hovered(self, href: str) -> None:
        """Where a link in a message goes, shown before it is clicked."""
        if href:
            self.statusBar().showMessage(f"Opens {href} in the browser")
        else:
            self.statusBar().clearMessage()

    def show_status(self, text: str, timeout_ms: int = 2000) -> None:
        """A short confirmation in the status bar ("Copied", "Zoom 110 %"), gone by itself."""
        self.statusBar().showMessage(text, timeout_ms)

    def show_disk_problem(self, source: str, text: str) -> None:
        """Keep a disk problem of `source` ("recovery", "settings") in sight; "" clears it."""
        if text:
            self._disk_problems[source] = text
        else:
            self._disk_problems.pop(source, None)
        self.disk_warning.setText(" ".join(self._disk_problems.values()))
        self.disk_warning.setVisible(bool(self._disk_problems))

    def _toggle_side(self, shown: bool) -> None:
        self.side.setVisible(shown)
        if shown:  # collapsed to fit a small window: it comes back
            self.panel_fit.reveal_right()

    def _side_fitted(self, shown: bool) -> None:
        """The right panel collapsed to fit the window, or came back: the menu says so."""
        self.side_action.blockSignals(True)
        self.side_action.setChecked(shown)
        self.side_action.blockSignals(False)

    def show_preview(self) -> None:
        session = self.session
        if session is None or session.plan is None or session.budget is None:
            return
        plan, counter = session.plan, session.budget.counter
        conv = session.conversation

        def text(m: Message) -> str:  # an image's count on its row
            return counted_text(m, lambda part: counter.part_cost(part)[0])

        rows = [(m.role, m.name, text(m), counter.count_message(m), True) for m in conv.pinned()]
        tools = conv.request_extra.get("tools")
        tool_tokens = counter.count_tools(tools)[0]
        if tool_tokens:  # sent with the instructions; counted by the cookbook's rule
            names = ", ".join(tool_names(tools))
            rows.insert(0, ("tools", None, f"Tool definitions: {names}", tool_tokens, True))
        ledger = session.budget.ledger
        sent = plan.sent

        def history(i: int) -> tuple[str, str | None, str, int, bool]:
            m = conv[i]  # built when its row is shown, not before
            return (m.role, m.name, text(m), ledger.count(i), i in sent)

        tail = []
        draft_message = Message("user", session.draft).with_images(conv.draft_images)
        if session.draft.strip() or conv.draft_images:
            tail.append(("user", None, text(draft_message), plan.draft_tokens, True))
        from chatdesk.ui.request_preview import PreviewRows, RequestPreviewDialog

        head_tokens = sum(r[3] for r in rows) + sum(r[3] for r in tail)
        sent_tokens = head_tokens + ledger.history_tokens(plan.first_sent, len(conv))
        preview_rows = PreviewRows(
            rows, history, len(conv), plan.first_sent, tail, sent_tokens, plan.left_out
        )
        self.preview = RequestPreviewDialog(preview_rows, plan, self)
        def api_messages() -> list[dict[str, Any]]:
            from chatdesk.core.request import request_messages

            sent = request_messages(conv, plan, session.budget.family if session.budget else None)
            return sent + ([draft_message.to_api()] if tail else [])

        self.preview.api_messages = api_messages
        self.preview.finished.connect(self.preview.deleteLater)
        self.preview.open()

    def show_time_limits(self) -> None:
        """The current deployment's read timeout, the request deadline, what it taught."""
        profile = self.session.profile_source() if self.session is not None else None
        if profile is None:
            self._show_notice("Add a connection first (Connections…, Ctrl+K).")
            return
        from dataclasses import replace

        from chatdesk.core.deployments import note_key, read_timeout_for
        from chatdesk.ui.time_limits_dialog import TimeLimitsDialog

        settings = self.context.settings
        key = note_key(profile)
        note = settings.deployments.get(key)
        model = self.session.conversation.model if self.session is not None else None
        default = read_timeout_for(profile, replace(note, read_timeout=None), model)
        dialog = self.time_limits = TimeLimitsDialog(
            profile.deployment, note, default, settings.request_deadline, self
        )

        def accepted() -> None:
            _read, deadline, kept = dialog.values()
            settings.deployments.put(key, kept)
            settings.request_deadline = deadline
            self._save_learned(None)

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def show_prices(self) -> None:
        """The current deployment's prices (per 1M tokens), kept in its profile."""
        profile = self.session.profile_source() if self.session is not None else None
        if profile is None or self.context.settings.profile(profile.name) is not profile:
            self._show_notice(
                "Prices belong to a saved connection profile: add one first (Connections…)."
            )
            return
        from chatdesk.ui.prices_dialog import PricesDialog

        deployment = profile.deployment.strip()
        dialog = self.prices_dialog = PricesDialog(deployment, profile.deployment_prices(), self)

        def accepted() -> None:
            prices = dialog.prices()
            if prices.empty:
                profile.prices.pop(deployment, None)
            else:
                profile.prices[deployment] = prices
            self.context.save_settings()
            for session in self.sessions:
                session.prices_changed()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def show_code(self) -> None:
        from chatdesk.core.codegen import python_snippet
        from chatdesk.ui.code_dialog import CodeDialog

        if self.session is None:
            return
        conv = self.session.conversation
        profile = self.context.connections.profile_for(conv)
        note = None
        if profile is not None:  # written as it is sent: with what the deployment taught
            from chatdesk.core.deployments import note_key

            note = self.context.settings.deployments.get(note_key(profile))
        snippet = python_snippet(conv, profile, self.session.plan, note=note)
        self.code_dialog = CodeDialog(snippet, self)
        self.code_dialog.finished.connect(self.code_dialog.deleteLater)
        self.code_dialog.open()

    def show_connections(self) -> None:
        from chatdesk.ui.connection_dialog import ConnectionDialog

        select = self.session.conversation.profile if self.session is not None else None
        dialog = ConnectionDialog(
            self.context.connections, self.context.service, self.context.write_settings, self,
            select=select,
        )  # fmt: skip
        dialog.profilesChanged.connect(self.refresh_profiles)
        dialog.finished.connect(dialog.deleteLater)
        self.connection_dialog = dialog
        dialog.open()

    def ensure_connection(self) -> None:
        """First launch: with no profile anywhere, the connection dialog opens by itself."""
        if not self.context.connections.profiles():
            self.show_connections()

    def refresh_profiles(self) -> None:
        self._fill_profiles()
        for session in self.sessions:  # a profile was fixed: its old errors no longer hold
            session.clear_status(errors_only=True)
            session.prices_changed()
        if self.session is not None:
            self._show_notice(self.session.status)
        active = self.context.connections.active()
        if self.session is not None:
            if self.context.connections.profile(self.session.conversation.profile) is None:
                self.session.conversation.profile = active.name if active else None
            self._select_profile(self.session.conversation.profile)
            self.session.start_counting()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.context.settings.recent_files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_paths([p]))
        self.recent_menu.setEnabled(bool(self.context.settings.recent_files))

    def _search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def show_shortcuts(self) -> None:
        text = "".join(
            f"<tr><td>{what}</td><td><b>{keys}</b></td></tr>" for what, keys in SHORTCUTS
        )
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<table cellpadding='4'>{text}</table>")
        box.setAccessibleName("Keyboard shortcuts")
        box.open()
        self.shortcuts_box = box

    # -- profiles ----------------------------------------------------------------------------
    def _fill_profiles(self) -> None:
        self.profile_box.blockSignals(True)
        self.profile_box.clear()
        for profile in self.context.connections.profiles():
            self.profile_box.addItem(profile.name)
        self.profile_box.blockSignals(False)

    def _select_profile(self, name: str | None) -> None:
        self.profile_box.blockSignals(True)
        index = self.profile_box.findText(name or "")
        self.profile_box.setCurrentIndex(max(index, 0) if self.profile_box.count() else -1)
        self.profile_box.blockSignals(False)
        conv = self.session.conversation if self.session is not None else None
        connections = self.context.connections
        profile = connections.profile(name) or connections.active()
        self.deployment_box.show_profile(profile, conv.deployment if conv is not None else None)

    def _profile_chosen(self, name: str) -> None:
        if self.session is not None and name:
            self.session.conversation.profile = name
            self.session.conversation.deployment = None  # the new profile's default
            self.context.connections.set_active(name)
            self.session.clear_status(errors_only=True)
            self._show_notice(self.session.status)
            self.session.prices_changed()
            self.deployment_box.show_profile(self.context.connections.profile(name), None)
            self.session.set_modified()
            self.session.start_counting()  # another deployment may count with another encoding

    def _deployment_chosen(self, name: str | None) -> None:
        """The conversation sends to `name` (None: the profile's default) from now on; the
        file records it, and the meter counts with its model."""
        session = self.session
        if session is None or session.conversation.deployment == name:
            return
        session.conversation.deployment = name
        session.set_modified()
        session.prices_changed()  # prices are the deployment's own
        session.start_counting()

    # -- window ------------------------------------------------------------------------------
    def _update_title(self) -> None:
        session = self.session
        name = "New conversation"
        if session is not None and session.path is not None:
            name = str(getattr(session.path, "name", session.path))
        # Qt puts the platform's unsaved mark where [*] stands when the window is modified.
        self.setWindowTitle(f"{name}[*] — chatdesk")
        self.setWindowModified(session is not None and session.modified)

    def _restore_geometry(self) -> None:
        window = self.context.settings.window
        if "geometry" in window:
            self.restoreGeometry(QByteArray.fromBase64(window["geometry"].encode()))
        else:
            self.resize(1180, 780)
        if "splitter" in window:
            self.splitter.restoreState(QByteArray.fromBase64(window["splitter"].encode()))

    def _save_geometry(self) -> None:
        window = self.context.settings.window
        window["geometry"] = bytes(self.saveGeometry().toBase64().data()).decode()
        window["splitter"] = bytes(self.splitter.saveState().toBase64().data()).decode()
        self._remember_page_sizes()
        self.context.save_settings()

    def _remember_page_sizes(self) -> None:
        window = self.context.settings.window
        window[EXAMPLES_SIZES] = self._examples_page.remembered()
        window[PARAMS_SIZES] = self._params_page.remembered()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._flush_library(self.sessions)  # library conversations: written, nothing to ask
        if not self._closing and any(session.modified for session in self.sessions):
            # Ask about unsaved work first; the window closes again once that is settled
            # (Qt ignores a close() made from inside closeEvent, so this must not be re-entered).
            event.ignore()
            self.files.confirm_all(self.sessions, self._close_now)
            return
        self.memory.save()  # what is open now comes back at the next launch
        for session in self.sessions:
            session.shutdown()
        self._flush_library(self.sessions)  # a reply stopped by the close: marked incomplete
        for session in self.sessions:
            self._forget(session)
        if self._autosaver is not None:
            self._autosaver.stop()
        if self._library_saver is not None:
            self._library_saver.stop()
        self.library_link.stop()
        self._closed = True
        self._save_geometry()
        super().closeEvent(event)

    def _close_now(self) -> None:
        self._closing = True
        self.close()


def _mode(conv: Conversation) -> tuple[str | None, str]:
    """The conversation's API and who keeps its history, as the parameters panel shows them."""
    return conv.api, conv.history_keeper
