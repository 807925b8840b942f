"""Markdown to the HTML subset QTextDocument understands, for the transcript's message bodies.

Model output is untrusted: raw HTML is escaped (`html=False`), images become links (a
QTextDocument would otherwise try to load their source), and link targets pass markdown-it's
own URL check (no `javascript:`, `file:` or `data:`). Code blocks are highlighted by Pygments
with inline styles, since QTextDocument has no stylesheet classes to hang them on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chatdesk.ui.palette import DARK, LIGHT, Tones

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict
    from pygments.formatter import Formatter

# markdown-it and Pygments are imported on the first render, not at startup: an empty
# conversation's window never needs them, and they cost tens of milliseconds to import.

# The href of the "Copy code" link above each code block; the number is the block's index.
CODE_LINK_SCHEME = "chatdesk-code"



def _named(colours: Tones) -> dict[str, str]:
    """The theme's colours by the names the render rules below use."""
    return {
        "style": colours.code_style, "code_bg": colours.code_bg, "muted": colours.muted,
        "border": colours.border, "quote_bar": colours.quote_bar,
    }  # fmt: skip


_LIGHT, _DARK = _named(LIGHT), _named(DARK)


def _escape(text: str) -> str:
    import html  # here, with its entity tables: the window starts with nothing to render

    return html.escape(text)


@lru_cache(maxsize=2)
def _formatter(dark: bool) -> Formatter:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(noclasses=True, nowrap=True, style=(_DARK if dark else _LIGHT)["style"])


def code_link(index: int) -> str:
    return f"{CODE_LINK_SCHEME}:{index}"


def parse_code_link(href: str) -> int | None:
    """The block index of a "Copy code" link, or None for any other link."""
    scheme, _, rest = href.partition(":")
    if scheme != CODE_LINK_SCHEME or not rest.isdigit():
        return None
    return int(rest)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # breaks: a single newline is a line break, as people expect in a chat (CommonMark joins).
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _code_block)
    md.add_render_rule("image", _image)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("blockquote_open", _blockquote_open)
    md.add_render_rule("blockquote_close", _blockquote_close)
    md.add_render_rule("th_open", _cell_open)
    md.add_render_rule("td_open", _cell_open)
    return md


def _colors(env: EnvType) -> dict[str, str]:
    return _DARK if env.get("dark") else _LIGHT


@lru_cache(maxsize=1)
def _aliases() -> frozenset[str]:
    from pygments.lexers import get_all_lexers

    return frozenset(a for _, aliases, _, _ in get_all_lexers(plugins=False) for a in aliases)


@lru_cache(maxsize=128)
def _lexer(lang: str) -> Any:
    """Pygments' lexer for a fence's language, or None. Only built-in lexers: asking Pygments
    for an unknown name scans every installed package's entry points for plugins (seconds the
    first time, tens of milliseconds after), and a streamed fence's language is unknown while
    its first line is still arriving ("py", "pyt"...)."""
    from pygments.lexers import get_lexer_by_name

    name = lang.lower()
    return get_lexer_by_name(name) if name in _aliases() else None


def _highlight(code: str, lang: str, dark: bool) -> str:
    from pygments import highlight

    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return _escape(code)
    return highlight(code, lexer, _formatter(dark))


def warm_up() -> None:
    """Import and build what the first render needs (markdown-it, Pygments and its Python
    lexer and formatters): ~0.5 s that would otherwise stall the first message shown."""
    _parser()
    for dark in (False, True):
        _highlight("x = 1", "python", dark)


def _render_code(content: str, lang: str, env: EnvType) -> str:
    colors = _colors(env)
    index = env.setdefault("code_index", 0)
    env["code_index"] = index + 1
    body = _highlight(content.rstrip("\n"), lang, bool(env.get("dark"))).rstrip("\n")
    label = _escape(lang) if lang else "code"
    # A table: QTextDocument gives a <pre> neither padding nor a full-width background, and a
    # two-cell header row puts the language on the left and the copy link on the right.
    head = "padding-bottom:0"
    small = "font-size:small"
    return (
        f'<table width="100%" border="0" cellspacing="0" cellpadding="6"'
        f' bgcolor="{colors["code_bg"]}" style="margin-top:4px; margin-bottom:8px"><tr>'
        f'<td style="{head}"><span style="color:{colors["muted"]}; {small}">{label}</span></td>'
        f'<td align="right" style="{head}">'
        f'<a href="{code_link(index)}" style="{small}">Copy code</a></td></tr>'
        f'<tr><td colspan="2" style="padding-top:2px">'
        # pre-wrap: a long line wraps inside the card instead of being cut off at its edge.
        f'<pre style="margin-top:0; margin-bottom:0; white-space:pre-wrap">{body}</pre>'
        "</td></tr></table>\n"
    )


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    return _render_code(token.content, lang, env)


def _code_block(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _render_code(tokens[idx].content, "", env)


def _image(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    src = _escape(str(token.attrGet("src") or ""))
    alt = _escape(self.renderInlineAsText(token.children or [], options, env) or src)
    if src.startswith("chatdesk-image:"):  # a message's own image (transcript_images.py)
        width, _, height = str(token.attrGet("title") or "").partition("x")
        if width.isdigit() and height.isdigit():
            return f'<img src="{src}" width="{width}" height="{height}" alt="{alt}">'
    return f'<a href="{src}">{alt or src}</a>'


def _table_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    border = _colors(env)["border"]
    return (
        f'<table border="1" cellspacing="0" cellpadding="4"'
        f' style="border-collapse:collapse; border-style:solid; border-color:{border};'
        f' margin-bottom:8px">\n'
    )


def _blockquote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # QTextDocument draws no border-left: the quote's bar is a narrow filled cell beside it.
    bar = _colors(env)["quote_bar"]
    return (
        '<table width="100%" border="0" cellspacing="0" cellpadding="0"'
        ' style="margin-top:2px; margin-bottom:8px"><tr>'
        f'<td width="3" bgcolor="{bar}"></td><td style="padding-left:10px">\n'
    )


def _blockquote_close(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</td></tr></table>\n"


def _cell_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # markdown-it aligns with a CSS text-align; QTextDocument reads the align attribute.
    token = tokens[idx]
    style = str(token.attrGet("style") or "")
    align = style.removeprefix("text-align:") if style.startswith("text-align:") else ""
    attr = f' align="{_escape(align)}"' if align in ("left", "center", "right") else ""
    return f"<{token.tag}{attr}>"


# A run of this many characters without a space gets break opportunities (U+200B, zero width,
# in the rendering only): Qt's line breaker is quadratic on a line it cannot break, so a 1 MB
# line without spaces froze the window for over a minute. Copying uses the message's own text.
LONG_RUN = 80
BREAK_EVERY = 8  # within such a run: lines then fill the width, whatever it is
BREAK = "\u200b"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(long run, long run in HTML text, BREAK_EVERY characters, tag): compiled on first render,
    not at start-up."""
    return (
        re.compile(rf"\S{{{LONG_RUN}}}"),
        re.compile(rf"[^\s<>&;]{{{LONG_RUN},}}"),  # not across an entity (&amp;)
        re.compile(rf".{{{BREAK_EVERY}}}", re.DOTALL),
        re.compile(r"(<[^>]*>)"),
    )


def _with_breaks(run: re.Match[str]) -> str:
    return _patterns()[2].sub(rf"\g<0>{BREAK}", run.group(0))


def _breakable(html: str) -> str:
    """`html` with a zero-width space every BREAK_EVERY characters of each run of LONG_RUN or
    more characters without a break."""
    _, in_text, _, tag = _patterns()
    parts = tag.split(html)
    for i in range(0, len(parts), 2):  # the even parts are text, the odd ones tags
        if len(parts[i]) >= LONG_RUN:
            parts[i] = in_text.sub(_with_breaks, parts[i])
    return "".join(parts)


@lru_cache(maxsize=64)
def render_markdown(text: str, dark: bool) -> str:
    """HTML for a QTextDocument. Cached: a repaint or a resize never re-parses a message."""
    html = _parser().render(text, {"dark": dark})
    return _breakable(html) if _patterns()[0].search(text) else html


def render_piece(text: str, dark: bool) -> str:
    """HTML for one piece of a message (see `markdown_segments`); not cached, the body keeps it.

    Its "Copy code" links number the piece's own code blocks from 0.
    """
    html = _parser().render(text, {"dark": dark})
    return _breakable(html) if _patterns()[0].search(text) else html


@lru_cache(maxsize=4096)
def piece_code_blocks(text: str) -> tuple[str, ...]:
    """The source of each code block of one piece, in order."""
    return tuple(t.content for t in _parser().parse(text) if t.type in ("fence", "code_block"))


def _may_have_code(text: str) -> bool:
    # At C speed: prose with none of these has no fence and no indented code block.
    return "```" in text or "~~~" in text or "    " in text or "\t" in text


@lru_cache(maxsize=4096)
def _piece_has_code(text: str) -> bool:
    return _may_have_code(text) and bool(piece_code_blocks(text))


def code_blocks(text: str) -> list[str]:
    """The source of each code block, in order: what "Copy code N" copies.

    Parsed piece by piece (`markdown_segments.pieces`), each piece once: a streamed flush
    re-parses only the growing last piece.
    """
    from chatdesk.ui.markdown_segments import pieces

    return [block for piece in pieces(text) for block in piece_code_blocks(piece.text)]


def has_code(text: str) -> bool:
    """Whether `text` has a code block. Asked on every layout of a card: answered per piece
    (each piece once), so a 1 MB message costs a lookup per piece, not a scan of 1 MB."""
    if len(text) < 4096:
        return _may_have_code(text) and bool(piece_code_blocks(text))
    from chatdesk.ui.markdown_segments import pieces

    return any(_piece_has_code(p.text) for p in pieces(text))
