"""A conversation's rows in the library index (`core/library_rows.py`), through
`LibraryIndex.put`: an update from message i rewrites what changed from there on, the texts
kept by other versions of a turn included, and keeps what is before."""

from __future__ import annotations

import pytest

from chatdesk.core.library_index import available
from chatdesk.core.messages import Message
from tests.core.conftest import chat, regenerate

pytestmark = pytest.mark.skipif(not available(), reason="this SQLite has no FTS5")


def put(lib, index, id, conv, first=0):
    info = lib.path(id).stat()
    index.put(id, conv, info.st_mtime_ns, info.st_size, from_message=first)


def found(index, query):
    return [(h.message_index, h.other_version) for h in index.search(query)]


def test_updates_from_a_message_keep_the_versions_before_it_and_replace_the_rest(lib, index):
    conv = chat("sea birds?", "the pelican scoops fish")
    regenerate(conv, 1, "gulls everywhere")
    id = lib.create(conv).id
    put(lib, index, id, conv)
    conv.append(Message("user", "and walruses?"))
    conv.append(Message("assistant", "their tusks are ivory"))
    put(lib, index, id, conv, first=2)  # a reply's update: from the new question on
    assert found(index, "pelican") == [(1, True)]  # kept: held before message 2
    regenerate(conv, 3, "they haul out on ice")  # Regenerate the last reply
    put(lib, index, id, conv, first=3)
    assert found(index, "ivory") == [(3, True)]
    assert found(index, "pelican") == [(1, True)]
    assert found(index, "haul") == [(3, False)]
    regenerate(conv, 3, "they dive deep")
    put(lib, index, id, conv, first=3)
    assert found(index, "ivory") == found(index, "haul") == [(3, True)]
    # Undoing the regenerations (their versions gone): nothing of them is left to find.
    conv[3].meta.alternatives = None
    put(lib, index, id, conv, first=3)
    assert found(index, "ivory") == found(index, "haul") == []
    assert found(index, "pelican") == [(1, True)]
    # The turn at 1 replaced by a plain reply: its versions go too, and the rows after it.
    conv.truncate(1)
    conv.append(Message("assistant", "terns"))
    put(lib, index, id, conv, first=1)
    assert found(index, "pelican") == found(index, "gulls") == found(index, "walruses") == []
    assert found(index, "terns") == [(1, False)]
