"""Test connection: a one-token request with what is on screen — unsaved edits, the current
name in its messages, a key typed but not saved (used for this request, never stored) and the
proxy as typed on the Gateway tab (tried for this request only: `network.trying`).
The request runs on a worker through a service of its own; Cancel ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chatdesk.service.events import CancelToken
from chatdesk.service.network import Network, NetworkSetupError, current
from chatdesk.ui.connection_widgets import FormHost, button, latency_text
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import QHBoxLayout, QVBoxLayout, QWidget

if TYPE_CHECKING:  # the openai SDK loads with the service, not with this dialog
    from chatdesk.service.chat import ChatService, Diagnosis


class TestPanel(QWidget):
    """Signals: answered() when a test has ended and what it said is shown."""

    answered = Signal()

    def __init__(
        self,
        host: FormHost,
        service: ChatService,
        parent: QWidget,
        network: Callable[[], Network] = current,
    ) -> None:
        """`network`: the choices on screen, the proxy as typed (raises NetworkSetupError for
        one that cannot be used)."""
        super().__init__(parent)
        self._host = host
        self._network = network
        self._service = service
        self._test: tuple[CancelToken, str] | None = None
        self.test_btn = button(
            self,
            "Test connection",
            "Test connection",
            "Send a one-token request with this profile (unsaved edits included)",
        )
        self.test_btn.clicked.connect(self.run_test)
        self.test_cancel_btn = button(
            self, "Cancel test", "Cancel test", "Stop waiting for the test request"
        )
        self.test_cancel_btn.clicked.connect(self.cancel)
        self.test_cancel_btn.hide()
        tones = host.tones
        self.test_result = tones.label(self, "", "Test result")
        self.test_error = tones.label(self, "", "Test error", tone="error")
        self.test_details = tones.label(self, "", "Test details", tone="muted")
        # Asked for whole at the panel's width, so a long answer (a certificate's CA advice, a
        # proxy's) grows the dialog: it squeezed the form above it, cutting its notes and
        # buttons (session 12's tester).
        for label in (self.test_error, self.test_details):
            label.keep_whole(self)
        row = QHBoxLayout()
        row.addWidget(self.test_btn)
        row.addWidget(self.test_cancel_btn)
        row.addWidget(self.test_result, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        # The button row first, right under the tabs (`connection_form`: they keep their
        # height): an answer's lines grow the panel downwards, never moving the button under
        # the pointer, whether the dialog has room to spare or grows (session 14's tester).
        layout.addLayout(row)
        layout.addWidget(self.test_error)
        layout.addWidget(self.test_details)

    @property
    def running(self) -> bool:
        return self._test is not None

    def clear(self) -> None:
        for label in (self.test_result, self.test_error, self.test_details):
            label.clear()

    def refresh(self, error: str | None) -> None:
        """Enable the button unless a test runs or the profile has `error`."""
        running = self._test is not None
        self.test_btn.setEnabled(not running and error is None)
        self.test_btn.setToolTip(
            f"Fix the profile first: {error}"
            if error
            else "Send a one-token request with this profile (unsaved edits included)"
        )
        self.test_cancel_btn.setVisible(running)

    def sync(self) -> None:
        for label in (self.test_error, self.test_details):
            label.setVisible(bool(label.text()))

    def run_test(self) -> None:
        draft = self._host.current
        if draft is None or self._test is not None:
            return
        try:
            network = self._network()  # a proxy typed and not saved is tried too
        except NetworkSetupError as exc:
            self.test_result.clear()
            self.test_error.setText(str(exc))
            self.sync()
            return
        token = CancelToken()
        self._test = (token, draft.key_name)
        profile = draft.profile
        credentials = self._host.draft_credentials(draft)
        service_type = type(self._service)
        self.test_result.setText("Testing…")
        self.test_error.clear()
        self.test_details.clear()

        def test() -> Diagnosis:
            service = service_type(credentials)
            try:
                return service.test_connection(profile, cancel=token, network=network)
            finally:
                service.close()

        def current() -> bool:  # not left for another profile, nor forgotten after an edit
            return self._host.current is draft and self._test is not None and self._test[0] is token

        def diagnosed(diagnosis: Diagnosis) -> None:
            if current():
                self._show_diagnosis(diagnosis, token.cancelled)

        def failed(exc: BaseException) -> None:
            if current():
                self.test_result.clear()
                self.test_error.setText(f"The test failed unexpectedly ({type(exc).__name__}).")

        def finished() -> None:
            if self._test is not None and self._test[0] is token:
                self._test = None
            self._host.refresh_save()
            self.sync()
            self.answered.emit()

        self._host.run(test, diagnosed, failed, finished)
        self._host.refresh_save()
        self.sync()

    def _show_diagnosis(self, diagnosis: Diagnosis, cancelled: bool) -> None:
        details = [f"Requests go to: {diagnosis.url}"]
        if diagnosis.proxy:
            details.append(f"Through the proxy: {diagnosis.proxy}")
        details.append(f"Authentication: {diagnosis.auth_kind}")
        if diagnosis.ok:
            self.test_result.setText(f"Connected: {latency_text(diagnosis.latency_ms)}.")
            self.test_error.clear()
            if diagnosis.model:
                details.append(f"Model: {diagnosis.model}")
        elif cancelled or diagnosis.error is None:
            self.test_result.setText("The connection test was cancelled.")
            self.test_error.clear()
        else:
            error = diagnosis.error
            self.test_result.clear()
            self.test_error.setText(
                "\n".join(t for t in (error.title, error.message, error.action) if t)
            )
        self.test_details.setText("\n".join(details))

    def cancel(self) -> None:
        if self._test is not None:
            self._test[0].cancel()
            self.test_result.setText("Cancelling…")

    def forget(self) -> None:
        """The connection fields changed: what the test said, or will say, is about another
        connection (tester: a refused 127.0.0.1:8798 stayed under http://example.com/)."""
        self.stop()
        self.clear()
        self.sync()

    def stop(self) -> None:
        """The profile is being left: its test no longer reports here."""
        if self._test is not None:
            self._test[0].cancel()
            self._test = None
