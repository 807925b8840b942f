"""Search results in the real window's sidebar: one row per conversation with "+N more", a page
at a time (the next page when the list is scrolled to its end)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import iso_time
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.library_jobs import SEARCH_PAGE
from chatdesk.ui.library_model import Roles
from chatdesk.ui.roles import ACCESSIBLE_TEXT
from tests.support.fake_azure import Reply


def test_results_are_one_row_per_conversation_a_page_at_a_time(qtbot, window):
    library = window.context.library
    # Rowids are past 32 bits (`core/library_order.py`: nums from the activity's time), so the
    # next page's start goes through a signal as an object.
    now = time.time()
    for n in range(SEARCH_PAGE + 15):
        conv = Conversation(title=f"Chat {n}")
        for text in (f"a needle {n}", "nothing", f"needle again {n}"):
            conv.append(Message("user", text, meta=MessageMeta(created_at=iso_time(now))))
        library.create(conv)
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    model = sidebar.library_model
    qtbot.waitUntil(lambda: model.rowCount() > SEARCH_PAGE + 15, timeout=10_000)
    sidebar.search.setText("needle")
    results = sidebar.search_model
    qtbot.waitUntil(lambda: sidebar.list.model() is results and results.rowCount() > 0,
                    timeout=10_000)  # fmt: skip
    assert results.rowCount() == SEARCH_PAGE
    assert results.after > 2**31
    assert sidebar.status.text() == f"{SEARCH_PAGE}+ conversations"
    first = results.index(0)
    hit = first.data(Roles.Hit)
    assert (hit.message_index, hit.more) == (2, 1)  # the latest match, and one more
    assert first.data(ACCESSIBLE_TEXT).endswith("+1 more")
    sidebar.list.scrollToBottom()  # the view asks for the next page
    qtbot.waitUntil(lambda: results.rowCount() == SEARCH_PAGE + 15, timeout=10_000)
    ids = [results.index(r).data(Roles.Id) for r in range(results.rowCount())]
    assert results.after is None
    # The count follows the rows (the tester saw "30+ conversations" at the 45th row).
    assert sidebar.status.text() == f"{SEARCH_PAGE + 15} conversations"
    assert len(set(ids)) == len(ids)
    assert not results.canFetchMore()


def test_results_put_the_conversation_replied_to_last_first(qtbot, window, server):
    """Search as the list orders: a reply to an older conversation puts it first (it was
    listed by when it was made)."""
    library = window.context.library
    now = time.time()
    older = add(library, "Older", now - 2 * 86_400, ("the pelican", "a bird"))
    newer = add(library, "Newer", now - 3_600, ("a pelican again", "yes"))
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    qtbot.waitUntil(lambda: sidebar.library_model.rowCount() >= 2, timeout=10_000)
    results = sidebar.search_model

    def found(query: str) -> list[str]:
        sidebar.search.setText(query)
        qtbot.waitUntil(lambda: sidebar.list.model() is results and results.query == query
                        and results.rowCount() == 2, timeout=10_000)  # fmt: skip
        return [results.index(r).data(Roles.Id) for r in range(results.rowCount())]

    assert found("pelic") == [newer, older]
    rect = sidebar.list.visualRect(results.index(1))  # open the older one, from its result
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.session.path == library.path(older)
                    and not window.session.loading, timeout=10_000)  # fmt: skip
    server.enqueue(Reply(text="Pelicans can fly.", chunk_size=4))
    window.composer.input.setFocus()
    window.composer.set_text("and how far?")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.busy and not window.session.modified,
                    timeout=10_000)  # fmt: skip
    window.library_saver.wait()
    assert found("pelica") == [older, newer]
    assert (
        sidebar.library_model.index(1).data(Roles.Id) == older
    )  # the list agrees (row 0: "Today")


def add(library, title: str, when: float, texts: tuple[str, ...]) -> str:
    conv = Conversation(title=title)
    conv.created_at = iso_time(when)
    for i, text in enumerate(texts):
        meta = MessageMeta(created_at=iso_time(when))
        conv.append(Message("user" if i % 2 == 0 else "assistant", text, meta=meta))
    return library.create(conv).id


def test_no_match_for_several_words_says_the_rule(qtbot, window):
    """Tester: "pel wing" and "wingspan pelic" found nothing, with no hint why, where
    "pelican wingspan" found "Pelican wingspans reach 3 m."."""
    library = window.context.library
    conv = Conversation(title="Pelican facts")
    conv.append(Message("user", "Pelican wingspans reach 3 m."))
    library.create(conv)
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    qtbot.waitUntil(lambda: sidebar.library_model.rowCount() >= 1, timeout=10_000)
    for query, said in (
        ("pel wing", "No matches: every word must be in one message, and all but the last whole"),
        ("zebra", "No matches"),
        ("pelican wingspan", "1 conversation"),
    ):
        sidebar.search.setText(query)
        qtbot.waitUntil(lambda q=query: sidebar.search_model.query == q, timeout=10_000)
        qtbot.waitUntil(lambda s=said: sidebar.status.text() == s, timeout=10_000)


def test_a_hit_s_match_shows_in_a_narrow_sidebar(qtbot, window):
    # Tester, session 12: in the default sidebar every hit read "Use the config file": the
    # snippet's line was cut at the width before its match.
    from PySide6.QtGui import QFontMetrics

    from chatdesk.ui.library_view import snippet_in_view

    library = window.context.library
    conv = Conversation(title="Import test 7")
    text = ("Use the config file to set the paths first, then the logging section, and then the "
            "pelican plugin goes last in the list")  # fmt: skip
    conv.append(Message("user", text))
    library.create(conv)
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    sidebar.search.setText("pelic")
    results = sidebar.search_model
    qtbot.waitUntil(lambda: sidebar.list.model() is results and results.rowCount() > 0,
                    timeout=10_000)  # fmt: skip
    hit = results.index(0).data(Roles.Hit)
    width = 170  # about what the default sidebar's rows give the snippet
    advance = QFontMetrics(sidebar.list.font()).horizontalAdvance
    assert advance(hit.snippet[: hit.highlights[0][1]]) > width  # the fault's condition
    shown, spans = snippet_in_view(hit.snippet, hit.highlights, width, advance)
    start, end = spans[0]
    assert shown[start:end].lower() == "pelican"
    assert advance(shown[:end]) <= width
    assert shown.startswith("…")
    assert snippet_in_view("pelican at the start", [(0, 7)], 10, advance) == (
        "pelican at the start", [(0, 7)]
    )


def test_a_result_in_another_version_says_so_and_opens_showing_that_version(qtbot, window):
    """A phrase of a reply that Regenerate replaced: its result says "another version", and
    opening it shows that version of the turn at the message, the words found there."""
    from chatdesk.core import alternatives

    library = window.context.library
    conv = Conversation(title="Sea birds")
    conv.append(Message("user", "Which bird scoops fish?"))
    replaced = [Message("assistant", "The pelican scoops fish into its pouch.")]
    reply = Message("assistant", "Gulls steal them from the pelican's pouch, often.")
    reply.meta.alternatives = alternatives.after_replacing(replaced)  # as Regenerate keeps it
    regenerated = Message("assistant", "Gannets dive for them.")
    regenerated.meta.alternatives = alternatives.after_replacing([reply])  # Regenerate again
    conv.append(regenerated)
    id = library.create(conv).id
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    qtbot.waitUntil(lambda: sidebar.library_model.rowCount() >= 1, timeout=10_000)
    sidebar.search.setText("gulls steal")
    results = sidebar.search_model
    qtbot.waitUntil(lambda: sidebar.list.model() is results and results.rowCount() == 1,
                    timeout=10_000)  # fmt: skip
    row = results.index(0)
    hit = row.data(Roles.Hit)
    assert (hit.conversation_id, hit.message_index, hit.other_version) == (id, 1, True)
    assert row.data(ACCESSIBLE_TEXT) == (
        "Sea birds: Gulls steal them from the pelican's pouch, often., another version"
    )
    assert row.data(Qt.ItemDataRole.ToolTipRole).endswith(
        "In another version of this turn: opening it shows that one"
    )
    rect = sidebar.list.visualRect(row)
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.session.path == library.path(id)
                    and not window.session.loading, timeout=10_000)  # fmt: skip
    session = window.session
    qtbot.waitUntil(lambda: session.conversation[1].content.startswith("Gulls"), timeout=10_000)
    assert alternatives.position(session.conversation[1]) == (2, 3)
    assert window.statusBar().currentMessage() == (
        "Showing version 2 of 3 of this turn, where the words are"
    )
    assert session.model.history_index(window.transcript.currentIndex().row()) == 1
    bar = window.find_bar
    assert bar.field.text() == "gulls steal"
    qtbot.waitUntil(lambda: bar.count.text() == "1 of 1", timeout=10_000)
    # Written, the index follows: "pelican" is in the version shown now and in the first
    # one, and the one shown is the result.
    window.library_saver.flush(session)
    sidebar.search.setText("pelican")
    qtbot.waitUntil(lambda: results.query == "pelican" and results.rowCount() == 1,
                    timeout=10_000)  # fmt: skip
    hit = results.index(0).data(Roles.Hit)
    assert (hit.message_index, hit.other_version, hit.more) == (1, False, 1)
    assert hit.snippet.startswith("Gulls steal")


def test_a_narrow_sidebar_keeps_a_hit_s_title_and_its_match(qtbot, window):
    """Tester, session 13, at 1200×600 and 1366×768 (rows ~164 pixels wide): a hit in another
    version showed "another version · +1 more" and no title, or "Tell me…" over "…try:
    otters are" without "mustelids" (measured plain and without its ".", the bold word did
    not fit, and the line wrapped it away). Now the title shows, the note beside it or on the
    snippet's line, and the match is drawn within the row."""
    from chatdesk.core import alternatives
    from chatdesk.ui.library_view import PAD_X, hit_row
    from tests.core.conftest import regenerate

    library = window.context.library
    for flip in (False, True):  # as in shots 09 and 67
        conv = Conversation()
        conv.append(Message("user", "Tell me about otters glimmerfjord"))
        conv.append(Message("assistant", "Otters hold hands; krakenblossom."))
        regenerate(conv, 1, "Second try: otters are mustelids.")
        regenerate(conv, 0, "Tell me about beavers instead",
                   "Answer to the edited question about beavers.")  # fmt: skip
        if flip:  # ‹ back to the first question, then a follow-up
            for message in alternatives.flipped(conv.truncate(0), 0):
                conv.append(message)
            conv.append(Message("user", "And their diet?"))
        library.create(conv)
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    results = sidebar.search_model
    font = sidebar.list.font()
    for query, word in (("mustelids", "mustelids"), ("beavers", "beavers")):
        sidebar.search.setText(query)
        qtbot.waitUntil(lambda q=query: results.query == q and results.rowCount() == 2,
                        timeout=10_000)  # fmt: skip
        hits = [results.index(n).data(Roles.Hit) for n in range(2)]
        [hit] = [h for h in hits if h.other_version]
        assert hit.title.startswith("Tell me about")
        for sidebar_width in (170, 180, 200, 240):
            width = sidebar_width - 2 * PAD_X
            row = hit_row(hit, font, width)
            assert row.title.startswith("Tell me")
            assert row.title_width >= 0.4 * width
            assert row.note.startswith("anot")
            text = row.snippet.text()
            at = text.lower().rfind(word)
            assert at >= 0, text
            end = at + len(word) + 1  # the word and its "." are drawn within the row
            assert row.snippet.lineAt(0).cursorToX(end)[0] <= row.snippet_width, text


def test_a_reply_kept_inside_another_version_opens_showing_both_versions(qtbot, window):
    """Tester, session 13: "krakenblossom", in the first reply, kept inside the version of the
    question an edit replaced, was not found. Now its result opens that question's version,
    then that reply's, at the reply, the word found there."""
    from chatdesk.core import alternatives
    from tests.core.conftest import regenerate

    library = window.context.library
    conv = Conversation()
    conv.append(Message("user", "Tell me about otters glimmerfjord"))
    conv.append(Message("assistant", "Otters hold hands; krakenblossom."))
    regenerate(conv, 1, "Second try: otters are mustelids.")
    regenerate(conv, 0, "Tell me about beavers instead", "A question about beavers.")
    id = library.create(conv).id
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    sidebar.search.setText("krakenblossom")
    results = sidebar.search_model
    qtbot.waitUntil(lambda: sidebar.list.model() is results and results.rowCount() == 1,
                    timeout=10_000)  # fmt: skip
    row = results.index(0)
    hit = row.data(Roles.Hit)
    assert (hit.message_index, hit.turn, hit.other_version) == (1, 0, True)
    rect = sidebar.list.visualRect(row)
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.session.path == library.path(id)
                    and not window.session.loading, timeout=10_000)  # fmt: skip
    session = window.session
    shown = session.conversation
    qtbot.waitUntil(lambda: len(shown) == 2 and "krakenblossom" in shown[1].content,
                    timeout=10_000)  # fmt: skip
    assert session.conversation[0].content == "Tell me about otters glimmerfjord"
    assert alternatives.position(session.conversation[0]) == (1, 2)
    assert session.model.history_index(window.transcript.currentIndex().row()) == 1
    qtbot.waitUntil(lambda: window.find_bar.count.text() == "1 of 1", timeout=10_000)
