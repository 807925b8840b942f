"""The stop sequences as the user types them: one per line or comma-separated, with escapes."""

from __future__ import annotations

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", ",": ","}


def parse_stop(text: str) -> list[str]:
    """Split on unescaped commas and new lines; `\\n`, `\\t`, `\\,`, `\\\\` are escapes.

    Spaces around an item are dropped, so "a, b" is ["a", "b"]; empty items are skipped.
    """
    items: list[str] = []
    current: list[str] = []
    escaped: list[bool] = []  # which characters came from an escape (kept when stripping)

    def finish() -> None:
        start, end = 0, len(current)
        while start < end and current[start] == " " and not escaped[start]:
            start += 1
        while end > start and current[end - 1] == " " and not escaped[end - 1]:
            end -= 1
        if end > start:
            items.append("".join(current[start:end]))
        current.clear()
        escaped.clear()

    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in _ESCAPES and i + 1 < len(text):
            current.append(_ESCAPES[text[i + 1]])
            escaped.append(True)
            i += 2
            continue
        if char in ",\n":
            finish()
        else:  # a lone backslash is kept as typed
            current.append(char)
            escaped.append(False)
        i += 1
    finish()
    return items


def format_stop(stop: list[str]) -> str:
    """The text `parse_stop` reads back as `stop`, one sequence a line."""

    def escape(item: str) -> str:
        out = item.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
        return out.replace(",", "\\,")

    return "\n".join(escape(item) for item in stop)
