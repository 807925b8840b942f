"""The Preferences dialog (Ctrl+,): sending, theme, font size and zoom, new-conversation defaults.

It only shows and collects values (`values()`); the window applies them (live, as they change,
through `changed`) and keeps or restores them when the dialog is accepted or cancelled.
"""

from __future__ import annotations

import msgspec

from chatdesk.core.params_check import RANGES
from chatdesk.core.preferences import (
    FONT_SIZES,
    ZOOM_STEPS,
    NewConversationDefaults,
    Theme,
)
from chatdesk.ui.params_panel import OptionalDouble, OptionalInt
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

THEME_LABELS: dict[Theme, str] = {
    Theme.SYSTEM: "Follow the system",
    Theme.LIGHT: "Light",
    Theme.DARK: "Dark",
}
# None: the profile Connections marks "(default)" ("Use for new conversations"); nothing
# records which profile was used last, so the label says what New really picks.
DEFAULT_PROFILE = "The default profile (Connections)"


class PreferenceValues(msgspec.Struct):
    """What the dialog holds: the Preferences part of the settings."""

    enter_sends: bool
    theme: Theme
    font_size: int
    zoom: int
    new_conversation: NewConversationDefaults


class FontSizeBox(QSpinBox):
    """Points, or "System default" (its lowest value). Stepping from the system default
    starts at the system's own size (`system_size`), not at the smallest size there is."""

    system_size = 0  # points; 0: unknown

    def stepBy(self, steps: int) -> None:
        size = self.system_size
        if self.value() == self.minimum() and size in FONT_SIZES and steps:
            self.setValue(size + steps)  # up: one bigger than the system's; down: smaller
            return
        super().stepBy(steps)


class PreferencesDialog(QDialog):
    """Signals: changed() after any edit (the window applies it at once)."""

    changed = Signal()

    def __init__(
        self,
        values: PreferenceValues,
        profiles: list[str],
        parent: QWidget | None = None,
        *,
        system_font_size: int = 0,
        profile_note: str | None = None,
    ) -> None:
        """`system_font_size`: the messages' size in points with no size chosen (where the
        font size's arrows start from "System default"). `profile_note`: why the connection
        shown for new conversations is not the one the settings named (it is gone)."""
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setAccessibleName("Preferences")

        self.enter_sends = QRadioButton("Enter sends, Shift+Enter adds a line", self)
        self.shift_sends = QRadioButton("Shift+Enter sends, Enter adds a line", self)
        for button in (self.enter_sends, self.shift_sends):
            button.setAccessibleName(button.text())
        sending = QGroupBox("Sending", self)
        sending_column = QVBoxLayout(sending)
        sending_column.addWidget(self.enter_sends)
        sending_column.addWidget(self.shift_sends)
        ctrl_note = "Ctrl+Enter always sends."
        sending.setToolTip(ctrl_note)

        self.theme = QComboBox(self)
        self.theme.setAccessibleName("Theme")
        for theme, label in THEME_LABELS.items():
            self.theme.addItem(label, theme)
        self.font_size = FontSizeBox(self)
        self.font_size.setAccessibleName("Font size")
        self.font_size.setRange(FONT_SIZES.start - 1, FONT_SIZES.stop - 1)
        self.font_size.setSpecialValueText("System default")
        self.font_size.setSuffix(" pt")
        self.font_size.system_size = system_font_size
        self.zoom = QComboBox(self)
        self.zoom.setAccessibleName("Zoom")
        self.zoom.setToolTip("Ctrl+= zooms in, Ctrl+- out, Ctrl+0 back to 100 %")
        for step in ZOOM_STEPS:
            self.zoom.addItem(f"{step} %", step)
        looks = QGroupBox("Appearance", self)
        looks_form = QFormLayout(looks)
        looks_form.addRow("Theme", self.theme)
        looks_form.addRow("Message font size", self.font_size)
        looks_form.addRow("Zoom", self.zoom)

        self.copy_current = QCheckBox(
            "Copy the current conversation's prompt, examples and parameters", self
        )
        self.copy_current.setAccessibleName("Copy the current conversation")
        self.prompt = QPlainTextEdit(self)
        self.prompt.setAccessibleName("Default system prompt")
        self.prompt.setTabChangesFocus(True)
        self.prompt.setMaximumHeight(90)
        self.profile = QComboBox(self)
        self.profile.setAccessibleName("Default connection")
        self.profile.addItem(DEFAULT_PROFILE, None)
        for name in profiles:
            self.profile.addItem(name, name)
        low, high, _ = RANGES["temperature"]
        self.temperature = OptionalDouble(low or 0.0, high or 2.0, 0.1, self)
        self.temperature.setAccessibleName("Default temperature")
        self.max_tokens = OptionalInt(1, 1_000_000, self)
        self.max_tokens.setAccessibleName("Default max response tokens")
        new = QGroupBox("New conversations (Ctrl+N)", self)
        new_form = QFormLayout(new)
        new_form.addRow(self.copy_current)
        new_form.addRow("System prompt", self.prompt)
        new_form.addRow("Connection", self.profile)
        self.profile_note = QLabel(profile_note or "", self)
        self.profile_note.setAccessibleName("Connection note")
        self.profile_note.setWordWrap(True)
        self.profile_note.setVisible(bool(profile_note))
        new_form.addRow("", self.profile_note)
        # Said until another connection is chosen.
        self.profile.currentIndexChanged.connect(lambda _: self.profile_note.hide())
        new_form.addRow("Temperature", self.temperature)
        new_form.addRow("Max response tokens", self.max_tokens)
        self._new_fields: list[QWidget] = [
            self.prompt, self.profile, self.temperature, self.max_tokens,
        ]  # fmt: skip

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        for part in (sending, looks, new):
            column.addWidget(part)
        column.addWidget(buttons)

        self._params = dict(values.new_conversation.params)  # the ones not shown are kept
        self.set_values(values)
        for signal in (
            self.enter_sends.toggled, self.theme.currentIndexChanged,
            self.font_size.valueChanged, self.zoom.currentIndexChanged,
            self.copy_current.toggled, self.prompt.textChanged,
            self.profile.currentIndexChanged, self.temperature.valueChanged,
            self.max_tokens.valueChanged,
        ):  # fmt: skip
            signal.connect(self._edited)

    def set_values(self, values: PreferenceValues) -> None:
        widgets = (self.enter_sends, self.shift_sends, self.theme, self.font_size, self.zoom,
                   self.copy_current, self.prompt, self.profile, self.temperature,
                   self.max_tokens)  # fmt: skip
        for widget in widgets:
            widget.blockSignals(True)
        (self.enter_sends if values.enter_sends else self.shift_sends).setChecked(True)
        self.theme.setCurrentIndex(max(self.theme.findData(values.theme), 0))
        self.font_size.setValue(values.font_size or self.font_size.minimum())
        nearest = min(ZOOM_STEPS, key=lambda step: abs(step - values.zoom))
        self.zoom.setCurrentIndex(self.zoom.findData(nearest))
        new = values.new_conversation
        self.copy_current.setChecked(new.copy_current)
        self.prompt.setPlainText(new.system_prompt)
        self.profile.setCurrentIndex(max(self.profile.findData(new.profile), 0))
        self.temperature.set_optional_value(new.params.get("temperature"))
        max_tokens = new.params.get("max_tokens")
        self.max_tokens.set_optional_value(int(max_tokens) if max_tokens is not None else None)
        for widget in widgets:
            widget.blockSignals(False)
        self._update_enabled()

    def values(self) -> PreferenceValues:
        params = dict(self._params)
        for key, value in (
            ("temperature", self.temperature.optional_value()),
            ("max_tokens", self.max_tokens.optional_value()),
        ):
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        font_size = self.font_size.value()
        return PreferenceValues(
            enter_sends=self.enter_sends.isChecked(),
            theme=self.theme.currentData(),
            font_size=0 if font_size < FONT_SIZES.start else font_size,
            zoom=self.zoom.currentData(),
            new_conversation=NewConversationDefaults(
                copy_current=self.copy_current.isChecked(),
                system_prompt=self.prompt.toPlainText(),
                params=params,
                profile=self.profile.currentData(),
            ),
        )

    def _edited(self) -> None:
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        # A copy of the current conversation does not use the defaults below it.
        for widget in self._new_fields:
            widget.setEnabled(not self.copy_current.isChecked())
