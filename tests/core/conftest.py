"""Fixtures of the core's tests: a library in a temporary folder and its index."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library
from chatdesk.core.library_index import LibraryIndex
from chatdesk.core.messages import Message


def chat(*texts: str, title: str = "") -> Conversation:
    conv = Conversation(title=title)
    for i, text in enumerate(texts):
        conv.append(Message("user" if i % 2 == 0 else "assistant", text))
    return conv


@pytest.fixture
def lib(tmp_path) -> Library:
    return Library(tmp_path / "library")


@pytest.fixture
def index(lib, tmp_path):
    index = LibraryIndex(lib, tmp_path / "index.sqlite3")
    yield index
    index.close()


def regenerate(conv: Conversation, index: int, *texts: str) -> None:
    """What Regenerate (a reply) or an edit (a question) does: history[index:] becomes a kept
    version of the turn, and `texts` (alternating roles from history[index]'s) the one shown."""
    from chatdesk.core import alternatives

    role = conv[index].role
    old = conv.truncate(index)
    for n, text in enumerate(texts):
        other = "assistant" if role == "user" else "user"
        message = Message(role if n % 2 == 0 else other, text)
        if n == 0:
            message.meta.alternatives = alternatives.after_replacing(old)
        conv.append(message)
