"""Prices as people type them (core/pricing.py `parse_price`): a decimal comma is a decimal
mark, thousands marks are dropped, and a comma that could be either is asked about."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chatdesk.core.pricing import PriceError, parse_price


@pytest.mark.parametrize(
    ("typed", "price"),
    [
        ("1,25", Decimal("1.25")),  # the tester's input (tester-66)
        ("0,125", Decimal("0.125")),  # a leading 0 groups no thousands
        ("$2,5", Decimal("2.5")),
        ("1.234,50", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("1.000,5", Decimal("1000.5")),
        ("2.50", Decimal("2.50")),
    ],
)
def test_a_decimal_comma_is_read_as_a_decimal_mark(typed, price):
    assert parse_price(typed, "Cached input") == price


def test_a_comma_that_could_group_thousands_is_asked_about():
    with pytest.raises(PriceError, match=r"Input: '1,250' could be 1\.250 or 1250"):
        parse_price("1,250", "Input")


def test_what_is_not_a_number_is_still_refused():
    with pytest.raises(PriceError, match="'1,2,x' is not a number"):
        parse_price("1,2,x", "Output")
    with pytest.raises(PriceError, match="is not a number"):
        parse_price(",", "Output")
