"""Text and numbers at chatdesk's boundary: what comes in is made storable before it is kept.

Text. JSON may carry a lone UTF-16 surrogate (``"\\ud83d"``, half an emoji) and Python strings
can hold one, but UTF-8 cannot, so a conversation holding one could not be saved. The policy,
applied wherever text comes in (a file, a reply, typed or pasted text): each lone surrogate
becomes U+FFFD REPLACEMENT CHARACTER, and the caller tells the user how many were replaced.
Writers apply the same replacement as a last guard (`storable`), so no save can fail on it.

Numbers. Python's `json` accepts what neither JSON (RFC 8259 §6) nor the API does: NaN,
Infinity, and 1e999 (read as infinity); and it refuses integers of more than 4,300 digits with a
bare ValueError (Python's limit on int conversion:
https://docs.python.org/3/library/stdtypes.html#int-max-str-digits).
`parse_json` turns all of these into a `JsonProblem` whose text names what is wrong.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from chatdesk.core.patterns import LazyPattern

REPLACEMENT = "\ufffd"
_SURROGATE = LazyPattern("[\ud800-\udfff]")
# In JSON text a surrogate can only appear as an escape: bytes cannot encode one in UTF-8.
_ESCAPED_SURROGATE = LazyPattern(r"\\u[dD][89a-fA-F]")


def replace_surrogates(text: str) -> tuple[str, int]:
    """`text` with every surrogate code point replaced by U+FFFD, and how many there were.

    A well-formed string from a file or a network never holds a *paired* surrogate as two code
    points (json.loads combines pairs), so every one found here is alone. O(len(text)); ASCII
    text returns at once.
    """
    if text.isascii():
        return text, 0
    return _SURROGATE.subn(REPLACEMENT, text)


def replaced_notice(n: int, of: str = "", why: str = "half of an emoji") -> str:
    """The sentence telling the user that `n` characters (`of` what: " of the reply") that
    UTF-8 cannot hold were replaced with U+FFFD; one wording for window, file and CLI."""
    if n == 1:
        return f"1 character{of} that UTF-8 cannot hold ({why}) was replaced with \ufffd."
    return f"{n:,} characters{of} that UTF-8 cannot hold ({why}) were replaced with \ufffd."


def storable(text: str) -> str:
    """`text` as it can be written in UTF-8 (the last guard of every writer)."""
    return replace_surrogates(text)[0]


def may_hold_surrogates(json_text: str) -> bool:
    """Whether JSON text has a surrogate escape, so that its strings need `clean_strings`."""
    return _ESCAPED_SURROGATE.search(json_text) is not None


def clean_strings(value: Any) -> tuple[Any, int]:
    """A parsed JSON value with lone surrogates replaced in every string (keys too), and the
    count. Lists and dicts are rebuilt only along the paths that changed."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, list):
        total = 0
        out = []
        for item in value:
            item, n = clean_strings(item)
            total += n
            out.append(item)
        return (out, total) if total else (value, 0)
    if isinstance(value, dict):
        total = 0
        pairs = []
        for key, item in value.items():
            key, n = replace_surrogates(key)
            item, m = clean_strings(item)
            total += n + m
            pairs.append((key, item))
        return (dict(pairs), total) if total else (value, 0)
    return value, 0


class JsonProblem(ValueError):
    """JSON text that cannot be read; the text says what and where, for a person."""


class _Literal(ValueError):
    """A number literal refused while parsing; `parse_json` names its field."""

    def __init__(self, pattern: str, what: str) -> None:
        super().__init__(what)
        self.pattern, self.what = pattern, what


def _constant(name: str) -> Any:
    raise _Literal(re.escape(name), f"{name}, which is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Literal(re.escape(text), f"the number {_shorten(text)}, too large to be used")
    return value


def _holder(text: str, pattern: str) -> str:
    """'"key"' for the first `"key": <pattern>` in the JSON text, or "it" (in a list)."""
    found = re.search(r'"((?:[^"\\]|\\.){1,80})"\s*:\s*' + pattern, text)
    return f'"{found.group(1)}"' if found else "it"


_DIGITS = LazyPattern(r"value has (\d+) digits")


def _shorten(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}…{text[-10:]}"


def utf8_text(raw: bytes) -> str:
    """`raw` as UTF-8 text, a leading byte-order mark dropped (as Python's "utf-8-sig" reads
    it, without loading that codec: one module fewer before the window's first frame). Raises
    UnicodeDecodeError."""
    return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")


def parse_json(text: str) -> Any:
    """`json.loads` that refuses NaN, Infinity, 1e999 and huge integers.

    Raises `JsonProblem` for those, `json.JSONDecodeError` for malformed text and RecursionError
    for nesting deeper than the interpreter allows.
    """
    # A Python hook per float literal: conversation files hold few (parameters), so it costs
    # ~5 ms on 10,000 messages, where looking for a literal that might overflow with a regex
    # first cost ~280 ms (Python's re scans every character of the prose).
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError:
        raise
    except _Literal as exc:
        raise JsonProblem(f"{_holder(text, exc.pattern)} holds {exc.what}") from None
    except ValueError as exc:  # int(): more digits than Python converts (4,300 by default)
        found = _DIGITS.search(str(exc))
        if found is None:
            raise JsonProblem("it holds a whole number too large to be used") from None
        digits = int(found.group(1))
        holder = _holder(text, rf"-?\d{{{digits}}}")
        raise JsonProblem(
            f"{holder} holds a whole number of {digits:,} digits, too large to be used"
        ) from None
