"""Request parameters and history trimming, every number optional ("Default": left unset)."""

from __future__ import annotations

import itertools

from chatdesk.core.budget import default_reserve
from chatdesk.core.choices import HistoryKeeper, TrimPolicy
from chatdesk.core.conversation import (
    REASONING_EFFORTS,
    VERBOSITIES,
    GenerationParams,
    TrimSettings,
)
from chatdesk.core.deployments import DeploymentNote
from chatdesk.core.models import DEFAULT_FAMILY, FAMILIES, ModelFamily
from chatdesk.core.params_check import RANGES
from chatdesk.core.request import reply_limit
from chatdesk.ui.api_mode import ApiModeGroup
from chatdesk.ui.optional_fields import OptionalDouble, OptionalInt, choices, choose
from chatdesk.ui.params_panel_notes import NotTakenMarks
from chatdesk.ui.qt.core import QSize, Signal
from chatdesk.ui.qt.widgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from chatdesk.ui.stop_text import format_stop, parse_stop
from chatdesk.ui.wheel_guard import guard_wheel

__all__ = ["OptionalDouble", "OptionalInt", "ParamsPanel", "format_stop", "parse_stop"]

MAX_STOP = 4  # the API rejects more stop sequences
NARROWEST = 240  # px: the panel in a small window (it scrolls sideways); ui/panel_fit.py
_INT_MAX = 2**31 - 1  # QSpinBox is 32-bit
TRIM_CHOICES = (
    (TrimPolicy.TOKENS, "Drop oldest turns to fit"),
    (TrimPolicy.TURNS, "Keep the last N turns"),
    (TrimPolicy.STOP, "Stop and ask for a new conversation"),
)
_FIXED_TIP = "{family} accepts only the default {what}: chatdesk does not send it to this model."


def _bounds(field: str) -> tuple[float, float]:
    low, high, _whole = RANGES[field]
    return (low if low is not None else 0.0), (high if high is not None else 0.0)


class ParamsPanel(QWidget):
    """Generation parameters and the trimming policy of the current conversation.

    Signals: changed() after any edit by the user (not after set_values / set_family).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.family: ModelFamily = FAMILIES[DEFAULT_FAMILY]

        # Sampling.
        # The API's ranges, the same the file loader checks (core/params_check.py).
        self.temperature = OptionalDouble(*_bounds("temperature"), 0.1, self)
        self.top_p = OptionalDouble(*_bounds("top_p"), 0.05, self)
        self.presence_penalty = OptionalDouble(*_bounds("presence_penalty"), 0.1, self)
        self.frequency_penalty = OptionalDouble(*_bounds("frequency_penalty"), 0.1, self)
        self.seed = OptionalInt(0, _INT_MAX, self)
        self.seed.setGroupSeparatorShown(False)
        self._sampling_tips = {
            self.temperature: "Randomness, 0–2: lower is more focused and repeatable. "
            "Change this or top p, not both.",
            self.top_p: "Nucleus sampling, 0–1: only the most likely tokens whose "
            "probabilities add up to this are considered.",
            self.presence_penalty: "−2 to 2: positive values push the model towards new topics.",
            self.frequency_penalty: "−2 to 2: positive values make verbatim repetition "
            "less likely.",
        }
        self.seed.setToolTip(
            "Ask for repeatable sampling: the same seed and parameters tend to give the same reply"
        )

        # Response.
        self.max_tokens = OptionalInt(int(_bounds("max_tokens")[0]), 128_000, self)
        self.max_tokens.setToolTip(
            "The longest reply, in tokens; also kept free in the context window when trimming"
        )
        self.stop = QPlainTextEdit(self)
        self.stop.setTabChangesFocus(True)
        self.stop.setPlaceholderText("Up to 4, separated by commas or new lines")
        self.stop.setToolTip(
            "Sequences where the reply stops (not included in it). Separate them with commas or "
            "new lines; write \\n for a line break, \\, for a comma."
        )
        line = self.stop.fontMetrics().lineSpacing()
        self.stop.setFixedHeight(line * 3 + 12)
        self.stop_hint = QLabel(self)
        self.stop_hint.setEnabled(False)  # quiet, in the palette's disabled text colour
        self.json_format = QCheckBox("JSON response format", self)
        self.json_format.setToolTip(
            "response_format json_object: the reply is a valid JSON object. Azure requires the "
            "word JSON somewhere in the messages, for instance in the system prompt."
        )

        self.stream = QCheckBox("Strea&m the reply", self)
        self.stream.setToolTip(
            "Show the reply as it is written. Off: ask for the whole reply at once (some models, "
            "such as o1, do not stream)"
        )

        # Reasoning.
        self.reasoning_effort = choices(REASONING_EFFORTS, self)
        self.reasoning_effort.setToolTip(
            "reasoning_effort: how long a reasoning model thinks before it answers. More effort "
            "spends more (hidden, billed) reasoning tokens; keep the response limit generous"
        )
        self.verbosity = choices(VERBOSITIES, self)
        self.verbosity.setToolTip("verbosity (gpt-5): how long and detailed the answer is")
        self._tips = {box: box.toolTip() for box in (self.reasoning_effort, self.verbosity)}
        self.api_mode = ApiModeGroup(self)  # Chat Completions or Responses, and its choices

        # Context.
        self.limit = OptionalInt(1, 2_000_000, self)
        self.limit.setToolTip(
            "The context window the request must fit in: prompt plus the reserved reply"
        )
        self.policy = QComboBox(self)
        for key, text in TRIM_CHOICES:
            self.policy.addItem(text, key)
        self.policy.setToolTip("What happens when the conversation no longer fits")
        self.max_turns = QSpinBox(self)
        self.max_turns.setRange(1, 10_000)
        self.max_turns.setToolTip(
            "How many of the newest turns (a user message and its replies) are sent"
        )
        self.whole_turns = QCheckBox("Drop whole turns", self)
        self.whole_turns.setToolTip(
            "Drop a user message together with its replies, so no reply is sent without its "
            "question"
        )
        # What the deployment refused, under each field it concerns (ui/params_panel_notes.py).
        self.marks = NotTakenMarks(self)
        marked = self.marks.labels
        self.family_hint = QLabel(self)
        self.family_hint.setWordWrap(True)
        self.family_hint.setEnabled(False)

        names = {
            self.temperature: "Temperature",
            self.top_p: "Top p",
            self.presence_penalty: "Presence penalty",
            self.frequency_penalty: "Frequency penalty",
            self.seed: "Seed",
            self.max_tokens: "Max response tokens",
            self.stop: "Stop sequences",
            self.json_format: "JSON response format",
            self.stream: "Stream the reply",
            self.reasoning_effort: "Reasoning effort",
            self.verbosity: "Verbosity",
            self.limit: "Token limit",
            self.policy: "Trimming policy",
            self.max_turns: "Turns to keep",
            self.whole_turns: "Drop whole turns",
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)
            # The inner editor and the popup list take focus too; a screen reader names them.
            if isinstance(widget, QAbstractSpinBox):
                widget.findChild(QLineEdit).setAccessibleName(name)
            elif isinstance(widget, QComboBox):
                widget.view().setAccessibleName(f"{name} choices")

        self._labels: list[QLabel] = []
        sampling = self._group(
            "Sampling",
            [
                ("&Temperature:", self.temperature),
                ("", marked["temperature"]),
                ("Top &p:", self.top_p),
                ("", marked["top_p"]),
                ("P&resence penalty:", self.presence_penalty),
                ("", marked["presence_penalty"]),
                ("&Frequency penalty:", self.frequency_penalty),
                ("", marked["frequency_penalty"]),
                ("S&eed:", self.seed),
                ("", marked["seed"]),
            ],
        )
        response = self._group(
            "Response",
            [
                ("Max response &tokens:", self.max_tokens),
                ("&Stop sequences:", self.stop),
                ("", self.stop_hint),
                ("", marked["stop"]),
                ("", self.json_format),
                ("", marked["response_format"]),
                ("", self.stream),
                ("", marked["stream"]),
            ],
        )
        reasoning = self._group(
            "Reasoning",
            [
                ("Reasoning eff&ort:", self.reasoning_effort),
                ("", marked["reasoning_effort"]),
                ("&Verbosity:", self.verbosity),
                ("", marked["verbosity"]),
            ],
        )
        context = self._group(
            "Context",
            [
                ("Token &limit:", self.limit),
                ("When &full:", self.policy),
                ("Turns to &keep:", self.max_turns),
                ("", self.whole_turns),
                ("", self.family_hint),
            ],
        )
        # One label width for the groups, so their fields line up.
        self._labels += self.api_mode.labels
        width = max(label.sizeHint().width() for label in self._labels)
        for label in self._labels:
            label.setMinimumWidth(width)
        # In a scroll area: the panel keeps its natural size however small the window (800×600,
        # or 200 % scaling), instead of setting the window's minimum height.
        inner = QWidget(self)
        layout = QVBoxLayout(inner)
        layout.addWidget(sampling)
        layout.addWidget(response)
        layout.addWidget(reasoning)
        layout.addWidget(self.api_mode)
        layout.addWidget(context)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName("Parameters")
        # As wide as its fields need when there is room (its size hint); in a small window
        # (800×600) it may be narrower and scroll sideways, so the transcript keeps its room.
        bar = scroll.verticalScrollBar().sizeHint().width()
        self._natural_width = inner.minimumSizeHint().width() + bar
        scroll.setMinimumWidth(min(self._natural_width, NARROWEST))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        order = [*names]  # the form's order, top to bottom
        at = order.index(self.limit)
        order[at:at] = [self.api_mode.api, self.api_mode.history, self.api_mode.summary]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        guard_wheel(inner)  # the wheel scrolls the panel; a box clicked into takes it

        for spin in (
            self.temperature,
            self.top_p,
            self.presence_penalty,
            self.frequency_penalty,
            self.seed,
            self.max_tokens,
            self.limit,
            self.max_turns,
        ):
            spin.valueChanged.connect(self._edited)
        self.max_tokens.valueChanged.connect(self._show_default_limit)  # gpt-5's limit moves
        self.stop.textChanged.connect(self._edited)
        self.json_format.toggled.connect(self._edited)
        self.stream.toggled.connect(self._edited)
        self.reasoning_effort.currentIndexChanged.connect(self._edited)
        self.verbosity.currentIndexChanged.connect(self._edited)
        self.whole_turns.toggled.connect(self._edited)
        self.api_mode.changed.connect(self._edited)
        self.policy.currentIndexChanged.connect(self._edited)
        self.setAccessibleName("Parameters")
        self.set_family(self.family)
        self.set_values(GenerationParams(), TrimSettings())

    # -- public ------------------------------------------------------------------------------
    def set_family(self, family: ModelFamily) -> None:
        """Show the family's limits as the defaults and lock sampling it does not accept."""
        self.family = family
        before = self.values()
        self._loading = True
        try:
            self.max_tokens.setMaximum(family.max_output)
            self.max_tokens.setSpecialValueText(f"Default ({default_reserve(family):,})")
            self.limit.setMaximum(family.context_window)
            self._show_default_limit()
        finally:
            self._loading = False
        self._offer_choices()
        self.family_hint.setText(family.limits_text())
        self._update_enabled()
        if self.values() != before:  # a lower maximum clamped a value the user had set
            self.changed.emit()

    def set_deployment_note(self, note: DeploymentNote, deployment: str) -> None:
        """What the conversation's deployment refused before (the settings' `deployments`):
        its fields are marked "not sent", and only the values it takes are offered."""
        self.marks.set_note(note, deployment)
        self._offer_choices()
        self.marks.show(self.values()[0])

    def set_values(
        self,
        params: GenerationParams,
        trimming: TrimSettings,
        mode: tuple[str | None, str] = (None, HistoryKeeper.CHATDESK),
    ) -> None:
        """Show a conversation's settings without emitting changed(); `mode` is its API and
        who keeps its history (`Conversation.api`, `.history_keeper`)."""
        self._loading = True
        try:
            self.api_mode.set_mode(*mode, params.reasoning_summary)
            self.temperature.set_optional_value(params.temperature)
            self.top_p.set_optional_value(params.top_p)
            self.presence_penalty.set_optional_value(params.presence_penalty)
            self.frequency_penalty.set_optional_value(params.frequency_penalty)
            self.seed.set_optional_value(params.seed)
            self.max_tokens.set_optional_value(params.max_tokens)
            self.stop.setPlainText(format_stop(params.stop))
            self.json_format.setChecked(params.response_format == "json_object")
            self.stream.setChecked(params.stream)
            for box, value in (
                (self.reasoning_effort, params.reasoning_effort),
                (self.verbosity, params.verbosity),
            ):
                choose(box, value)
            self.limit.set_optional_value(trimming.limit)
            index = self.policy.findData(trimming.policy)
            self.policy.setCurrentIndex(max(index, 0))
            self.max_turns.setValue(trimming.max_turns)
            self.whole_turns.setChecked(trimming.whole_turns)
        finally:
            self._loading = False
        self._update_enabled()
        self._update_stop_hint()
        self.marks.show(params)

    def values(self) -> tuple[GenerationParams, TrimSettings]:
        # Sampling values are kept while a fixed-sampling family greys them out: the request
        # builder leaves them out for that model, and switching back restores them.
        params = GenerationParams(
            temperature=self.temperature.optional_value(),
            top_p=self.top_p.optional_value(),
            max_tokens=self.max_tokens.optional_value(),
            stop=parse_stop(self.stop.toPlainText())[:MAX_STOP],
            presence_penalty=self.presence_penalty.optional_value(),
            frequency_penalty=self.frequency_penalty.optional_value(),
            seed=self.seed.optional_value(),
            response_format="json_object" if self.json_format.isChecked() else "text",
            reasoning_effort=self.reasoning_effort.currentData(),
            verbosity=self.verbosity.currentData(),
            reasoning_summary=self.api_mode.reasoning_summary(),
            stream=self.stream.isChecked(),
        )
        trimming = TrimSettings(
            policy=self.policy.currentData(),
            limit=self.limit.optional_value(),
            max_turns=self.max_turns.value(),
            whole_turns=self.whole_turns.isChecked(),
        )
        return params, trimming

    def sizeHint(self) -> QSize:
        """As wide as the fields need (it may be made narrower: see NARROWEST)."""
        hint = super().sizeHint()
        return QSize(max(hint.width(), self._natural_width), hint.height())

    # -- internals ---------------------------------------------------------------------------
    def _group(self, title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, widget in rows:
            if text:
                label = QLabel(text, box)
                label.setBuddy(widget)
                self._labels.append(label)
                form.addRow(label, widget)
            else:
                form.addRow(widget)
        return box

    def _offer_choices(self) -> None:
        family, marks = self.family, self.marks
        efforts = marks.offered("reasoning_effort", family.reasoning_efforts)
        self._offer(self.reasoning_effort, efforts, "reasoning_effort")
        self._offer(self.verbosity, marks.offered("verbosity", family.verbosity), "verbosity")

    def _offer(self, box: QComboBox, names: tuple[str, ...], field: str) -> None:
        """The model's own values (the catalog's, those the deployment takes) only, greyed
        out when it takes none. A value chosen for another model stays in the conversation
        (the request leaves it out, `request.unsent`) and is shown greyed, not offered."""
        current = box.currentData()
        was_loading, self._loading = self._loading, True
        try:
            box.clear()
            box.addItem("Default", None)
            for name in names:
                box.addItem(name, name)
            choose(box, current)
        finally:
            self._loading = was_loading
        box.setEnabled(bool(names))
        if not names:
            box.setToolTip(
                f"{self.family.key} takes no {field}; declare the deployment's model "
                "in its connection profile if it is a reasoning model"
            )
        else:
            box.setToolTip(self._tips[box])

    def _show_default_limit(self) -> None:
        """"Default (N)": the limit the meter shows too (core/models.py, `request_limit`), for
        the reply's reserve as set (gpt-5: 272,000 prompt tokens + the reserve)."""
        family = self.family
        reserve = reply_limit(self.max_tokens.optional_value(), family) or default_reserve(family)
        self.limit.setSpecialValueText(f"Default ({family.request_limit(reserve):,})")

    def _edited(self) -> None:
        if self._loading:
            return
        self._update_enabled()
        self._update_stop_hint()
        self.marks.show(self.values()[0])
        self.changed.emit()

    def _update_enabled(self) -> None:
        fixed = self.family.fixed_sampling
        for spin, tip in self._sampling_tips.items():
            spin.setEnabled(not fixed)
            what = spin.accessibleName().lower()
            spin.setToolTip(_FIXED_TIP.format(family=self.family.key, what=what) if fixed else tip)
        policy = self.policy.currentData()
        self.max_turns.setEnabled(policy == TrimPolicy.TURNS)
        # Stopping drops nothing, so there is nothing to keep whole.
        self.whole_turns.setEnabled(policy != TrimPolicy.STOP)

    def _update_stop_hint(self) -> None:
        count = len(parse_stop(self.stop.toPlainText()))
        if count > MAX_STOP:
            text = f"{count} sequences: only the first {MAX_STOP} are sent."
        else:
            text = f"{count} of {MAX_STOP}" if count else ""
        self.stop_hint.setText(text)
        self.stop_hint.setVisible(bool(text))
