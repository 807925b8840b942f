"""The window's Preferences: the dialog (Ctrl+,), zoom (Ctrl+= / Ctrl+- / Ctrl+0), and applying
what they hold (Enter vs Shift+Enter, theme, the messages' font) to the window, live.

The values live in the settings (`chatdesk.core.settings`); every change is saved at once,
except while the dialog is open: it applies each edit live, saves on OK and puts the old
values back on Cancel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import msgspec.structs

from chatdesk.core.preferences import Theme, zoomed
from chatdesk.ui.appearance import apply_theme, message_font
from chatdesk.ui.qt.core import QObject
from chatdesk.ui.qt.gui import QAction, QKeySequence
from chatdesk.ui.qt.widgets import QWidget

if TYPE_CHECKING:
    from chatdesk.core.settings import Settings
    from chatdesk.ui.composer import Composer
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.preferences_dialog import PreferencesDialog, PreferenceValues
    from chatdesk.ui.qt.gui import QFont
    from chatdesk.ui.transcript_view import TranscriptView


class PreferencesHost(Protocol):
    """What the preferences need of the window (which makes them, so is not imported)."""

    context: AppContext
    composer: Composer
    transcript: TranscriptView

    def show_status(self, text: str, timeout_ms: int = ...) -> None: ...


class WindowPreferences(QObject):
    """Owns the Preferences and zoom actions of `window` and applies the settings to it."""

    def __init__(self, window: PreferencesHost) -> None:
        assert isinstance(window, QWidget)
        super().__init__(window)
        self.window = window
        self._widget: QWidget = window
        self.dialog: PreferencesDialog | None = None
        self._themed = False  # a theme was applied: "system" must now be put back
        self._base_font: QFont | None = None  # the messages' font before any size or zoom
        self.preferences_action = self._action("&Preferences…", ["Ctrl+,"], self.open_dialog)
        self.zoom_in_action = self._action("Zoom &in", ["Ctrl+=", "Ctrl++"], lambda: self.zoom(1))
        self.zoom_out_action = self._action("Zoom &out", ["Ctrl+-"], lambda: self.zoom(-1))
        self.zoom_reset_action = self._action("&Actual size", ["Ctrl+0"], lambda: self.zoom(0))

    @property
    def settings(self) -> Settings:
        return self.window.context.settings

    def _action(self, text: str, keys: list[str], slot: object) -> QAction:
        action = QAction(text=text, parent=self._widget)  # by keyword: see chatdesk/ui/qt
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(slot)
        self._widget.addAction(action)
        return action

    # -- applying ----------------------------------------------------------------------------
    def apply(self) -> None:
        """Put the settings' preferences into effect in the window (and the app's theme)."""
        settings = self.settings
        self.window.composer.set_enter_sends(settings.enter_sends)
        self._apply_theme()
        self._apply_font()

    def _apply_theme(self) -> None:
        if not self._themed and self.settings.theme == Theme.SYSTEM:
            return  # nothing chosen yet: the platform's own, at no cost at start-up
        self._themed = True
        apply_theme(self.settings.theme)

    def _apply_font(self) -> None:
        settings = self.settings
        if self._base_font is None:
            if not settings.font_size and settings.zoom == 100:
                return  # the default font: nothing to change at start-up
            self._base_font = self.window.transcript.font()
        font = message_font(self._base_font, settings.font_size, settings.zoom)
        self.window.transcript.setFont(font)
        self.window.composer.input.setFont(font)

    # -- zoom --------------------------------------------------------------------------------
    def zoom(self, step: int) -> None:
        """One step in (1) or out (-1), or back to 100 % (0); remembered."""
        settings = self.settings
        settings.zoom = zoomed(settings.zoom, step) if step else 100
        self._apply_font()
        self.window.show_status(f"Zoom {settings.zoom} %", timeout_ms=1500)
        self.window.context.save_settings()

    # -- the dialog --------------------------------------------------------------------------
    def current(self) -> PreferenceValues:
        from chatdesk.ui.preferences_dialog import PreferenceValues

        s = self.settings
        return PreferenceValues(s.enter_sends, s.theme, s.font_size, s.zoom, s.new_conversation)

    def set_values(self, values: PreferenceValues) -> None:
        s = self.settings
        s.enter_sends, s.theme, s.font_size = values.enter_sends, values.theme, values.font_size
        s.zoom, s.new_conversation = values.zoom, values.new_conversation
        self.apply()

    def open_dialog(self) -> PreferencesDialog:
        from chatdesk.ui.preferences_dialog import PreferencesDialog

        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        before = self.current()
        connections = self.window.context.connections
        profiles = [p.name for p in connections.profiles()]
        # New conversation's profile as New uses it: a renamed one under its new name, one
        # not set up (removed) as the default that stands in, said in the dialog.
        named, note = connections.new_conversation_profile(before.new_conversation.profile)
        new = msgspec.structs.replace(before.new_conversation, profile=named)
        shown = msgspec.structs.replace(before, new_conversation=new)
        base = self._base_font or self.window.transcript.font()  # the size with none chosen
        dialog = self.dialog = PreferencesDialog(
            shown, profiles, self._widget, system_font_size=base.pointSize(), profile_note=note
        )
        dialog.changed.connect(lambda: self.set_values(dialog.values()))
        dialog.accepted.connect(lambda: self._keep(dialog.values()))
        dialog.rejected.connect(lambda: self.set_values(before))
        dialog.finished.connect(self._closed)
        dialog.open()
        return dialog

    def _keep(self, values: PreferenceValues) -> None:
        """OK: what the dialog shows is what is saved, edited or not (a profile that stood
        in for a removed one included)."""
        self.set_values(values)
        self.window.context.save_settings()

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
