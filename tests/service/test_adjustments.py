"""Learning from the service (issue 11, item 4): Azure's 400s for an unsupported parameter,
value, role or streaming, answered with one adjustment each, said in one line, remembered per
deployment, never looping. FakeAzure's models answer with Azure's exact bodies; its request
log shows what was sent and how many times.
"""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.deployments import DeploymentNotes
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService, note_key
from chatdesk.service.client import Credentials
from chatdesk.service.events import Adjusted, ChatError, ReplyDelta, ReplyResult
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import AzureModel, Fail, FakeAzure, Reply

KEY = "test-key"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def make_service(notes: DeploymentNotes) -> ChatService:
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return ChatService(Credentials(store, env={}), retry=RetryPolicy(base_delay=0.01), notes=notes)


def conversation(**params) -> Conversation:
    return Conversation(
        system_prompt="Answer in French.",
        history=[Message("user", "Hello")],
        params=GenerationParams(**params),
    )


def send(service: ChatService, prof: ConnectionProfile, conv: Conversation):
    events = list(service.stream(service.prepare(conv, prof)))
    said = [e.said for e in events if isinstance(e, Adjusted)]
    text = "".join(e.text for e in events if isinstance(e, ReplyDelta))
    assert isinstance(events[-1], ReplyResult)
    return said, text, events[-1]


def test_a_neutrally_named_gpt5_deployment_is_adjusted_once_then_right_first_time(srv):
    srv.models["chat-prod"] = AzureModel.gpt5()
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "chat-prod")
    notes = DeploymentNotes()
    service = make_service(notes)

    said, text, result = send(service, prof, conversation(temperature=0.7, max_tokens=500))
    assert said == [
        "chat-prod takes max_completion_tokens, not max_tokens: sent the response limit as "
        "max_completion_tokens.",
        "chat-prod does not take temperature: sent without it.",
    ]
    assert text == "You said: Hello"
    assert not result.incomplete
    bodies = [r.json for r in srv.requests]
    assert len(bodies) == 3
    assert bodies[0]["max_tokens"] == 500
    assert bodies[0]["temperature"] == 0.7
    assert "max_tokens" not in bodies[1]
    assert bodies[1]["max_completion_tokens"] == 500
    assert "temperature" not in bodies[2]
    assert notes.to_json() == {
        note_key(prof): {"limit_param": "max_completion_tokens", "dropped": ["temperature"]}
    }

    # The next request is right the first time, in a new service reading the same notes.
    srv.clear_requests()
    said, _text, _result = send(
        make_service(DeploymentNotes.from_json(notes.to_json())),
        prof,
        conversation(temperature=0.7, max_tokens=500),
    )
    assert said == []
    (request,) = srv.requests
    assert request.json["max_completion_tokens"] == 500
    assert "temperature" not in request.json
    assert "max_tokens" not in request.json


def test_o1_mini_gets_the_system_prompt_folded_into_the_first_user_turn(srv):
    # A neutral name: nothing says it is o1-mini until the service says so.
    srv.models["reasoner-mini"] = AzureModel.o1_mini()
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "reasoner-mini")
    notes = DeploymentNotes()
    said, text, _result = send(make_service(notes), prof, conversation())
    assert said == [
        "reasoner-mini does not take the system role: sent the system prompt as developer.",
        "reasoner-mini takes neither the system nor the developer role: the system prompt now "
        "leads the first user message.",
    ]
    sent = [r.json["messages"] for r in srv.requests]
    assert [m["role"] for m in sent[0]] == ["system", "user"]
    assert [m["role"] for m in sent[1]] == ["developer", "user"]
    assert sent[2] == [{"role": "user", "content": "Answer in French.\n\nHello"}]
    assert text == "You said: Answer in French.\n\nHello"
    assert notes.get(note_key(prof)).system_role == "user"


def test_o1_gets_a_non_streamed_request_and_the_reply_still_shows(srv):
    srv.models["reasoner"] = AzureModel.o1()
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "reasoner", model="o3")
    notes = DeploymentNotes()
    said, text, result = send(make_service(notes), prof, conversation())
    assert said == ["reasoner does not stream replies: asked for the whole reply at once."]
    first, second = (r.json for r in srv.requests)
    assert first["stream"] is True
    assert "stream" not in second
    assert "stream_options" not in second
    assert text == result.content == "You said: Hello"
    assert result.finish_reason == "stop"
    assert not result.incomplete
    assert notes.get(note_key(prof)).stream is False


def test_the_same_refusal_twice_is_reported_not_looped(srv):
    # A server that keeps refusing what was already adjusted: one adjustment, then the 400.
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    refusal = Fail.unsupported_value("stream", True, "Supported values are: false.")
    srv.enqueue(refusal, refusal, Reply("unreached"))
    with pytest.raises(ChatError) as info:
        list(
            make_service(DeploymentNotes()).stream(
                make_service(DeploymentNotes()).prepare(conversation(), prof)
            )
        )
    assert info.value.status == 400
    assert len(srv.requests) == 2


def test_a_value_refused_is_left_out_this_time_only(srv):
    # A refusal that does not list the values taken: nothing to remember (values listed:
    # test_refusals_told.py).
    srv.models["o3"] = AzureModel(reasoning_efforts=("minimal", "low", "medium", "high"))
    srv.enqueue(Fail.unsupported_value("reasoning_effort", "minimal"), Reply("Bonjour"))
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "o3")
    notes = DeploymentNotes()
    service = make_service(notes)
    prepared = service.prepare(conversation(), prof)
    prepared.body["reasoning_effort"] = "minimal"
    events = list(service.stream(prepared))
    adjusted = [e for e in events if isinstance(e, Adjusted)]
    assert [a.said for a in adjusted] == [
        "o3 does not take reasoning_effort 'minimal': sent without it this time."
    ]
    assert adjusted[0].note is None
    assert "reasoning_effort" not in srv.requests[1].json
    assert len(notes) == 0


def test_other_400s_are_not_adjusted(srv):
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    srv.enqueue(Fail.content_filter(), Reply("unreached"))
    service = make_service(DeploymentNotes())
    events = service.stream(service.prepare(conversation(), prof))
    with pytest.raises(ChatError):
        list(events)
    assert len(srv.requests) == 1
