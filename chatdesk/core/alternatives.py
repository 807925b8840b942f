"""Versions of a turn: what Regenerate and edit-and-resend keep, and flipping between them.

Regenerate replaces a reply, and edit-and-resend a question with its replies; the history from
that message on is one version of the turn, and the earlier ones are kept. The first message
of the version shown holds them all in `meta.alternatives`:

    {"shown": 1, "versions": [[{"role": "assistant", "content": "first try", ...}], null]}

each version the history from that point on, in the file's shape (`Message.to_raw`), the slot of
the version shown null (its messages are the history itself). The version shown is the one the
next request sends; the others are never sent or counted. A file without the field reads as
before. Flipping replaces history[index:] in one change, so the token ledger recounts from there
only, and no message is built before it is shown.
"""

from __future__ import annotations

from typing import Any

from chatdesk.core.messages import Message, RawMessage, parts_text

Versions = dict[str, Any]  # {"shown": int, "versions": [list[RawMessage] | None, ...]}


def position(message: Message) -> tuple[int, int] | None:
    """(the version shown, from 1; how many versions) for a message that has alternatives."""
    alternatives = message.meta.alternatives
    if not alternatives:
        return None
    return alternatives["shown"] + 1, len(alternatives["versions"])


def _stored(tail: list[Message]) -> list[RawMessage]:
    """A version as the alternatives keep it: its messages in the file's shape, the first
    without the alternatives it held while shown."""
    raw = [message.to_raw() for message in tail]
    meta = raw[0].get("metadata")
    if meta and "alternatives" in meta:
        raw[0]["metadata"] = {k: v for k, v in meta.items() if k != "alternatives"}
    return raw


def after_replacing(old: list[Message]) -> Versions | None:
    """The alternatives for the first message of a new version, given the history it replaced
    (`old`, from the same index on): the old versions, this one last and shown. None when
    nothing was replaced."""
    if not old:
        return None
    held = old[0].meta.alternatives
    versions: list[Any] = list(held["versions"]) if held else [None]
    versions[held["shown"] if held else 0] = _stored(old)
    versions.append(None)
    return {"shown": len(versions) - 1, "versions": versions}


def flipped(tail: list[Message], k: int) -> list[Message]:
    """The history from tail[0]'s index on, showing version `k` (from 0) instead of the one
    shown; `tail` is history[index:] now. Raises IndexError for a version that is not there."""
    held = tail[0].meta.alternatives
    if not held or not 0 <= k < len(held["versions"]):
        raise IndexError(k)
    versions = list(held["versions"])
    if k == held["shown"]:
        return tail
    versions[held["shown"]] = _stored(tail)
    target = versions[k]
    versions[k] = None
    shown = [Message.from_raw(item) for item in target]
    shown[0].meta.alternatives = {"shown": k, "versions": versions}
    return shown


def without_shown(tail: list[Message]) -> list[Message]:
    """The history from tail[0]'s index on once the version shown is dropped (a regenerated
    reply that failed before any text): the newest other version, or nothing when there is
    none."""
    held = tail[0].meta.alternatives
    if not held:
        return []
    versions = [v for i, v in enumerate(held["versions"]) if i != held["shown"]]
    shown = [Message.from_raw(item) for item in versions[-1]]
    if len(versions) > 1:
        versions[-1] = None
        shown[0].meta.alternatives = {"shown": len(versions) - 1, "versions": versions}
    return shown


def stamps(held: Any) -> list[str]:
    """The `created_at` of every message the versions of `held` (a message's
    `meta.alternatives`, or None) keep: with the shown version's own, when the turn was last
    worked on, whichever version is shown (the library lists conversations by it)."""
    if not isinstance(held, dict) or not isinstance(held.get("versions"), list):
        return []
    out = []
    for version in held["versions"]:
        for item in version if isinstance(version, list) else ():
            meta = item.get("metadata") if isinstance(item, dict) else None
            stamp = meta.get("created_at") if isinstance(meta, dict) else None
            if isinstance(stamp, str):
                out.append(stamp)
    return out


DEPTH = 32  # versions kept inside versions whose text `texts` reads (see there)


def texts(held: Any) -> list[tuple[int, str]]:
    """(place, text) of every message the versions of `held` (a message's `meta.alternatives`,
    or None) keep, version after version, without building messages: what the library's
    search finds besides the history (a reply regenerated away is still found). `place` is
    the message's distance from the holder: the index it has once its version is shown is
    the holder's plus `place`.

    A version's messages may keep versions of later turns themselves (a reply regenerated,
    then the question before it edited): those are read too, after the message holding them,
    down to `DEPTH` levels. A level is one turn worked on again beneath an earlier one that
    was then edited: 32 is far past what a person does, and a hand-made or damaged file
    nested deeper has its deeper texts left out (never an error), so it cannot make the walk
    (iterative, not recursive) run away."""
    out: list[tuple[int, str]] = []
    _walk(held, 0, 1, out)
    return out


def _walk(held: Any, base: int, depth: int, out: list[tuple[int, str]]) -> None:
    """`texts` of `held` (its holder at `base`) into `out`, `depth` levels down."""
    # An explicit stack of iterators keeps the order of a recursive walk without recursion.
    todo: list[tuple[int, int, Any]] = [(base, depth, iter(_items(held)))]
    while todo:
        base, depth, items = todo[-1]
        item = next(items, None)
        if item is None:
            todo.pop()
            continue
        place, raw = item
        out.append((base + place, parts_text(raw.get("content"))))
        meta = raw.get("metadata")
        inner = meta.get("alternatives") if isinstance(meta, dict) else None
        if inner and depth < DEPTH:
            todo.append((base + place, depth + 1, iter(_items(inner))))


def _items(held: Any) -> list[tuple[int, Any]]:
    """(place in its version, raw message) of every message `held`'s versions keep."""
    if not isinstance(held, dict) or not isinstance(held.get("versions"), list):
        return []
    return [
        (place, item)
        for version in held["versions"]
        for place, item in enumerate(version if isinstance(version, list) else ())
        if isinstance(item, dict)
    ]


def check(value: Any, where: str, check_message: Any) -> str | None:
    """What is wrong with a file's `alternatives` value, or None; `check_message(item, where)`
    checks each kept message (raising the file reader's error)."""
    if not isinstance(value, dict):
        return "is not an object"
    shown, versions = value.get("shown"), value.get("versions")
    if not isinstance(versions, list) or not versions:
        return 'has no "versions" list'
    if isinstance(shown, bool) or not isinstance(shown, int) or not 0 <= shown < len(versions):
        return 'has a "shown" that is not one of its versions'
    for number, version in enumerate(versions):
        if number == shown:
            if version is not None:
                return "holds the version shown (its slot must be null)"
            continue
        if not isinstance(version, list) or not version:
            return f"version {number + 1} is not a list of messages"
        for item in version:
            check_message(item, f"{where}, version {number + 1}")
    return None
