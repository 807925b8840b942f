"""Find in a conversation: the matching rule (literal, case-insensitive) and hit offsets."""

from chatdesk.core.conversation import Conversation
from chatdesk.core.find import Hit, find_in_conversation, find_in_texts, nearest, occurrence
from chatdesk.core.messages import Message


def test_literal_case_insensitive_with_offsets_into_the_text():
    texts = ["Hello World", "no match here", "world, WORLD and wOrLd"]
    hits = find_in_texts(texts, "  world ")
    assert hits == [Hit(0, 6, 11), Hit(2, 0, 5), Hit(2, 7, 12), Hit(2, 17, 22)]
    for hit in hits:
        assert texts[hit.index][hit.start:hit.end].lower() == "world"


def test_regex_characters_are_literal_and_blank_finds_nothing():
    assert find_in_texts(["a+b (c) a.b axb"], "a.b") == [Hit(0, 8, 11)]
    assert find_in_texts(["[x]"], "[x]") == [Hit(0, 0, 3)]
    assert find_in_texts(["anything"], "   ") == []


def test_offsets_stay_aligned_where_casefold_would_shift_them():
    # "ß".casefold() is "ss": offsets from a folded copy would point past the match.
    text = "Straße und STRASSE, dann Ärger"
    hits = find_in_texts([text], "ärger")
    assert [text[h.start:h.end] for h in hits] == ["Ärger"]
    assert [text[h.start:h.end] for h in find_in_texts([text], "straße")] == ["Straße"]


def test_the_conversation_is_searched_in_what_it_shows_including_unbuilt_messages():
    raw = [{"role": "user", "content": f"message {i}"} for i in range(1_000)]
    raw.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\": \"Boston\"}"}}]})
    conv = Conversation(history=raw)
    hits = find_in_conversation(conv.snapshot(), "message 99")
    assert [h.index for h in hits] == [99, *range(990, 1000)]
    # A tool call's card shows its name and arguments: both can be found.
    assert [h.index for h in find_in_conversation(conv, "get_weather")] == [1000]
    assert [h.index for h in find_in_conversation(conv, "boston")] == [1000]
    conv.append(Message("user", "MESSAGE 99 again"))
    assert find_in_conversation(conv, "message 99")[-1].index == 1001


def test_limit_and_cancel():
    texts = ["aaaa"] * 100
    assert len(find_in_texts(texts, "a", limit=10)) == 10
    assert find_in_texts(texts, "a", cancelled=lambda: True) == []


def test_nearest_wraps_and_occurrence_counts_within_a_message():
    hits = [Hit(2, 0, 1), Hit(2, 5, 6), Hit(7, 0, 1), Hit(9, 3, 4)]
    assert nearest(hits, 0) == 0
    assert nearest(hits, 3) == 2
    assert nearest(hits, 9) == 3
    assert nearest(hits, 10) == 0  # past the last: wraps to the first
    assert nearest([], 5) == -1
    assert [occurrence(hits, i) for i in range(4)] == [0, 1, 0, 0]
