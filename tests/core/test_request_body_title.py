"""A request body of one's own that gives a `title` (tester, session 14): the title named the
conversation nowhere, and went to Azure as a request parameter, which Azure refuses (400
"Unrecognized request argument supplied: title")."""

from __future__ import annotations

import pytest

from chatdesk.core.fileformat import ConversationFileError, loads

# As the tester wrote it.
BODY = (
    '{"title": "Quarterly review", "model": "gpt-4o", "messages": [{"role":"system","content":'
    '"Be brief."},{"role":"user","content":"Summarise Q3"}]}'
)


def test_a_request_bodys_title_names_the_conversation_and_is_not_sent():
    opened = loads(BODY)
    assert opened.imported
    conv = opened.conversation
    assert conv.title == "Quarterly review"
    assert "title" not in conv.request_extra
    assert conv.model == "gpt-4o"


def test_a_title_that_is_not_text_is_said():
    with pytest.raises(ConversationFileError, match="title"):
        loads('{"title": 7, "messages": [{"role": "user", "content": "hi"}]}')
