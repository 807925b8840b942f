"""The sidebar's list models: the library grouped by activity, and the results of a search.

Both are flat `QAbstractListModel`s painted by one delegate (`library_view`): no widget per row,
so 10,000 conversations cost 10,000 small Python objects, one sort and one grouping
(`core/timeline.py`), and a view that lays out only what it shows (uniform row heights).
A change to the library replaces the rows in one reset; the selection is kept by id.
"""

from __future__ import annotations

import enum
import functools
import time
from typing import TYPE_CHECKING, Any

import msgspec

from chatdesk.ui import roles
from chatdesk.ui.qt.core import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

if TYPE_CHECKING:
    from chatdesk.core.library import LibraryEntry
    from chatdesk.core.library_search import SearchHit, SearchPage
    from chatdesk.core.timeline import Timeline
    from chatdesk.ui.qt.core import Qt

_Index = QModelIndex | QPersistentModelIndex
OPEN_FILES = "Open files"


class Kind(enum.Enum):
    HEADING = "heading"  # a group's label: Pinned, Today, ..., a month
    ENTRY = "entry"  # a conversation
    BROKEN = "broken"  # a file that cannot be read: its name and the error
    HIT = "hit"  # a search result: title, snippet, highlights
    FILE = "file"  # an open conversation outside the library (the user's own file, or unsaved)


class Roles(enum.IntEnum):
    Kind = roles.USER + 1
    Entry = enum.auto()  # the LibraryEntry (None for a heading or a hit)
    Id = enum.auto()  # the conversation id (None for a heading)
    Pinned = enum.auto()
    Error = enum.auto()
    Hit = enum.auto()  # the SearchHit
    Open = enum.auto()  # the conversation is open in this window
    Session = enum.auto()  # a FILE row's index into the window's open conversations


class Row(msgspec.Struct, frozen=True):
    kind: Kind
    label: str
    entry: LibraryEntry | None = None
    hit: SearchHit | None = None
    session: int | None = None  # a FILE row's open conversation (its index in the window)
    tooltip: str = ""
    group: str = ""  # the heading a library row is under

    @property
    def id(self) -> str | None:
        if self.entry is not None:
            return self.entry.id
        return self.hit.conversation_id if self.hit is not None else None


OTHER_VERSION = "another version"  # a result found in a version of a turn not shown


def hit_note(hit: SearchHit, lead: str = "", between: str = " · ") -> str:
    """What a result's title line adds: "another version" when its snippet is of a version of
    the turn that is not shown (Regenerate or an edit kept it), "+2 more" when two more of its
    messages match; "" for neither."""
    notes = [OTHER_VERSION] if hit.other_version else []
    if more := more_text(hit):
        notes.append(more)
    return lead + between.join(notes) if notes else ""


def hit_note_forms(hit: SearchHit) -> list[str]:
    """`hit_note`'s forms for the sidebar's row, longest first: the whole note, then (when it
    has both parts) its first alone, for a row too narrow for both. [] for no note."""
    whole = hit_note(hit)
    if not whole:
        return []
    first = OTHER_VERSION if hit.other_version else whole
    return [whole] if first == whole else [whole, first]


def more_text(hit: SearchHit, lead: str = "") -> str:
    """"+2 more" for a conversation with two more matching messages; "" for none."""
    from chatdesk.core.library_search import COUNT_CAP  # sqlite3: not at start-up

    if not hit.more:
        return ""
    cap = "+" if hit.more >= COUNT_CAP - 1 else ""
    return f"{lead}+{hit.more}{cap} more"


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds > 0 else "unknown"


def _hit_tooltip(hit: SearchHit) -> str:
    if not hit.other_version:
        return f"{hit.title}\n{hit.snippet}"
    return f"{hit.title}\n{hit.snippet}\nIn {OTHER_VERSION} of this turn: opening it shows that one"


def entry_tooltip(entry: LibraryEntry) -> str:
    if entry.error:
        return f"{entry.title}\n{entry.error}"
    count = f"{entry.messages} message{'s' if entry.messages != 1 else ''}"
    return f"{entry.title}\nLast activity {_when(entry.last_activity)} · {count}"


class _RowsModel(QAbstractListModel):
    """Rows of `Row`; subclasses fill them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self.open_ids: set[str] = set()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, id: str) -> int:
        """The row of conversation `id` (its first, for search hits); -1 if none."""
        for row, item in enumerate(self._rows):
            if item.id == id:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = roles.DISPLAY) -> Any:
        item = self.row_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role in (roles.DISPLAY, roles.EDIT):
            return item.label
        if role == Roles.Kind:
            return item.kind
        if role == Roles.Entry:
            return item.entry
        if role == Roles.Hit:
            return item.hit
        if role == Roles.Id:
            return item.id
        if role == Roles.Pinned:
            return bool(item.entry and item.entry.pinned)
        if role == Roles.Error:
            return item.entry.error if item.entry else None
        if role == Roles.Open:
            return item.kind is Kind.FILE or item.id in self.open_ids
        if role == Roles.Session:
            return item.session
        if role == roles.TOOLTIP:
            if item.kind is Kind.FILE:
                return item.tooltip
            if item.entry is not None:
                return entry_tooltip(item.entry)
            return _hit_tooltip(item.hit) if item.hit is not None else None
        if role == roles.ACCESSIBLE_TEXT:
            return self._spoken(item)
        return None

    @staticmethod
    def _spoken(item: Row) -> str:
        if item.kind is Kind.HEADING:
            return f"{item.label}, group"
        if item.kind is Kind.BROKEN and item.entry is not None:
            return f"{item.label}, cannot be opened: {item.entry.error}"
        if item.hit is not None:
            return f"{item.hit.title}: {item.hit.snippet}{hit_note(item.hit, ', ', ', ')}"
        pinned = ", pinned" if item.entry and item.entry.pinned else ""
        return f"{item.label}{pinned}"

    def flags(self, index: _Index) -> Qt.ItemFlag:
        item = self.row_at(index.row()) if index.isValid() else None
        return _flags(None if item is None else item.kind)

    def set_open(self, ids: set[str]) -> None:
        """Which conversations are open in the window (shown in bold)."""
        if ids != self.open_ids:
            self.open_ids = set(ids)
            if self._rows:
                self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Roles.Open])


class LibraryModel(_RowsModel):
    """The library as the sidebar lists it: headings and conversations.

    Signals: renameRequested(str id, str title) when a row is edited in place (F2); the
    library does the renaming, and the new title arrives with the next `set_entries`.
    """

    renameRequested = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[LibraryEntry] = []
        self.files: list[tuple[str, str]] = []
        self._now: float | None = None
        self._timeline: Timeline | None = None  # the groups' day, for `put_entry`

    def set_files(self, files: list[tuple[str, str]]) -> None:
        """The open conversations outside the library, as (name, tooltip) in the window's
        order: listed first, under "Open files"."""
        if files != self.files:
            self.files = list(files)
            self.set_entries(self.entries, self._now)

    def set_entries(self, entries: list[LibraryEntry], now: float | None = None) -> None:
        """Show `entries`, grouped as of `now` (epoch seconds; default: the time now)."""
        from chatdesk.core.timeline import Timeline, flatten, group_entries  # not at start-up

        self._now = now
        moment = time.time() if now is None else now
        self._timeline = Timeline(moment)
        groups = group_entries(
            entries, moment, activity=lambda e: e.last_activity, pinned=lambda e: e.pinned
        )
        rows = [Row(Kind.HEADING, OPEN_FILES)] if self.files else []
        rows += [
            Row(Kind.FILE, name, session=n, tooltip=tip) for n, (name, tip) in enumerate(self.files)
        ]
        for label, entry in flatten(groups):
            if entry is None:
                rows.append(Row(Kind.HEADING, label, group=label))
            else:
                rows.append(self._entry_row(entry, label))
        self.beginResetModel()
        self.entries = list(entries)
        self._rows = rows
        self.endResetModel()

    def put_entry(self, entry: LibraryEntry) -> bool:
        """Show `entry` (a conversation just written) in its place: its one row replaced,
        or moved, or inserted with its group's heading, without listing the others again.
        Costs a scan to the row's old and new places (near the top after a reply). Whether
        rows moved (False: the row was changed where it is)."""
        from chatdesk.core.timeline import PINNED

        timeline = self._timeline
        if timeline is None or (self._now is None and time.time() >= timeline.day_end):
            self._replace_entry(entry)  # a new day: every group may have moved
            return True
        label = PINNED if entry.pinned else timeline.label(entry.last_activity)
        old = self.row_of(entry.id)
        if old >= 0 and self._fits(old, entry, label):
            self._rows[old] = self._entry_row(entry, label)
            self._set_entry(entry)
            self.dataChanged.emit(self.index(old), self.index(old))
            return False
        if old >= 0:
            self._remove_row(old)
        self._insert_row(entry, label)
        self._set_entry(entry)
        return True

    def _replace_entry(self, entry: LibraryEntry) -> None:
        entries = [e for e in self.entries if e.id != entry.id]
        self.set_entries([entry, *entries], self._now)

    def _set_entry(self, entry: LibraryEntry) -> None:
        for n, known in enumerate(self.entries):
            if known.id == entry.id:
                self.entries[n] = entry
                return
        self.entries.insert(0, entry)

    @staticmethod
    def _entry_row(entry: LibraryEntry, label: str) -> Row:
        kind = Kind.BROKEN if entry.error else Kind.ENTRY
        return Row(kind, " ".join(entry.title.split()) or "?", entry, group=label)

    def _fits(self, row: int, entry: LibraryEntry, label: str) -> bool:
        """Whether `entry` may take row `row`: same group, and still between its neighbours."""
        if self._rows[row].group != label:
            return False
        before, after = self.row_at(row - 1), self.row_at(row + 1)
        key = _order(entry)
        return (before is None or before.entry is None or _order(before.entry) >= key) and (
            after is None or after.entry is None or after.group != label
            or _order(after.entry) <= key
        )  # fmt: skip

    def _remove_row(self, row: int) -> None:
        """Take row `row` away, and its heading when it was the group's only entry."""
        first = row
        above, below = self.row_at(row - 1), self.row_at(row + 1)
        if above is not None and above.kind is Kind.HEADING and (below is None or
                                                                  below.entry is None):
            first = row - 1  # fmt: skip
        self.beginRemoveRows(QModelIndex(), first, row)
        del self._rows[first : row + 1]
        self.endRemoveRows()

    def _insert_row(self, entry: LibraryEntry, label: str) -> None:
        """Insert `entry` where the sort puts it, with a heading when it starts its group."""
        key = _order(entry)
        later = (n for n, item in enumerate(self._rows)
                 if item.entry is not None and _order(item.entry) < key)  # fmt: skip
        at = next(later, len(self._rows))
        previous = next((n for n in range(at - 1, -1, -1) if self._rows[n].entry is not None), -1)
        rows = [self._entry_row(entry, label)]
        if previous >= 0 and self._rows[previous].group == label:
            at = previous + 1  # after the last one of its group that comes before it
        elif (nxt := self.row_at(at)) is not None and nxt.entry is not None and nxt.group == label:
            pass  # the first of its group: right under the heading, which is at `at - 1`
        else:  # a group of its own, where the next group's heading (or the end) is
            if previous >= 0:
                at = previous + 1
            elif (above := self.row_at(at - 1)) is not None and above.kind is Kind.HEADING:
                at -= 1
            rows.insert(0, Row(Kind.HEADING, label, group=label))
        self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
        self._rows[at:at] = rows
        self.endInsertRows()

    def setData(self, index: _Index, value: Any, role: int = roles.EDIT) -> bool:
        item = self.row_at(index.row()) if index.isValid() else None
        if role != roles.EDIT or item is None or item.entry is None:
            return False
        title = " ".join(str(value).split())
        if title != item.label:
            self.renameRequested.emit(item.entry.id, title)
        return True


class SearchModel(_RowsModel):
    """The results of a search, one row per conversation, latest activity first (the list's
    order without the pins), a page at a time: the view asks for the next page
    (`fetchMore`) when it is scrolled to the end.

    Signals: moreRequested(str query, object after: int) for the page after the shown ones
    (a rowid: more than 32 bits, hence object).
    """

    moreRequested = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query = ""
        self.after: int | None = None  # where the next page starts; None: there is none
        self._asked = False  # the next page is on its way

    def set_page(self, query: str, page: SearchPage) -> None:
        """Show the first page of `query`'s results."""
        self.beginResetModel()
        self.query = query
        self._rows = [Row(Kind.HIT, hit.title, hit=hit) for hit in page.hits]
        self.after, self._asked = page.after, False
        self.endResetModel()

    def add_page(self, query: str, page: SearchPage) -> None:
        """Add the next page of `query`'s results (dropped when the query changed)."""
        if query != self.query:
            return
        self._asked = False
        self.after = page.after
        if page.hits:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.hits) - 1)
            self._rows += [Row(Kind.HIT, hit.title, hit=hit) for hit in page.hits]
            self.endInsertRows()

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.after is not None and not self._asked

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._asked = True
            self.moreRequested.emit(self.query, self.after)


def _order(entry: LibraryEntry) -> tuple[bool, float, str]:
    """The sidebar's order, largest first: pinned, then newest activity (as the index lists)."""
    return (entry.pinned, entry.last_activity, entry.id)


@functools.cache
def _flags(kind: Kind | None) -> Qt.ItemFlag:
    """A row's flags by its kind, made once: Qt asks for them on every paint and selection
    check, and or-ing Python enum flags costs ~5 µs each time."""
    if kind is None or kind is Kind.HEADING:
        return Qt.ItemFlag.NoItemFlags
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if kind is Kind.ENTRY:
        flags |= Qt.ItemFlag.ItemIsEditable
    return flags
