"""Markdown as the transcript renders it: headings, tables, code, links, escaping."""

from __future__ import annotations

from chatdesk.ui.markdown import code_blocks, parse_code_link, render_markdown
from tests.support.transcript import REPLY


# -- Markdown ----------------------------------------------------------------------------------
def test_markdown_renders_headings_tables_code_and_links():
    html = render_markdown(REPLY, dark=False)
    assert "<h1>Sorting</h1>" in html
    assert '<table border="1" cellspacing="0" cellpadding="4"' in html
    assert '<th align="right">Returns</th>' in html
    assert "<pre" in html
    assert "style=" in html
    assert '<a href="https://docs.python.org/3/">the docs</a>' in html
    assert render_markdown(REPLY, dark=True) != html  # another highlighting style


def test_markdown_escapes_html_and_unsafe_links():
    html = render_markdown("<b>bold</b> <script>alert(1)</script> [x](javascript:alert(1))", True)
    assert "<b>" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    image = render_markdown("![cat](https://example.com/cat.png)", False)
    assert "<img" not in image
    assert '<a href="https://example.com/cat.png">cat</a>' in image


def test_code_blocks_are_extracted_in_order():
    text = "```python\nprint(1)\n```\n\ntext\n\n```\nplain <b>\n```\n\n    indented\n"
    assert code_blocks(text) == ["print(1)\n", "plain <b>\n", "indented\n"]
    assert code_blocks("no code") == []
    html = render_markdown(text, False)
    assert html.count("chatdesk-code:") == 3
    assert parse_code_link("chatdesk-code:2") == 2
    assert parse_code_link("https://example.com") is None
