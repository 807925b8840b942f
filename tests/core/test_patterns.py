"""A LazyPattern answers as the compiled pattern does, and compiles only when first used."""

from __future__ import annotations

import re

import pytest

from chatdesk.core.patterns import LazyPattern


def test_it_answers_as_re_compile_does():
    source, flags = r"(\w+)@(\w+)", re.IGNORECASE
    lazy, compiled = LazyPattern(source, flags), re.compile(source, flags)
    text = "Ann@Home bob@work, nobody"
    assert lazy.search(text).groups() == compiled.search(text).groups()
    assert lazy.search(text, 5).groups() == ("bob", "work")
    assert lazy.match(text).group() == "Ann@Home"
    assert lazy.match(text, 9, 12) is None
    assert lazy.fullmatch("a@b").groups() == ("a", "b")
    assert lazy.fullmatch(text) is None
    assert lazy.findall(text) == [("Ann", "Home"), ("bob", "work")]
    assert lazy.split(text) == compiled.split(text)
    assert lazy.split(text, 1) == compiled.split(text, 1)
    assert lazy.sub(r"\2", text) == "Home work, nobody"
    assert lazy.sub(lambda m: m.group(1).upper(), text, 1) == "ANN bob@work, nobody"
    assert lazy.subn("x", text) == ("x x, nobody", 2)
    assert lazy.compiled.pattern == source
    assert lazy.compiled.flags == compiled.flags


def test_it_compiles_on_first_use_only():
    lazy = LazyPattern(r"[\ud800-\udfff]")
    assert lazy._compiled is None  # declaring it compiles nothing
    first = lazy.compiled
    assert lazy.search("a\ud800") is not None
    assert lazy.compiled is first


def test_a_bad_pattern_fails_where_it_is_used():
    lazy = LazyPattern("(unclosed")  # no error on import
    with pytest.raises(re.error):
        lazy.search("x")
