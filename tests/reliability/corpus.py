"""The bad-file corpus: every kind of file that once hung, crashed or misled chatdesk, made
fresh by the tests (nothing is checked in). Each entry says what chatdesk must do with it."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

USER = {"role": "user", "content": "Hello"}
HI = '{"messages": [{"role": "user", "content": "Hi"}]'  # a request body, its closing } left off
DOC = {"format": "chatdesk.conversation", "version": 1, "messages": [USER]}


@dataclass(frozen=True)
class BadFile:
    name: str
    path: Path
    opens: bool  # True: opens (repaired, and says so); False: refused with a message
    says: str  # a fragment the message must hold (case-insensitive)


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _json(obj: object) -> str:
    return json.dumps(obj)


def make_corpus(folder: Path) -> list[BadFile]:
    """Create the corpus in `folder` (which must exist) and describe it."""
    items: list[BadFile] = []

    def add(name: str, path: Path, opens: bool, says: str) -> None:
        items.append(BadFile(name, path, opens, says))

    fifo = folder / "fifo.json"
    os.mkfifo(fifo)
    add("fifo", fifo, False, "FIFO")
    link = folder / "link-to-fifo.json"
    link.symlink_to(fifo)
    add("link to a FIFO", link, False, "FIFO")
    zero = folder / "link-to-dev-zero.json"
    zero.symlink_to("/dev/zero")
    add("link to /dev/zero", zero, False, "device")
    null = folder / "link-to-dev-null.json"
    null.symlink_to("/dev/null")
    add("link to /dev/null", null, False, "device")
    if sys.platform.startswith("linux"):
        mem = folder / "link-to-proc-mem.json"  # a regular file no one can read, root included
        mem.symlink_to("/proc/self/mem")
        add("unreadable (/proc/self/mem)", mem, False, "cannot be read")
    if os.geteuid() != 0:
        locked = _write(folder, "no-permission.json", _json(DOC))
        locked.chmod(0)
        add("no read permission", locked, False, "cannot be read")
    dangling = folder / "dangling-link.json"
    dangling.symlink_to(folder / "nowhere.json")
    add("dangling link", dangling, False, "does not exist")
    sub = folder / "a-folder.json"
    sub.mkdir()
    add("a folder", sub, False, "folder")

    digits = "9" * 5000
    add("huge integer in params", _write(folder, "huge-int.json",
        '{"format": "chatdesk.conversation", "version": 1, "messages": [{"role": "user", '
        f'"content": "Hi"}}], "params": {{"seed": {digits}}}}}'), False, "5,000 dig")  # fmt: skip
    add("huge integer in metadata", _write(folder, "huge-int-meta.json",
        '{"messages": [{"role": "user", "content": "Hi", "metadata": {"latency_ms": '
        f'{digits}}}}}]}}'), False, "digits")  # fmt: skip
    add("NaN temperature", _write(folder, "nan.json",
        HI + ', "temperature": NaN}'), False, "NaN")  # fmt: skip
    add("Infinity top_p", _write(folder, "infinity.json",
        HI + ', "top_p": Infinity}'), False, "Infinity")  # fmt: skip
    add("1e999 temperature", _write(folder, "1e999.json",
        HI + ', "temperature": 1e999}'), False, "1e999")  # fmt: skip
    add("temperature 99", _write(folder, "temp-99.json", _json(
        {**DOC, "params": {"temperature": 99}})), False, '"temperature" must be between 0 and 2')
    add("max_tokens -5", _write(folder, "max-tokens-neg.json", _json(
        {"messages": [USER], "max_tokens": -5})), False, '"max_tokens" must be at least 1')
    add("foreign format tag", _write(folder, "foreign.json", _json(
        {"format": "otherapp.notebook", "messages": [USER]})), False, "another program")
    add("unknown chatdesk version", _write(folder, "version-99.json", _json(
        {**DOC, "version": 99})), False, "newer chatdesk")
    add("not UTF-8", _write(folder, "latin1.json", b'{"messages": [{"role": "user", '
        b'"content": "caf\xe9"}]}'), False, "not UTF-8")  # fmt: skip
    add("truncated", _write(folder, "truncated.json", _json(DOC)[:-7]), False, "not valid JSON")
    add("empty", _write(folder, "empty.json", ""), False, "empty")
    # Opens: lone surrogates are replaced with U+FFFD, and the user is told.
    add("lone surrogate", _write(folder, "surrogate.json",
        '{"messages": [{"role": "system", "content": "Be \\ud83d brief"}, '
        '{"role": "user", "content": "half an emoji: \\ud83d"}]}'), True, "replaced")  # fmt: skip
    return items
