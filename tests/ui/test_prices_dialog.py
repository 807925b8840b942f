"""The Prices dialog (ui/prices_dialog.py) in the real window: prices typed as people type them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from chatdesk.core.pricing import Prices

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_a_price_typed_with_a_decimal_comma_is_taken(window):
    # Tester-66: "Cached input: '1,25' is not a number."
    window.prices_action.trigger()
    dialog = window.prices_dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.fields["input"].setText("2,50")
    dialog.fields["cached_input"].setText("1,25")
    dialog.fields["output"].setText("10")
    assert dialog.problem.text() == ""
    assert ok.isEnabled()
    dialog.accept()
    profile = window.context.connections.profile("test")
    assert profile.deployment_prices() == Prices(Decimal("2.50"), Decimal("1.25"), Decimal("10"))


def test_a_comma_that_could_group_thousands_is_asked_about(window):
    window.prices_action.trigger()
    dialog = window.prices_dialog
    dialog.fields["output"].setText("1,250")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "could be 1.250 or 1250" in dialog.problem.text()
    dialog.reject()
