"""Counting an evolving text (a draft, a streamed reply) by re-encoding only what changed."""

from __future__ import annotations

import random

import pytest

from chatdesk.core.text_tally import TextTally, common_prefix, common_suffix
from chatdesk.core.tokens import TokenCounter

_PIECES = ["word", " ", "  ", "\n", "\n\n", "  \n", "x.\n", "/", "1", "23", "\t", "é", "_", "A",
           "'s", "!\n/", " \n a", "\r\n", "ü", "中文", "\u0301", "\n1", "\n_", " a", " B", "  c",
           ". The", " 's", "don't", " 42", "```py\n", "    x = 1\n"]  # fmt: skip


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(size))


@pytest.fixture(scope="module", params=["o200k_base", "cl100k_base"])
def encoding(request):
    return TokenCounter(request.param).encoding


def test_common_prefix_and_suffix():
    rng = random.Random(3)
    for _ in range(300):
        base = _text(rng, rng.randint(0, 400)) * rng.choice([1, 200])
        a, b = rng.randint(0, len(base)), rng.randint(0, len(base))
        other = base[:a] + _text(rng, 3) + base[b:]
        p = common_prefix(base, other)
        assert base[:p] == other[:p]
        assert p == min(len(base), len(other)) or base[p] != other[p]
        limit = min(len(base), len(other)) - p
        s = common_suffix(base, other, limit)
        assert s <= limit
        assert base[len(base) - s :] == other[len(other) - s :]
        assert s == limit or base[len(base) - s - 1] != other[len(other) - s - 1]


def test_every_edit_counts_exactly(encoding):
    """Random inserts, deletes and replacements anywhere: always the whole text's count."""
    rng = random.Random(7)
    real = encoding.encode_ordinary
    for _ in range(12):
        tally = TextTally(lambda t: len(real(t)))
        text = _text(rng, rng.randint(500, 4000))
        for _ in range(40):
            at = rng.randint(0, len(text))
            cut = rng.choice([0, 0, 1, 2, 7, 50])
            text = text[:at] + _text(rng, rng.choice([0, 1, 1, 3, 20])) + text[at + cut :]
            assert tally.count(text) == len(real(text))


def test_a_streamed_text_counts_exactly(encoding):
    rng = random.Random(9)
    real = encoding.encode_ordinary
    tally = TextTally(lambda t: len(real(t)))
    text = ""
    for _ in range(600):
        text += _text(rng, rng.randint(1, 6))
        assert tally.count(text) == len(real(text))


def test_a_keystroke_after_a_1_mb_paste_encodes_about_one_span(monkeypatch):
    counter = TokenCounter("o200k_base")
    rng = random.Random(1)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"]
    prose = " ".join(rng.choice(words) for _ in range(180_000))  # one 1 MB paragraph
    code = "\n".join(f"    value_{i} = compute(items[{i}]) + offset" for i in range(24_000))
    real = counter.encoding.encode_ordinary
    encoded: list[str] = []
    for paste in (prose, code):
        draft = "Please review this:\n" + paste
        counter.count_draft(draft)
        monkeypatch.setattr(
            counter.encoding, "encode_ordinary", lambda t: encoded.append(t) or real(t)
        )
        for typed in (draft + " x", draft[:500_000] + "y" + draft[500_000:], "Hi " + draft):
            assert counter.count_draft(typed) == len(real(typed))
            assert sum(map(len, encoded)) < 5000  # a span or two, not the draft
            counter.count_draft(draft)  # undo the key
            encoded.clear()
        monkeypatch.undo()


def test_an_edit_noted_by_its_maker_is_counted_exactly_without_a_search(monkeypatch, encoding):
    """The composer notes each edit (ui/draft_text.py): the tally then skips comparing the two
    texts; a note about other texts is never used."""
    from chatdesk.core import text_tally

    rng = random.Random(11)
    real = encoding.encode_ordinary
    tally = TextTally(lambda t: len(real(t)))
    text = _text(rng, 3000)
    tally.count(text)
    searched = []
    monkeypatch.setattr(text_tally, "common_prefix", lambda a, b: searched.append(1) or 0)
    for _ in range(60):
        at = rng.randint(0, len(text))
        cut = rng.choice([0, 0, 1, 2, 7, 50])
        edited = text[:at] + _text(rng, rng.choice([0, 1, 1, 3, 20])) + text[at + cut :]
        text_tally.note_edit(text, edited, at, min(cut, len(text) - at))
        text = edited
        assert tally.count(text) == len(real(text))
    assert searched == []
    other = text + " and more"
    text_tally.note_edit("something else", other, 0, 0)  # not the tally's text: ignored
    assert tally.count(other) == len(real(other))
    assert searched == [1]
