"""Deployment prices (Chat → Deployment prices…): what one deployment costs per 1M tokens.

Empty fields mean "not set"; with input and output set, replies and the meter show costs. The
numbers are read by the core's `parse_price` (its message names a bad field); nothing is saved
while one is wrong.
"""

from __future__ import annotations

from chatdesk.core.pricing import PriceError, Prices, parse_price
from chatdesk.ui.palette import tones_of
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

FIELDS = (
    ("input", "Input"),
    ("cached_input", "Cached input"),
    ("output", "Output"),
)


class PricesDialog(QDialog):
    """Edits the prices of `deployment`; `prices()` after it was accepted."""

    def __init__(
        self, deployment: str, prices: Prices | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Prices of {deployment}")
        self.setAccessibleName("Deployment prices")
        intro = QLabel(
            f"What the deployment <b>{deployment}</b> costs, in US dollars per 1M tokens, as "
            "your Azure price sheet lists it. Leave empty to show no costs; cached input "
            "defaults to the input price.",
            self,
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, label in FIELDS:
            edit = QLineEdit(self)
            edit.setAccessibleName(f"{label} price")
            edit.setPlaceholderText("not set")
            value = getattr(prices, key) if prices is not None else None
            edit.setText("" if value is None else format(value, "f"))
            edit.textChanged.connect(self._check)
            self.fields[key] = edit
            form.addRow(f"{label} ($ / 1M tokens)", edit)
        self.problem = QLabel(self)
        self.problem.setAccessibleName("Problem")
        self.problem.setStyleSheet(f"color: {tones_of(self.palette()).error};")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self._check()

    def prices(self) -> Prices:
        """The prices as entered; PriceError if one is not a price."""
        values = {key: parse_price(edit.text(), label) for (key, label), edit in
                  zip(FIELDS, self.fields.values(), strict=True)}  # fmt: skip
        return Prices(**values)

    def _check(self) -> None:
        try:
            self.prices()
        except PriceError as exc:
            self.problem.setText(f"{exc}.")
            ok = False
        else:
            self.problem.setText("")
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
