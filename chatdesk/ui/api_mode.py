"""The parameters panel's API group: Chat Completions or Responses, who keeps the history,
and the reasoning summary asked for (see core/responses_request.py)."""

from __future__ import annotations

from chatdesk.core.choices import Api, HistoryKeeper
from chatdesk.core.conversation import REASONING_SUMMARIES
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

API_NAMES = {Api.CHAT: "Chat Completions", Api.RESPONSES: "Responses"}
HISTORY_CHOICES = (
    (HistoryKeeper.CHATDESK, "chatdesk (sends it trimmed)"),
    (HistoryKeeper.SERVICE, "The service (stored responses)"),
)
_RESPONSES_ONLY = "Responses API only: choose API Responses to use it."


class ApiModeGroup(QGroupBox):
    """The conversation's API, history keeper and reasoning summary. Nothing is decided here:
    the values go to the conversation, and the request builders read them.

    Signals: changed() after an edit by the user (not after set_mode / set_default).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("API", parent)
        self._loading = False
        self._default: str = Api.CHAT
        self.api = QComboBox(self)
        self.api.addItem("", None)  # "Default (…)", named by set_default
        for key, name in API_NAMES.items():
            self.api.addItem(name, key)
        self.api.setAccessibleName("API")
        self.api.setToolTip(
            "Chat Completions works with every deployment and server. Responses: the service "
            "can keep the history, and reasoning models return a summary of their reasoning."
        )
        self.history = QComboBox(self)
        for key, text in HISTORY_CHOICES:
            self.history.addItem(text, key)
        self.history.setAccessibleName("History kept by")
        self._history_tip = (
            "chatdesk: the trimmed history is sent every time, nothing is stored on the service. "
            "The service: each reply is stored and the next request sends only what is new "
            "(previous_response_id); the service fits the history to the model itself."
        )
        self.summary = QComboBox(self)
        self.summary.addItem("Default", None)
        for name in REASONING_SUMMARIES:
            self.summary.addItem(name, name)
        self.summary.setAccessibleName("Reasoning summary")
        self._summary_tip = (
            "reasoning.summary: a reasoning model's summary of its reasoning, shown in the "
            "reply's Reasoning part and saved, never sent back"
        )
        for box in (self.api, self.history, self.summary):
            box.view().setAccessibleName(f"{box.accessibleName()} choices")
        # What the Responses API has no field for (core/responses_request.unsent_fields).
        self.unsent_hint = QLabel(
            "Responses takes no stop sequences, seed or penalties: they are not sent.", self
        )
        self.unsent_hint.setWordWrap(True)
        self.unsent_hint.setEnabled(False)  # quiet, in the palette's disabled text colour
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels: list[QLabel] = []
        for text, box in (("A&PI:", self.api), ("&History kept by:", self.history),
                          ("Reasoning s&ummary:", self.summary)):  # fmt: skip
            label = QLabel(text, self)
            label.setBuddy(box)
            self.labels.append(label)
            form.addRow(label, box)
            box.currentIndexChanged.connect(self._edited)
        form.addRow(self.unsent_hint)
        self.set_default(Api.CHAT)

    # -- public ------------------------------------------------------------------------------
    def set_default(self, api: str) -> None:
        """Name the API a conversation without its own choice uses (the profile's, or the
        model's when it is served only through Responses)."""
        self._default = api
        self.api.setItemText(0, f"Default ({API_NAMES.get(api, api)})")
        self._update_enabled()

    def set_mode(self, api: str | None, history: str, summary: str | None) -> None:
        """Show a conversation's choices without emitting changed()."""
        self._loading = True
        try:
            for box, value in ((self.api, api), (self.history, history),
                               (self.summary, summary)):  # fmt: skip
                box.setCurrentIndex(max(box.findData(value), 0))
        finally:
            self._loading = False
        self._update_enabled()

    def mode(self) -> tuple[str | None, str]:
        """(the conversation's API or None for the default, who keeps the history)."""
        return self.api.currentData(), self.history.currentData()

    def reasoning_summary(self) -> str | None:
        return self.summary.currentData()

    def effective_api(self) -> str:
        return self.api.currentData() or self._default

    # -- internals ---------------------------------------------------------------------------
    def _edited(self) -> None:
        if self._loading:
            return
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        responses = self.effective_api() == Api.RESPONSES
        self.unsent_hint.setVisible(responses)
        for box, tip in ((self.history, self._history_tip), (self.summary, self._summary_tip)):
            box.setEnabled(responses)
            box.setToolTip(tip if responses else f"{_RESPONSES_ONLY} {tip}")
