"""The main window: builds the widgets and wires them to the current conversation's session.

It decides nothing: sessions talk to the service, the core counts and trims, dialogs ask. All
signal wiring of the window is in `_connect_signals` and `_bind_session`. Its other jobs live
in the modules it is made of: window_menus.py (actions, menus, shortcuts), window_sessions.py
(the open conversations), window_savers.py (keeping them written: recovery copies, the
library), window_edits.py (edits carried into the session), window_dialogs.py.

Start-up cost: what the first paint does not show is built later. The Examples and Parameters
tabs are built when first shown (or first used), dialogs import their modules when opened, and
the autosaver (whose recovery store imports hashlib and uuid) starts once the window has painted.
The file format (its disk checks import hashlib) is imported by the methods that open files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chatdesk.core.choices import Api
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import example_pairs
from chatdesk.ui.attach_flow import AttachFlow
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.composer import Composer
from chatdesk.ui.context import AppContext
from chatdesk.ui.deferred import AfterFirstPaint, LazyPage
from chatdesk.ui.deployment_box import DeploymentBox
from chatdesk.ui.library_link import LibraryLink
from chatdesk.ui.library_sidebar import LibrarySidebar
from chatdesk.ui.palette import tones_of
from chatdesk.ui.panel_fit import PanelFit
from chatdesk.ui.qt.core import QByteArray, Qt, Signal
from chatdesk.ui.qt.gui import QCloseEvent, QKeyEvent, QUndoGroup
from chatdesk.ui.qt.widgets import (
    QComboBox,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from chatdesk.ui.session_memory import SessionMemory
from chatdesk.ui.status_line import StatusLine
from chatdesk.ui.system_prompt import SystemPromptEditor
from chatdesk.ui.token_meter import TokenMeter
from chatdesk.ui.transcript_view import TranscriptView
from chatdesk.ui.window_dialogs import WindowDialogs
from chatdesk.ui.window_edits import WindowEdits, panel_mode
from chatdesk.ui.window_menus import WindowMenus
from chatdesk.ui.window_savers import WindowSavers
from chatdesk.ui.window_sessions import WindowSessions
from chatdesk.ui.window_turns import TurnActions

if TYPE_CHECKING:
    from chatdesk.core.models import ModelFamily
    from chatdesk.ui.examples_editor import ExamplesEditor
    from chatdesk.ui.file_flows import FileFlows
    from chatdesk.ui.find_bar import FindBar
    from chatdesk.ui.inline_editor import InlineEditing
    from chatdesk.ui.params_panel import ParamsPanel
    from chatdesk.ui.session_loader import SessionLoader


# settings.window keys: the lazy pages' size hints (see deferred.py)
EXAMPLES_SIZES, PARAMS_SIZES = "examples_page", "params_page"


def _beyond(conv: Conversation, family: ModelFamily) -> bool:
    """Whether `conv` asks for more reply or context tokens than `family` allows."""
    return (conv.params.max_tokens or 0) > family.max_output or (
        conv.trimming.limit or 0
    ) > family.context_window


class MainWindow(
    TurnActions,
    WindowMenus,
    WindowSessions,
    WindowSavers,
    WindowEdits,
    WindowDialogs,
    QMainWindow,
):
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
        self._autosaver = None  # see window_savers.py
        self._library_saver = None
        # Sessions opened before the autosaver starts, with their revision when opened.
        self._untracked: dict[ChatSession, int] = {}
        self._family: ModelFamily | None = None  # the session's, for a panel built later
        self._painted = False
        self._count_after_paint: list[ChatSession] = []
        # Sessions whose file is being read (window_sessions.load_file), and what waits for it.
        self._loaders: dict[ChatSession, SessionLoader] = {}
        self._when_loaded: dict[ChatSession, list[Callable[[ChatSession], None]]] = {}
        self._closing = False
        self._closed = False
        self._build()
        self.undo_group = QUndoGroup(self)  # the current conversation's stack is active
        self._inline_edit: InlineEditing | None = None
        self.preset_question: QMessageBox | None = None
        self.discard_question: QMessageBox | None = None  # Esc over an edit's changed text
        self._build_actions()
        self._connect_signals()
        self.prefs.apply()
        self._restore_geometry()
        self.installEventFilter(AfterFirstPaint(self._first_painted, self))

    @property
    def inline_edit(self) -> InlineEditing:
        """The editor over a card's body: built with the first edit, not with the window."""
        if self._inline_edit is None:
            from chatdesk.ui.inline_editor import InlineEditing

            delegate = self.transcript.delegate
            self._inline_edit = InlineEditing(
                self.transcript, delegate.text_rect, delegate.make_room,
                lambda: self.composer.input.enter_sends,  # Enter does what it does there
            )  # fmt: skip
            editing = self._inline_edit
            self.transcript.keep_rows.append(lambda: editing.row)  # its row is never unloaded
            self._inline_edit.submitted.connect(self._edit_submitted)
            self._inline_edit.edited.connect(self._edit_typed)
            self._inline_edit.ended.connect(self._edit_ended)
            self._inline_edit.lost.connect(self._edit_lost)  # its card gone: text kept
            self._inline_edit.ask_discard = self._ask_discard_edit
        return self._inline_edit

    @property
    def files(self) -> FileFlows:
        if self._files is None:
            from chatdesk.ui.file_flows import FileFlows

            self._files = FileFlows(self, self)
            self._files.notice.connect(self._show_notice)
        return self._files

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
        session = self.session
        if session is not None and session.scroll is not None and not session.loading:
            self.transcript.restore_anchor(session.scroll)  # now that rows have a width
        waiting, self._count_after_paint = self._count_after_paint, []
        for session in waiting:
            if session in self.sessions:
                session.start_counting()
        # The library's saver first: the conversations it keeps need no recovery copies.
        self.library_saver  # noqa: B018 - starts it (before the sidebar lists: new ones count)
        self.autosaver  # noqa: B018 - starts it
        self.library_link.start()
        from chatdesk.ui.library_welcome import offer_import
        from chatdesk.ui.wheel_guard import guard_wheel  # no wheel reaches an unpainted window

        # A notch over the tool bar moved the conversation to another deployment, unasked.
        guard_wheel(self.profile_box, self.deployment_box)

        self.library_welcome = offer_import(self, self.context, self.library_link.written)
        if not {EXAMPLES_SIZES, PARAMS_SIZES} <= set(self.context.settings.window):
            # They were built for want of these: keep them, so the next start need not. Not
            # over a settings file that could not be read, before the user is told so.
            self._remember_page_sizes()
            if not self.context.warnings:
                with contextlib.suppress(OSError, ValueError):
                    self.context.save_settings()
        self.firstPainted.emit()

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
        # By keyword (see chatdesk/ui/qt). Horizontal is the default.
        self.splitter = QSplitter(parent=self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 0)  # a wider window widens the transcript
        # The right panel as wide as its pages like (the parameters' fields), when it fits.
        self.splitter.setSizes([190, 770, max(300, self.side.sizeHint().width())])
        self.setCentralWidget(self.splitter)
        self.panel_fit = PanelFit(self.splitter)  # small windows: the side panels give way
        self.statusBar().addWidget(self.notice, 1)
        # Disk trouble stays in sight until it is over (recovery copies, settings not written).
        self.disk_warning = StatusLine(self)
        self.disk_warning.setAccessibleName("Disk warning")
        error = tones_of(self.palette()).error
        self.disk_warning.setStyleSheet(f"color: {error}; font-weight: bold;")
        self.disk_warning.hide()
        self.statusBar().addPermanentWidget(self.disk_warning, 1)
        self._disk_problems: dict[str, str] = {}
        self.context.problem_listeners.append(lambda text: self.show_disk_problem("settings", text))
        self.context.change_listeners.append(self.settings_changed_elsewhere)

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
        self.transcript.addResultRequested.connect(self.add_tool_results)
        self.transcript.copied.connect(lambda _what: self.show_status("Copied"))
        self.transcript.linkHovered.connect(self._link_hovered)
        # After the library link has shown the conversation: typing goes on there.
        self.sidebar.openRequested.connect(self._sidebar_activated)
        self.sidebar.sessionRequested.connect(self._sidebar_activated)
        self.sidebar.notice.connect(self._show_notice)
        self.panel_fit.rightShown.connect(self._side_fitted)
        self.transcript.includeRequested.connect(self._include)
        self.transcript.versionRequested.connect(self._flip)
        self.system_editor.textChanged.connect(self._system_changed)
        self.system_editor.roleChosen.connect(self._role_chosen)
        self.system_editor.presetApplied.connect(self._apply_preset)
        self.system_editor.presetSaved.connect(self._save_preset)
        self.system_editor.presetDeleted.connect(self._delete_preset)
        self.profile_box.currentTextChanged.connect(self._profile_chosen)
        self.sessionChanged.connect(self._find_follows)
        self.deployment_box.picked.connect(self._deployment_chosen)

    def _bind_session(self, session: ChatSession) -> None:
        if self.session is not None:
            for signal, slot in self._session_links:
                signal.disconnect(slot)
            # Before the first paint the view has no position, and while a file is read its
            # rows are not all there: the position to restore waits (restored once loaded).
            old = self.session
            if self._painted and old is not session and not old.loading:
                old.scroll = self.transcript.scroll_anchor()  # shown again there
        self._set_edit_aside()  # kept with its conversation, open again when it is shown
        self.session = session
        self.focused_undo.update()  # its history, unless the list has the focus
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
            (session.learned, self._deployment_taught),
        ]
        for signal, slot in self._session_links:
            signal.connect(slot)
        conv = session.conversation
        self.transcript.setModel(session.model)
        if session.scroll is not None and self._painted:  # else once the window has its size
            self.transcript.restore_anchor(session.scroll)
        self.system_editor.set_text(conv.system_prompt)
        self.show_system_role()
        if self._examples_page.built:
            self.examples_editor.set_examples(example_pairs(conv.examples))
        if self._params_page.built:
            self.params_panel.set_values(conv.params, conv.trimming, panel_mode(conv))
        if session.budget is not None:
            self._set_family(session.budget.family)
        self.composer.set_text(session.draft)
        self._show_loading(session.loading)
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
        self._resume_edit(session)
        self.sessionChanged.emit(session)

    def _show_loading(self, loading: bool) -> None:
        """A conversation whose file is being read is shown, but nothing is sent into or
        edited in it until it is whole."""
        self.composer.set_loading(loading)
        self.transcript.set_placeholder("Opening the conversation…" if loading else "")
        for widget in (self.side, self.profile_box, self.deployment_box):
            widget.setEnabled(not loading)

    def _budget_ready(self) -> None:
        if self.session is not None and self.session.budget is not None:
            self._set_family(self.session.budget.family)
            self.attach_flow.show(self.session)  # the attachments' token counts

    def _set_family(self, family: ModelFamily) -> None:
        self._family = family
        self.show_system_role()  # another deployment may take it in another role
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
        self.show_deployment_note(panel)
        profile = self.session.profile_source() if self.session is not None else None
        panel.api_mode.set_default(default_api(profile.api if profile else Api.CHAT, family))

    def _show_setup(self) -> None:
        """The prompt, examples and parameters as a preset or an undo step set them."""
        if self.session is None:
            return
        conv = self.session.conversation
        if self.system_editor.text() != conv.system_prompt:
            self.system_editor.set_text(conv.system_prompt)
        self.show_system_role()  # a preset, an undo step: the prompt or its role
        if self._examples_page.built:  # else it shows them when it is built
            self.examples_editor.set_examples(example_pairs(conv.examples))
        if self._params_page.built:
            self.params_panel.set_values(conv.params, conv.trimming, panel_mode(conv))

    # -- window ------------------------------------------------------------------------------
    def _update_title(self) -> None:
        session = self.session
        name = session.display_name(with_file=True) if session is not None else "New conversation"
        # Qt puts the platform's unsaved mark where [*] stands when the window is modified.
        self.setWindowTitle(f"{name}[*] — chatdesk")
        # A library conversation is written as it changes: it has nothing to save.
        self.setWindowModified(
            session is not None and session.modified and not self._kept_in_library(session)
        )

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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # An Esc no widget took (an edit in place, the find bar, a selection and a search take
        # theirs) stops the reply, wherever the focus is: the transcript after Regenerate...
        session = self.session
        if event.key() == Qt.Key.Key_Escape and session is not None and session.busy:
            session.stop()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._flush_library(self.sessions)  # library conversations: written, nothing to ask
        unfinished = None if self._closing else self.unfinished(self.sessions, "Quit")
        if not self._closing and (unfinished or any(s.modified for s in self.sessions)):
            # Ask about unsaved work and work in flight (a reply being written, an edit not
            # resent) first, in one question; the window closes again once that is settled
            # (Qt ignores a close() made from inside closeEvent, so this must not be re-entered).
            event.ignore()
            self.files.confirm_all(self.sessions, self._close_now, unfinished)
            return
        # What is open now comes back at the next launch; what is still modified after the
        # question was let go ("Don't Save"): its file's draft comes back, not the one dropped.
        discarded = [s for s in self.sessions if s.modified] if self._closing else []
        self.memory.save(closing=True, discarded=discarded)
        for session in self.sessions:
            self._stop_loading(session)  # a file still being read: nothing applied after this
            session.shutdown()
        self._flush_library(self.sessions)  # a reply stopped by the close: marked incomplete
        for session in self.sessions:
            self._forget(session)
        self._stop_savers()
        self.library_link.stop()
        self._closed = True
        self._save_geometry()
        super().closeEvent(event)

    def _close_now(self) -> None:
        self._closing = True
        self.close()
