"""The session that comes back: which conversations were open, the selected one, and each
one's draft and scroll position, kept in `session.json` in the data folder.

It is a convenience, never a source of truth: the conversations live in their files (and the
recovery folder keeps what was not written yet). So a missing, unreadable or malformed state
file reads as "nothing was open", an entry whose file is gone is skipped by the caller with
no message, and writes are atomic (`core/atomic.py`), so a crash mid-write leaves the last
state. A conversation that has no file yet is not kept here (recovery keeps it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from chatdesk.core.atomic import atomic_write_text
from chatdesk.core.paths import data_dir

STATE_VERSION = 1
MAX_STATE_BYTES = 4 * 1024 * 1024  # drafts included; a bigger file is not ours to read


class ScrollAnchor(msgspec.Struct, frozen=True):
    """Where the transcript was: the history index of the message at the top of the view and
    how many pixels of it were scrolled past, or `at_end` (following the newest message).
    Kept as a message and an offset, not a scroll bar value: it means the same after the
    window changes width."""

    index: int = 0
    offset: int = 0
    at_end: bool = True


class OpenConversation(msgspec.Struct):
    """One conversation of the session, by its file (a library file or the user's own)."""

    path: str
    draft: str | None = ""  # None: the file's own draft
    scroll: ScrollAnchor = msgspec.field(default_factory=ScrollAnchor)


class SessionState(msgspec.Struct):
    conversations: list[OpenConversation] = msgspec.field(default_factory=list)
    selected: int = 0  # index into `conversations`
    # Written as the window closed properly (its last write), not while it ran: a recovery
    # copy older than such a state was not left by a crash of that run (core/recovery.py).
    closed: bool = False
    # When the state file was written (its mtime, ns); None: unknown. Not part of the state.
    written_ns: int | None = None

    def __eq__(self, other: object) -> bool:  # what was open and selected; not how it was saved
        if not isinstance(other, SessionState):
            return False
        return (self.conversations, self.selected) == (other.conversations, other.selected)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq would be

    def draft_to_open(self, item: OpenConversation) -> str | None:
        """The draft `item`'s conversation opens with: the one kept here, unless its file was
        written after this state was (None: the file's own, the newer). The state is written
        when the open conversations change, not as one types, while a library conversation's
        file is written a second after each change, its draft included: after a kill the file
        holds the draft typed last, and this state an older one."""
        if item.draft is None or self.written_ns is None:
            return item.draft
        try:
            newer = Path(item.path).stat().st_mtime_ns > self.written_ns
        except OSError:  # gone: the caller skips it
            return item.draft
        return None if newer else item.draft


def state_path() -> Path:
    return data_dir() / "session.json"


def state_to_json(state: SessionState) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "selected": state.selected,
        "closed": state.closed,
        "conversations": [
            {
                "path": item.path,
                "draft": item.draft,
                "scroll": {
                    "index": item.scroll.index,
                    "offset": item.scroll.offset,
                    "at_end": item.scroll.at_end,
                },
            }
            for item in state.conversations
        ],
    }


def _int(value: Any, default: int = 0) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return value if whole and value >= 0 else default


def state_from_json(doc: Any) -> SessionState:
    """The state a document describes; whatever is malformed in it is left out."""
    if not isinstance(doc, dict) or doc.get("version") != STATE_VERSION:
        return SessionState()
    items = doc.get("conversations")
    conversations = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        draft = item.get("draft")
        raw_scroll = item.get("scroll")
        scroll: dict[str, Any] = raw_scroll if isinstance(raw_scroll, dict) else {}
        anchor = ScrollAnchor(
            _int(scroll.get("index")), _int(scroll.get("offset")), scroll.get("at_end") is not False
        )
        conversations.append(
            OpenConversation(item["path"], draft if isinstance(draft, str) else None, anchor)
        )
    selected = _int(doc.get("selected"))
    state = SessionState(conversations, selected if selected < len(conversations) else 0)
    state.closed = doc.get("closed") is True
    return state


def load_session_state(path: Path | None = None) -> SessionState:
    """The last session, or an empty one when there is none or it cannot be read. Never raises."""
    target = path or state_path()
    try:
        if not target.is_file() or target.stat().st_size > MAX_STATE_BYTES:
            return SessionState()
        written_ns = target.stat().st_mtime_ns
        doc = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return SessionState()
    state = state_from_json(doc)
    state.written_ns = written_ns
    return state


def save_session_state(state: SessionState, path: Path | None = None) -> None:
    """Write the state atomically. Raises OSError (the previous state stays as it was)."""
    text = json.dumps(state_to_json(state), ensure_ascii=False, indent=1)
    atomic_write_text(path or state_path(), text)
