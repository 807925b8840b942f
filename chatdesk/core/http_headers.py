"""The extra HTTP headers a profile sends: which names and values are allowed (RFC 9110),
how 'Name: value' is read, and which headers hold credentials (kept in the keyring, masked)."""

from __future__ import annotations

from chatdesk.core.patterns import LazyPattern

# Header names: RFC 9110 tokens. Those the client sets itself cannot be replaced per profile.
_HEADER_NAME_RE = LazyPattern(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_RESERVED_HEADERS = frozenset(
    ("host", "content-length", "content-type", "transfer-encoding", "connection", "accept")
)
# Headers whose values are credentials wherever they appear: kept in the keyring, masked.
SECRET_HEADER_HINTS = (
    "key", "token", "secret", "authorization", "password", "signature", "cookie",
)  # fmt: skip


def check_header_name(name: str) -> str | None:
    """Why `name` cannot be an extra header, or None."""
    if not _HEADER_NAME_RE.fullmatch(name):
        return f"'{name}' is not a valid header name (letters, digits and -, no spaces or ':')."
    if name.lower() in _RESERVED_HEADERS:
        return f"chatdesk sets the {name} header itself."
    return None


# A field value is one line of visible characters, spaces and tabs (RFC 9110 section 5.5,
# https://www.rfc-editor.org/rfc/rfc9110#section-5.5): a CR or LF would start another header.
_HEADER_VALUE_BAD_RE = LazyPattern(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_header_value(name: str, value: str) -> str | None:
    """Why `value` cannot be the value of header `name` (a line break or another control
    character), or None."""
    bad = _HEADER_VALUE_BAD_RE.search(value)
    if bad is None:
        return None
    what = "a line break" if bad.group() in "\r\n" else f"the control character {bad.group()!r}"
    return f"the value of header {name} contains {what}; a header value must be one line."


def looks_secret_header(name: str) -> bool:
    """Whether a header's value is probably a credential (then it belongs in the keyring)."""
    lowered = name.lower()
    return any(hint in lowered for hint in SECRET_HEADER_HINTS)


def parse_header(text: str) -> tuple[str, str]:
    """'Name: value' as (name, value); ValueError with the reason for anything else."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise ValueError(f"a header is written 'Name: value', not {text.split(':')[0]!r}.")
    value = value.strip()
    problem = check_header_name(name) or check_header_value(name, value)
    if problem is not None:
        raise ValueError(problem)
    return name, value
