"""A conversation file's fields chatdesk does not know (another tool's, added by hand), at its top
level and inside `params`, `trimming` and `metadata`, are written back as they came by every
save: `chatdesk send`'s and the window's alike (tester, session 11: `send` dropped the top-level
ones when it wrote the reply; session 12: every save dropped the ones inside)."""

from __future__ import annotations

import json

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import dumps, load_conversation, save_conversation
from chatdesk.core.messages import Message
from tests.cli.test_send import env_for, send, srv  # noqa: F401 (fixture)
from tests.core.test_fileformat_kept_fields import FILE, REPLY_META
from tests.support.fake_azure import Reply

THEIRS = {"x_ticket": "OPS-1234", "x_review": {"by": "ana", "ok": True}}


def _file_with_fields(tmp_path):
    path = tmp_path / "chat.chatdesk.json"
    save_conversation(Conversation(history=[Message("user", "Hello there")]), path)
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, **THEIRS}))
    return path


def test_send_keeps_fields_it_does_not_know(srv, tmp_path):  # noqa: F811
    path = _file_with_fields(tmp_path)
    srv.enqueue(Reply("Hi!"))
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    doc = json.loads(path.read_text())
    assert doc["messages"][-1]["content"] == "Hi!"
    assert {k: doc[k] for k in THEIRS} == THEIRS


def test_a_save_writes_them_back_after_chatdesks_own(tmp_path):
    path = _file_with_fields(tmp_path)
    conv = load_conversation(path).conversation
    doc = json.loads(dumps(conv))
    assert {k: doc[k] for k in THEIRS} == THEIRS
    assert list(doc)[:2] == ["format", "version"]  # chatdesk's own first
    assert "x_ticket" not in json.loads(dumps(Conversation()))


def test_send_keeps_unknown_keys_inside_params_trimming_and_metadata(srv, tmp_path):  # noqa: F811
    """`chatdesk send` saved the file without the keys it did not know inside `params`,
    `trimming` and the earlier replies' `metadata` (session 12); they are kept, and an unknown
    parameter is not sent as a request field."""
    doc = json.loads(FILE)
    doc["messages"].append({"role": "user", "content": "And now?"})
    path = tmp_path / "theirs.chatdesk.json"
    path.write_text(json.dumps(doc))
    srv.enqueue(Reply("Now this."))
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    saved = json.loads(path.read_text())
    assert saved["params"] == doc["params"]
    assert saved["trimming"]["future_trim"] == 1
    assert saved["messages"][1]["metadata"] == REPLY_META
    assert saved["messages"][-1]["content"] == "Now this."
    assert saved["messages"][-1]["metadata"]["finish_reason"] == "stop"  # its own, no kept key
    assert not {"rating", "x_custom"} & set(saved["messages"][-1]["metadata"])
    body = srv.requests[-1].json
    assert not {"seed_note", "future_param", "future_trim"} & set(body)
    assert body["temperature"] == 0.5
