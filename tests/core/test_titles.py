"""Automatic titles from the first exchange: one rule for the window and `chatdesk list`."""

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.titles import (
    DRAFT_MARK,
    TITLE_LENGTH,
    UNTITLED,
    conversation_title,
    shorten,
    title_from_messages,
    title_line,
)


def test_the_first_question_is_the_title():
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "How do I rotate an Azure OpenAI key?"},
        {"role": "assistant", "content": "Use the portal."},
    ]
    assert title_from_messages(messages) == "How do I rotate an Azure OpenAI key?"


def test_markdown_and_code_are_left_out():
    text = "```python\nprint('x')\n```\n\n## Why does **this** fail with [the docs](https://x.y)?"
    assert title_line(text) == "Why does this fail with the docs?"
    assert title_line("> - 1. `quoted` item") == "quoted item"
    assert title_line("   \n\n  several   spaces\tand tabs  ") == "several spaces and tabs"


def test_a_long_question_is_cut_at_a_word_with_an_ellipsis():
    text = "Explain the difference between max_tokens and max_completion_tokens for o-series models"
    title = title_line(text)
    assert len(title) <= TITLE_LENGTH
    assert title.endswith("…")
    assert text.startswith(title[:-1])
    assert not title[:-1].endswith(" ")
    # One unbroken word longer than the limit is cut inside it.
    assert shorten("x" * 80) == "x" * (TITLE_LENGTH - 1) + "…"


def test_an_image_only_question_takes_the_reply_and_nothing_gives_empty():
    image_only = {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}
    reply = {"role": "assistant", "content": "A cat on a red sofa.\n\nIt looks asleep."}
    assert title_from_messages([image_only, reply]) == "A cat on a red sofa."
    assert title_from_messages([image_only]) == ""
    assert title_from_messages([]) == ""
    assert title_from_messages([{"role": "user", "content": "```\ncode only\n```"}]) == ""


def test_content_parts_and_message_objects_alike():
    parts = {"role": "user", "content": [{"type": "text", "text": "Summarise "},
                                         {"type": "text", "text": "this PDF"}]}
    assert title_from_messages([parts]) == "Summarise this PDF"
    assert title_from_messages([Message("user", "Plan a trip to Lisbon")]) == (
        "Plan a trip to Lisbon"
    )


def test_a_given_title_wins_and_an_empty_conversation_is_untitled():
    conv = Conversation(history=[Message("user", "What is RAG?")])
    assert conversation_title(conv) == "What is RAG?"
    conv.title = "  My RAG notes "
    assert conversation_title(conv) == "My RAG notes"
    assert conversation_title(Conversation()) == UNTITLED


def test_only_the_first_messages_are_read():
    # A conversation held as file data: the title builds the first few messages, not 10,000.
    raw = [{"role": "user", "content": f"question {i}"} for i in range(10_000)]
    conv = Conversation(history=raw)
    assert conversation_title(conv) == "question 0"
    assert conv.unbuilt() >= 10_000 - 8


def test_a_reply_without_a_question_before_it_names_nothing():
    # Reported: the only question deleted, the conversation was named after its reply.
    assert title_from_messages([{"role": "assistant", "content": "You said: hi from second"}]) == ""
    conv = Conversation(history=[Message("assistant", "Hello! How can I help?")])
    assert conversation_title(conv) == "New conversation"


def test_nothing_sent_yet_is_named_by_its_draft_marked_as_one():
    # Tester, session 13: after a crash every new conversation holding only a draft was
    # listed as "New conversation", with nothing telling them apart.
    conv = Conversation(system_prompt="You are terse.")
    conv.draft = "```\nexit 1\n```\n## How long do I **knead** rye?\n\nBy hand."
    assert conversation_title(conv) == "How long do I knead rye? (draft)"
    conv.draft = "word " * 30 + "x" * 100_000
    title = conversation_title(conv)
    assert title == "word word word word word word word word…" + DRAFT_MARK
    assert len(title) <= TITLE_LENGTH
    conv.draft = "```\nonly code\n```"
    assert conversation_title(conv) == UNTITLED
    conv.draft = "How long do I knead rye?"
    conv.title = "Bread"
    assert conversation_title(conv) == "Bread"  # a given title wins


def test_a_draft_names_nothing_once_something_was_sent():
    conv = Conversation()
    conv.append(Message("user", "How long do I knead rye?"))
    conv.draft = "And spelt?"
    assert conversation_title(conv) == "How long do I knead rye?"  # the mark goes when sent
    image_only = Conversation()
    picture = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    image_only.append(Message.from_raw({"role": "user", "content": [picture]}))
    image_only.draft = "And spelt?"
    assert conversation_title(image_only) == UNTITLED
