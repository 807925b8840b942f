"""The library's groups: Pinned, Today, Yesterday, Previous 7 days, Previous 30 days, then
one group per month, newest activity first within each.

Days are calendar days in the local time zone (or `tz`), as a reader of the sidebar counts
them: a chat from 23:50 yesterday is "Yesterday" at 00:10 today. "Previous 7 days" holds the
2nd to 7th days before today, "Previous 30 days" the 8th to 30th, and older activity its month
("October" in the current year, "December 2025" before it). Activity stamped in the future
(another machine's clock) counts as today.

Cost: one comparison per entry, and a local-time conversion only for the ones older than 30
days; the sort is O(n log n). 10,000 entries group in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")

PINNED = "Pinned"
TODAY = "Today"
YESTERDAY = "Yesterday"
PREVIOUS_7 = "Previous 7 days"
PREVIOUS_30 = "Previous 30 days"
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip  (not strftime's %B: the C locale's names whatever the machine's locale)


class Group(msgspec.Struct, Generic[T]):
    """One heading of the sidebar and its entries, newest activity first."""

    label: str
    items: list[T] = msgspec.field(default_factory=list)


def _midnight(day: date, tz: tzinfo | None) -> float:
    """The epoch seconds at which `day` starts in `tz` (local time when None); a DST change
    is taken into account by the conversion."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def month_label(year: int, month: int, this_year: int) -> str:
    name = MONTHS[month - 1]
    return name if year == this_year else f"{name} {year}"


class Timeline:
    """Labels epoch timestamps relative to one moment `now` (epoch seconds) in `tz`."""

    def __init__(self, now: float, tz: tzinfo | None = None) -> None:
        self.tz = tz
        today = datetime.fromtimestamp(now, tz).date()
        self.this_year = today.year
        self.day_end = _midnight(today + timedelta(days=1), tz)  # when these labels go stale
        self._bounds = [
            (_midnight(today, tz), TODAY),
            (_midnight(today - timedelta(days=1), tz), YESTERDAY),
            (_midnight(today - timedelta(days=7), tz), PREVIOUS_7),
            (_midnight(today - timedelta(days=30), tz), PREVIOUS_30),
        ]

    def label(self, timestamp: float) -> str:
        """The group `timestamp` (epoch seconds) falls in."""
        for start, label in self._bounds:
            if timestamp >= start:
                return label
        when = datetime.fromtimestamp(timestamp, self.tz)
        return month_label(when.year, when.month, self.this_year)


def group_entries(
    entries: Iterable[T],
    now: float,
    *,
    activity: Callable[[T], float],
    pinned: Callable[[T], bool] = lambda _entry: False,
    tz: tzinfo | None = None,
) -> list[Group[T]]:
    """`entries` in sidebar order: the pinned ones first (a "Pinned" group), then the rest by
    `Timeline` label; newest `activity` (epoch seconds) first within each group, and groups
    in time order. Empty groups are left out."""
    ordered = sorted(entries, key=activity, reverse=True)
    timeline = Timeline(now, tz)
    top: Group[T] = Group(PINNED)
    groups: list[Group[T]] = []
    for entry in ordered:
        if pinned(entry):
            top.items.append(entry)
            continue
        label = timeline.label(activity(entry))
        if not groups or groups[-1].label != label:  # sorted: a label never comes back
            groups.append(Group(label))
        groups[-1].items.append(entry)
    return ([top] if top.items else []) + groups


def flatten(groups: Sequence[Group[T]]) -> list[tuple[str, T | None]]:
    """Groups as list rows: `(label, None)` for each heading, then `(label, entry)` per entry."""
    rows: list[tuple[str, T | None]] = []
    for group in groups:
        rows.append((group.label, None))
        rows.extend((group.label, item) for item in group.items)
    return rows
