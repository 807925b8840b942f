"""The main window's slots that carry an edit into the current session (mixed into
`MainWindow`): the draft, the system prompt, examples, parameters, presets, the connection
profile, and what the session reports back (busy, notices, failures)."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.preferences import DEFAULT_PROMPT
from chatdesk.core.presets import BUILTIN_PRESETS, SystemPreset, replaces_own_prompt
from chatdesk.service.events import ChatError
from chatdesk.ui.qt.widgets import QMessageBox


def panel_mode(conv: Conversation) -> tuple[str | None, str]:
    """The conversation's API and who keeps its history, as the parameters panel shows them."""
    return conv.api, conv.history_keeper


class WindowEdits:
    """Mixed into MainWindow: `self` is the window."""

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
            self.show_system_role()  # "No system prompt" until there is one

    def _examples_changed(self, pairs: list[tuple[str, str]]) -> None:
        if self.session is not None:
            self.session.set_examples(pairs)

    def _params_changed(self) -> None:
        if self.session is not None:
            params, trimming = self.params_panel.values()
            self.session.set_params(params, trimming, self.params_panel.api_mode.mode())
            self.show_system_role()  # the Responses API takes it as instructions

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
            self.statusBar().showMessage(self.transcript.link_description(href))
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

    def settings_changed_elsewhere(self, changed: set[str]) -> None:
        """Another chatdesk saved `changed` settings, now taken in here (core/settings_sync.py):
        the profile box and the preferences show them."""
        if self._closed:
            return
        if changed & {"profiles", "active_profile", "renamed_profiles"}:
            self.refresh_profiles()
        if changed & {"enter_sends", "theme", "font_size", "zoom"}:
            self.prefs.apply()

    def refresh_profiles(self) -> None:
        self._fill_profiles()
        connections = self.context.connections
        for session in self.sessions:  # a profile was fixed: its old errors no longer hold
            if connections.follow_renamed(session.conversation):
                session.set_modified()  # its profile was renamed: saved with the new name
            session.clear_status(errors_only=True)
            session.prices_changed()
            gone = connections.gone_profile_note(session.conversation)
            if gone is not None:  # its profile was removed: say which one it uses now
                session.notice.emit(gone)
        if self.session is not None:
            self._show_notice(self.session.status)
        active = connections.active()
        if self.session is not None:
            if connections.profile(self.session.conversation.profile) is None:
                self.session.use_profile(active.name if active else None, chosen=False)
            else:
                self.session.start_counting()
            self._select_profile(self.session.conversation.profile)

    def _fill_profiles(self) -> None:
        self.profile_box.blockSignals(True)
        self.profile_box.clear()
        for profile in self.context.connections.profiles():
            self.profile_box.addItem(profile.name)
        self.profile_box.blockSignals(False)

    def _select_profile(self, name: str | None) -> None:
        """Show the profile `name`, or the one standing in for it when it no longer exists
        (`Connections.profile_for`'s rule), not merely the first listed."""
        conv = self.session.conversation if self.session is not None else None
        connections = self.context.connections
        profile = connections.profile(name) or connections.active()
        self.profile_box.blockSignals(True)
        index = self.profile_box.findText(profile.name if profile is not None else "")
        self.profile_box.setCurrentIndex(max(index, 0) if self.profile_box.count() else -1)
        self.profile_box.blockSignals(False)
        self.deployment_box.show_profile(profile, conv.deployment if conv is not None else None)

    def _profile_chosen(self, name: str) -> None:
        """The toolbar's pick: this conversation's profile, saved with it. The default that
        new conversations and `chatdesk send` use is Connections' "Use for new
        conversations" alone (the box's tooltip says "this conversation")."""
        if self.session is not None and name:
            self.session.use_profile(name)
            self._show_notice(self.session.status)
            self.deployment_box.show_profile(self.context.connections.profile(name), None)

    def _deployment_chosen(self, name: str | None) -> None:
        """The conversation sends to `name` (None: the profile's default) from now on; the
        file records it, and the meter counts with its model."""
        if self.session is not None:
            self.session.use_deployment(name)
