"""The library's grouping rule: Today / Yesterday / Previous 7 / Previous 30 days / months."""

import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chatdesk.core.timeline import Timeline, flatten, group_entries

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(tz, *fields) -> float:
    return datetime(*fields, tzinfo=tz).timestamp()


@dataclass
class Entry:
    name: str
    last_activity: float
    pinned: bool = False


def grouped(entries, now, tz):
    groups = group_entries(
        entries, now, activity=lambda e: e.last_activity, pinned=lambda e: e.pinned, tz=tz
    )
    return [(g.label, [e.name for e in g.items]) for g in groups]


def test_new_years_day_just_after_midnight():
    now = at(BERLIN, 2026, 1, 1, 0, 10)
    line = Timeline(now, BERLIN)
    assert line.label(at(BERLIN, 2026, 1, 1, 0, 5)) == "Today"
    assert line.label(at(BERLIN, 2025, 12, 31, 23, 50)) == "Yesterday"
    assert line.label(at(BERLIN, 2025, 12, 31, 0, 0)) == "Yesterday"
    assert line.label(at(BERLIN, 2025, 12, 30, 23, 59)) == "Previous 7 days"
    assert line.label(at(BERLIN, 2025, 12, 25, 0, 0)) == "Previous 7 days"  # 7th day before
    assert line.label(at(BERLIN, 2025, 12, 24, 23, 59)) == "Previous 30 days"
    assert line.label(at(BERLIN, 2025, 12, 2, 0, 0)) == "Previous 30 days"  # 30th day before
    # Older: the month, with its year, as it is not this year's.
    assert line.label(at(BERLIN, 2025, 12, 1, 23, 59)) == "December 2025"
    assert line.label(at(BERLIN, 2025, 11, 15, 12, 0)) == "November 2025"


def test_months_of_this_year_have_no_year():
    now = at(NEW_YORK, 2026, 11, 30, 9, 0)
    line = Timeline(now, NEW_YORK)
    assert line.label(at(NEW_YORK, 2026, 10, 30, 23, 0)) == "October"
    assert line.label(at(NEW_YORK, 2026, 10, 31, 0, 0)) == "Previous 30 days"
    assert line.label(at(NEW_YORK, 2026, 3, 1, 0, 0)) == "March"
    assert line.label(at(NEW_YORK, 2025, 3, 1, 0, 0)) == "March 2025"


def test_march_first_after_a_short_february_and_a_dst_change():
    # Berlin moved its clocks on 2026-03-29; the day before today is still "Yesterday".
    now = at(BERLIN, 2026, 3, 30, 0, 30)
    line = Timeline(now, BERLIN)
    assert line.label(at(BERLIN, 2026, 3, 29, 0, 0)) == "Yesterday"
    assert line.label(at(BERLIN, 2026, 3, 28, 23, 59)) == "Previous 7 days"
    now = at(BERLIN, 2026, 3, 1, 8, 0)
    line = Timeline(now, BERLIN)
    assert line.label(at(BERLIN, 2026, 2, 28, 23, 0)) == "Yesterday"
    assert line.label(at(BERLIN, 2026, 1, 30, 0, 0)) == "Previous 30 days"  # 30 days before
    assert line.label(at(BERLIN, 2026, 1, 29, 23, 0)) == "January"


def test_the_same_moment_is_today_in_one_zone_and_yesterday_in_another():
    now = at(BERLIN, 2026, 6, 2, 3, 0)  # 21:00 on June 1st in New York
    moment = at(BERLIN, 2026, 6, 1, 23, 0)  # 17:00 on June 1st in New York
    assert Timeline(now, BERLIN).label(moment) == "Yesterday"
    assert Timeline(now, NEW_YORK).label(moment) == "Today"


def test_a_future_timestamp_counts_as_today():
    now = at(BERLIN, 2026, 6, 2, 3, 0)
    assert Timeline(now, BERLIN).label(now + 86_400 * 3) == "Today"


def test_groups_pinned_first_then_newest_first_and_no_empty_groups():
    now = at(BERLIN, 2026, 1, 2, 12, 0)
    entries = [
        Entry("old", at(BERLIN, 2025, 10, 3, 9, 0)),
        Entry("today-early", at(BERLIN, 2026, 1, 2, 8, 0)),
        Entry("pinned-old", at(BERLIN, 2024, 5, 1, 9, 0), pinned=True),
        Entry("today-late", at(BERLIN, 2026, 1, 2, 11, 0)),
        Entry("new-years-eve", at(BERLIN, 2025, 12, 31, 22, 0)),
        Entry("pinned-new", at(BERLIN, 2026, 1, 1, 9, 0), pinned=True),
        Entry("november", at(BERLIN, 2025, 11, 20, 9, 0)),
        Entry("october-later", at(BERLIN, 2025, 10, 30, 9, 0)),
    ]
    assert grouped(entries, now, BERLIN) == [
        ("Pinned", ["pinned-new", "pinned-old"]),
        ("Today", ["today-late", "today-early"]),
        ("Previous 7 days", ["new-years-eve"]),
        ("November 2025", ["november"]),
        ("October 2025", ["october-later", "old"]),
    ]
    rows = flatten(group_entries(entries[:2], now, activity=lambda e: e.last_activity, tz=BERLIN))
    assert [(label, e.name if e else None) for label, e in rows] == [
        ("Today", None), ("Today", "today-early"), ("October 2025", None), ("October 2025", "old"),
    ]


def test_empty_library_has_no_groups():
    assert group_entries([], time.time(), activity=lambda e: e) == []


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="time.tzset is POSIX only")
def test_without_tz_the_local_time_zone_is_used(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        tokyo = ZoneInfo("Asia/Tokyo")
        now = at(tokyo, 2026, 7, 1, 0, 30)
        assert Timeline(now).label(at(tokyo, 2026, 6, 30, 23, 0)) == "Yesterday"
        assert Timeline(now).label(at(tokyo, 2026, 5, 31, 23, 0)) == "May"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_ten_thousand_entries_group_quickly():
    now = at(BERLIN, 2026, 11, 30, 12, 0)
    entries = [Entry(str(i), now - i * 3_600.0, pinned=i % 997 == 0) for i in range(10_000)]
    start = time.perf_counter()
    groups = group_entries(
        entries, now, activity=lambda e: e.last_activity, pinned=lambda e: e.pinned, tz=BERLIN
    )
    elapsed = time.perf_counter() - start
    assert sum(len(g.items) for g in groups) == 10_000
    assert groups[0].label == "Pinned"
    assert len(groups[0].items) == 11
    assert elapsed < 0.5  # a few ms on a quiet machine; generous for a loaded one
