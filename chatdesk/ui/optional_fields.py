"""Editors whose first value, "Default", means unset: the request leaves the field to the
model (spin boxes for numbers, combo boxes for the API's value names)."""

from __future__ import annotations

from chatdesk.ui.qt.widgets import QComboBox, QDoubleSpinBox, QSpinBox, QWidget


class OptionalDouble(QDoubleSpinBox):
    """A float spin box whose lowest value, one step below the real range, means "Default"."""

    def __init__(self, low: float, high: float, step: float, parent: QWidget) -> None:
        super().__init__(parent)
        self.low = low
        self.setDecimals(2)
        self.setSingleStep(step)
        self.setRange(low - step, high)
        self.setSpecialValueText("Default")
        self.setValue(self.minimum())

    def optional_value(self) -> float | None:
        value = self.value()
        # Anything below the real range (typed, not stepped to) also means unset.
        return None if value < self.low else round(value, self.decimals())

    def set_optional_value(self, value: float | None) -> None:
        self.setValue(self.minimum() if value is None else value)


class OptionalInt(QSpinBox):
    """An int spin box whose minimum means "Default" (its text can name the default)."""

    def __init__(self, low: int, high: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.low = low
        self.setRange(low - 1, high)
        self.setSpecialValueText("Default")
        self.setGroupSeparatorShown(True)
        self.setValue(self.minimum())

    def optional_value(self) -> int | None:
        value = self.value()
        return None if value < self.low else value

    def set_optional_value(self, value: int | None) -> None:
        self.setValue(self.minimum() if value is None else value)


def choices(names: tuple[str, ...], parent: QWidget) -> QComboBox:
    """A combo box of "Default" (None: left to the model) and the API's value names."""
    box = QComboBox(parent)
    box.addItem("Default", None)
    for name in names:
        box.addItem(name, name)
    return box


def choose(box: QComboBox, value: str | None) -> None:
    """Select `value` in a `choices` box; a value it does not list is added, so it is kept."""
    index = box.findData(value)
    if index < 0 and value is not None:  # a value a newer model takes: shown, kept as it is
        box.addItem(value, value)
        index = box.count() - 1
    box.setCurrentIndex(max(index, 0))
