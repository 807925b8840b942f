"""What Azure receives after a blocked, a failed and a stopped turn (fake_azure's request log)."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.errors import ChatError
from chatdesk.service.events import CancelToken, ReplyResult
from tests.support.fake_azure import Fail, Reply


def ask(service, conv, profile):
    prepared = service.prepare(conv, profile)
    try:
        *_, result = service.stream(prepared, CancelToken())
    except ChatError as error:
        return error
    assert isinstance(result, ReplyResult)
    return result


def test_a_blocked_question_does_not_block_the_conversation_after_it(srv, service):
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    srv.blocked_words = {"forbidden"}
    conv = Conversation(system_prompt="Be brief.", history=[Message("user", "hello")])
    srv.enqueue(Reply("hi"))
    conv.append(Message("assistant", ask(service, conv, profile).content))

    conv.append(Message("user", "something forbidden"))
    error = ask(service, conv, profile)
    assert isinstance(error, ChatError)
    assert error.code == "content_filter"
    conv[2].meta.error, conv[2].meta.error_code = error.text, error.code
    conv.meta_changed(2)

    conv.append(Message("user", "what about the weather?"))
    srv.enqueue(Reply("sunny"))
    assert ask(service, conv, profile).content == "sunny"
    sent = [(m["role"], m["content"]) for m in srv.requests[-1].json["messages"]]
    assert sent == [
        ("system", "Be brief."), ("user", "hello"), ("assistant", "hi"),
        ("user", "what about the weather?"),
    ]  # fmt: skip


def test_failed_and_stopped_turns_are_left_out_and_include_again_sends_one(srv, service):
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    conv = Conversation(history=[Message("user", "lost question")])
    srv.enqueue(Fail.server_error(500), Fail.server_error(500), Fail.server_error(500),
                Fail.server_error(500))  # fmt: skip
    error = ask(service, conv, profile)
    assert isinstance(error, ChatError)
    conv[0].meta.error = error.text
    conv.meta_changed(0)
    conv.append(Message("user", "stopped question"))
    empty = Message("assistant", "")
    empty.meta.incomplete = empty.meta.stopped = True
    conv.append(empty)
    conv.append(Message("user", "newest"))
    srv.clear_requests()
    srv.enqueue(Reply("ok"))
    ask(service, conv, profile)
    assert [m["content"] for m in srv.requests[-1].json["messages"]] == ["newest"]

    conv.set_include(0, True)  # "Include again"
    srv.enqueue(Reply("ok"))
    ask(service, conv, profile)
    assert [m["content"] for m in srv.requests[-1].json["messages"]] == [
        "lost question", "newest",
    ]  # fmt: skip
