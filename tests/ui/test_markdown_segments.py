"""Cutting a message into independently rendered pieces (ui/markdown_segments.py)."""

from __future__ import annotations

import random
import re

from chatdesk.ui.markdown import code_blocks, render_markdown
from chatdesk.ui.markdown_segments import MAX_PIECE, Segmentation, pieces, split

REPLY = (
    "Intro paragraph.\n\n```python\ndef f():\n\n    return 1\n```\n\n- one\n- two\n\nText.\n\n"
    "    indented code\n\n    more of it\n\nEnd.\n"
)


def _texts(text: str) -> list[str]:
    return [text[a:b] for a, b in split(text)]


def test_pieces_cover_the_text_and_never_cut_inside_a_fence():
    parts = _texts(REPLY)
    assert "".join(parts) == REPLY
    fence = next(p for p in parts if p.startswith("```"))
    assert fence.count("```") == 2  # the blank line inside the block is not a boundary
    assert any("    indented code\n\n    more" in p for p in parts)  # an indented block whole


def test_each_piece_renders_as_it_does_in_the_whole_text():
    # Each piece numbers its own "Copy code" links; the body renumbers them (test_message_body).
    def unnumbered(html: str) -> str:
        return re.sub(r"chatdesk-code:\d+", "chatdesk-code:N", html)

    html = unnumbered(render_markdown(REPLY, False))
    assert unnumbered("".join(render_markdown(p, False) for p in _texts(REPLY))) == html


def test_code_blocks_are_counted_across_pieces():
    assert code_blocks(REPLY) == ["def f():\n\n    return 1\n", "indented code\n\nmore of it\n"]


def test_a_growing_text_keeps_its_closed_pieces():
    rng = random.Random(1)
    text = ""
    seg = Segmentation()
    for _ in range(400):
        before = list(seg.pieces)
        text += rng.choice(["word ", "\n\n", "```py\nx = 1\n", "```\n", "- item\n", "x" * 50])
        after = seg.update(text)
        assert "".join(p.text for p in after) == text
        # Everything but the last piece before the change is the very same object.
        assert all(a is b for a, b in zip(before[:-1], after, strict=False))
        assert [(p.start, p.end) for p in after] == split(text)  # same as cutting afresh


def test_a_line_without_breaks_is_cut_into_bounded_pieces():
    text = "x" * (3 * MAX_PIECE + 5)
    parts = _texts(text)
    assert "".join(parts) == text
    assert max(len(p) for p in parts) <= MAX_PIECE
    words = ("lorem ipsum " * 3000).strip()
    cut = _texts(words)
    assert all(p.endswith(" ") for p in cut[:-1])  # cut at a space when there is one
    assert max(len(p) for p in cut) <= MAX_PIECE


def test_pieces_are_reused_for_a_streamed_text():
    text = "para\n\n" * 3000
    first = pieces(text)
    grown = text + "more"
    assert pieces(grown)[: len(first) - 1] == first[:-1]
    assert pieces(grown)[0] is first[0]


def test_an_unknown_fence_language_never_scans_for_plugins(monkeypatch):
    # A streamed fence's language is unknown while its first line arrives ("```pyt"); asking
    # Pygments for it would scan every installed package's entry points on each render.
    import pygments.plugin

    def scan(*_args: object) -> None:
        raise AssertionError("scanned entry points for a lexer plugin")

    monkeypatch.setattr(pygments.plugin, "iter_entry_points", scan)
    for lang in ("p", "pyt", "no-such-language", "PYTHON"):
        html = render_markdown(f"```{lang}\nx = 1\n```\n", False)
        assert "Copy code" in html
        assert ('<span style="color: #' in html) == (lang == "PYTHON")  # highlighted if known
