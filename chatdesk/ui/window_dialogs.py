"""The main window's dialogs (mixed into `MainWindow`): edit and resend, what will be sent,
Add tool result…, time limits, View code and Connections. Each imports its module when
opened, not at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatdesk.core.deployments import DeploymentNote
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.request_params import RequestParameters
    from chatdesk.ui.params_panel import ParamsPanel


class WindowDialogs:
    """Mixed into MainWindow: `self` is the window."""

    def show_preview(self) -> None:
        session = self.session
        if session is None or session.plan is None or session.budget is None:
            return
        from chatdesk.core.preview import request_rows
        from chatdesk.ui.request_preview import PreviewRows, RequestPreviewDialog

        plan = session.plan
        rows = request_rows(session.budget, plan, session.draft, session.conversation.draft_images)
        self.preview = RequestPreviewDialog(PreviewRows.of_request(rows), plan, self)
        self.preview.api_messages = rows.api_messages
        parameters = self._request_parameters()
        if parameters is not None:
            self.preview.set_parameters(parameters)
        self.preview.finished.connect(self.preview.deleteLater)
        self.preview.open()

    def _request_parameters(self) -> RequestParameters | None:
        """The next request's parameters as its deployment takes them (None: no profile)."""
        session = self.session
        profile = session.profile_source()
        if profile is None or session.budget is None or session.plan is None:
            return None
        from chatdesk.core.request_params import request_parameters
        from chatdesk.core.responses_request import api_of

        conv, match = session.conversation, session.budget.match
        return request_parameters(
            conv, session.plan, model=profile.deployment.strip(), family=match.family,
            exact=match.exact, api=api_of(conv, profile.api, match.family),
            note=self.deployment_note(profile),
        )  # fmt: skip

    def deployment_note(self, profile: ConnectionProfile | None) -> DeploymentNote:
        """What `profile`'s deployment taught (the settings' `deployments`)."""
        from chatdesk.core.deployments import DeploymentNote, note_key

        try:
            key = note_key(profile) if profile is not None else ""
        except ValueError:  # an endpoint that is no URL: nothing learned for it
            key = ""
        return self.context.settings.deployments.get(key) if key else DeploymentNote()

    def show_deployment_note(self, panel: ParamsPanel | None = None) -> None:
        """Parameters (`panel`, else the window's once built) marks what the current
        deployment refused, and offers only the values it takes."""
        if panel is None and self._params_page.built:
            panel = self.params_panel
        if self.session is None or panel is None:
            return
        profile = self.session.profile_source()
        name = profile.deployment.strip() if profile is not None else ""
        panel.set_deployment_note(self.deployment_note(profile), name)

    def _deployment_taught(self, _adjusted: object) -> None:
        self.show_deployment_note()  # the session's `learned`: a refusal just remembered
        self.show_system_role()

    def show_system_role(self) -> None:
        """The system prompt editor says which role the next request sends the prompt as,
        as the request is built for the current deployment (nothing while it is counting)."""
        session = self.session
        profile = session.profile_source() if session is not None else None
        if profile is None or session.budget is None:
            self.system_editor.show_sent_as("")
            return
        from chatdesk.core.request_params import system_prompt_sent_as, system_role_choices
        from chatdesk.core.responses_request import api_of

        conv, match = session.conversation, session.budget.match
        family, exact = match.family, match.exact
        api, note = api_of(conv, profile.api, family), self.deployment_note(profile)
        self.system_editor.show_sent_as(
            system_prompt_sent_as(conv, model=profile.deployment.strip(), family=family,
                                  exact=exact, api=api, note=note),
            conv.system_role, system_role_choices(family=family, api=api, note=note),
        )  # fmt: skip

    def _role_chosen(self, role: str) -> None:
        if self.session is not None:
            self.session.set_system_role(role)  # shown again by the session's setupChanged

    def add_tool_results(self, row: int) -> None:
        """Add tool result… on a card: one dialog per call of its message still without a
        result, in the calls' order; each OK adds that result (the session's undoable edit)."""
        session = self.session
        if session is None or session.busy:
            return
        calls = session.missing_results(session.model.history_index(row))
        if not calls:
            return
        from chatdesk.ui.tool_result_dialog import ToolResultDialog

        dialog = self.tool_result_dialog = ToolResultDialog(calls[0], self)

        def accepted() -> None:
            session.add_tool_result(dialog.call, dialog.result_text())
            self.composer.show_problem("")  # a refusal naming this call no longer holds
            if len(calls) > 1 and session is self.session:  # the next call's dialog
                self.add_tool_results(row)
            else:
                self.composer.input.setFocus()  # Enter continues the conversation

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def show_time_limits(self) -> None:
        """The current deployment's read timeout, the request deadline, what it taught."""
        profile = self.session.profile_source() if self.session is not None else None
        if profile is None:
            self._show_notice("Add a connection first (Connections…, Ctrl+K).")
            return
        from msgspec.structs import replace

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
            self.show_deployment_note()  # what was forgotten is sent again

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
