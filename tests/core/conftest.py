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
