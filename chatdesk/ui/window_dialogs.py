"""The main window's dialogs (mixed into `MainWindow`): edit and resend, what will be sent,
time limits, View code and Connections. Each imports its module when opened, not at start-up."""

from __future__ import annotations

from typing import Any

from chatdesk.core.cards import counted_text, tool_names
from chatdesk.core.messages import Message


class WindowDialogs:
    """Mixed into MainWindow: `self` is the window."""

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
