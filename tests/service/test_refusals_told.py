"""What the request really sends, told truthfully (session 13 tester, findings 9 and 10): a
deployment that refuses both names of the response limit is switched once and reported as
Azure said it, remembering nothing wrong; a value refused with the values Azure lists is
remembered, so later sends ask once. FakeAzure's request log shows every request sent."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.deployments import DeploymentNote, DeploymentNotes, note_key
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService
from chatdesk.service.client import Credentials
from chatdesk.service.events import Adjusted, ChatError, ReplyResult
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import AzureModel, Fail, FakeAzure, Reply

KEY = "test-key"
# A gateway and a model that disagree: each name of the limit is refused for the other.
WEIRD = {"max_tokens": "max_completion_tokens", "max_completion_tokens": "max_tokens"}


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def make_service(notes: DeploymentNotes) -> ChatService:
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return ChatService(Credentials(store, env={}), retry=RetryPolicy(base_delay=0.01), notes=notes)


def conversation(**params) -> Conversation:
    return Conversation(history=[Message("user", "Hello")], params=GenerationParams(**params))


def test_both_limit_names_refused_switches_once_and_reports_it_as_azure_said(srv):
    srv.models["weird"] = AzureModel(unsupported=dict(WEIRD))
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "weird")
    notes = DeploymentNotes()
    service = make_service(notes)
    events: list[object] = []
    stream = service.stream(service.prepare(conversation(max_tokens=500), prof))
    with pytest.raises(ChatError) as info:
        events.extend(stream)  # the events before the error are kept

    sent = [r.json for r in srv.requests]
    assert [("max_tokens" in b, "max_completion_tokens" in b) for b in sent] == [
        (True, False),
        (False, True),
    ]
    said = [e.said for e in events if isinstance(e, Adjusted) and e.said]
    assert said == [
        "weird takes max_completion_tokens, not max_tokens: sent the response limit as "
        "max_completion_tokens."
    ]
    error = info.value
    assert error.status == 400
    assert error.message == (
        "Unsupported parameter: 'max_completion_tokens' is not supported with this model. "
        "Use 'max_tokens' instead."
    )
    assert "model family" not in error.text
    assert error.action.startswith(
        "weird refused max_tokens and then max_completion_tokens, the two names of the "
        "response limit"
    )
    # Nothing wrong is remembered, in the shared notes or in what the caller is told to save.
    assert notes.to_json() == {}
    assert [e.note for e in events if isinstance(e, Adjusted)][-1] == DeploymentNote()


def test_both_limit_names_refused_keeps_what_was_learned_before(srv):
    srv.models["weird"] = AzureModel(unsupported=dict(WEIRD))
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "weird")
    before = DeploymentNote(dropped=["stop"])
    notes = DeploymentNotes({note_key(prof): before})
    service = make_service(notes)
    with pytest.raises(ChatError):
        list(service.stream(service.prepare(conversation(max_tokens=500), prof)))
    assert len(srv.requests) == 2
    assert notes.get(note_key(prof)) == before


def test_a_value_refused_with_the_values_taken_is_remembered_and_not_asked_again(srv):
    srv.models["gpt-5"] = AzureModel(
        unsupported={"max_tokens": "max_completion_tokens"},
        fixed_sampling=True,
        reasoning_efforts=("low", "medium"),
    )
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-5")
    notes = DeploymentNotes()
    service = make_service(notes)
    conv = conversation(reasoning_effort="high")

    events = list(service.stream(service.prepare(conv, prof)))
    assert isinstance(events[-1], ReplyResult)
    assert not events[-1].incomplete
    adjusted = [e for e in events if isinstance(e, Adjusted)]
    assert [a.said for a in adjusted] == [
        "gpt-5 takes reasoning_effort 'low' or 'medium', not 'high': sent without it, so the "
        "service's default reasoning_effort was used."
    ]
    assert [r.json.get("reasoning_effort") for r in srv.requests] == ["high", None]
    assert notes.to_json() == {note_key(prof): {"values": {"reasoning_effort": ["low", "medium"]}}}
    assert adjusted[0].note == notes.get(note_key(prof))

    # Every later send goes right the first time: one request, nothing adjusted.
    srv.clear_requests()
    events = list(service.stream(service.prepare(conv, prof)))
    assert not [e for e in events if isinstance(e, Adjusted)]
    assert len(srv.requests) == 1
    assert "reasoning_effort" not in srv.requests[0].json
    # A value it takes is sent as it is.
    srv.clear_requests()
    list(service.stream(service.prepare(conversation(reasoning_effort="low"), prof)))
    assert [r.json.get("reasoning_effort") for r in srv.requests] == ["low"]



def responses_conversation(**params) -> Conversation:
    conv = conversation(**params)
    conv.api = "responses"
    return conv


def effort(request) -> str | None:
    return (request.json.get("reasoning") or {}).get("effort")


CODEX = AzureModel(reasoning_efforts=("low", "medium", "high"), name="gpt-5-codex")


def test_the_responses_api_s_refused_effort_is_remembered_for_both_apis(srv):
    # The Responses API nests it as reasoning: {effort}, and Azure's refusal names
    # "reasoning.effort": it was reported as an error on every send, and nothing was learned.
    srv.models["codex"] = CODEX
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "codex")
    notes = DeploymentNotes()
    service = make_service(notes)
    conv = responses_conversation(reasoning_effort="minimal", reasoning_summary="auto")

    events = list(service.stream(service.prepare(conv, prof)))
    assert isinstance(events[-1], ReplyResult)
    assert not events[-1].incomplete
    assert [e.said for e in events if isinstance(e, Adjusted)] == [
        "codex takes reasoning_effort 'low', 'medium' or 'high', not 'minimal': sent without "
        "it, so the service's default reasoning_effort was used."
    ]
    assert [r.path for r in srv.requests] == ["/openai/v1/responses"] * 2
    assert [r.json.get("reasoning") for r in srv.requests] == [
        {"effort": "minimal", "summary": "auto"},
        {"summary": "auto"},  # the rest of reasoning kept
    ]
    # Remembered under the parameter's one name: Parameters offers the same values whichever
    # API the conversation uses.
    assert notes.to_json() == {
        note_key(prof): {"values": {"reasoning_effort": ["low", "medium", "high"]}}
    }

    # The next send goes right the first time: one request, nothing adjusted.
    srv.clear_requests()
    events = list(service.stream(service.prepare(conv, prof)))
    assert not [e for e in events if isinstance(e, Adjusted)]
    assert [r.json.get("reasoning") for r in srv.requests] == [{"summary": "auto"}]
    # A value it takes is sent as it is, through either API.
    srv.clear_requests()
    list(service.stream(service.prepare(responses_conversation(reasoning_effort="low"), prof)))
    list(service.stream(service.prepare(conversation(reasoning_effort="high"), prof)))
    assert [effort(srv.requests[0]), srv.requests[1].json.get("reasoning_effort")] == [
        "low", "high",
    ]  # fmt: skip


def test_what_chat_completions_learned_holds_for_the_responses_api(srv):
    srv.models["codex"] = CODEX
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "codex")
    service = make_service(DeploymentNotes())
    list(service.stream(service.prepare(conversation(reasoning_effort="minimal"), prof)))
    assert len(srv.requests) == 2

    srv.clear_requests()
    conv = responses_conversation(reasoning_effort="minimal")
    list(service.stream(service.prepare(conv, prof)))
    assert len(srv.requests) == 1
    assert "reasoning" not in srv.requests[0].json  # nothing left in it: not sent at all


def test_a_responses_effort_refused_without_the_values_is_left_out_this_time(srv):
    srv.models["codex"] = CODEX
    srv.enqueue(Fail.unsupported_value("reasoning.effort", "high"), Reply("Bonjour"))
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "codex")
    notes = DeploymentNotes()
    service = make_service(notes)
    conv = responses_conversation(reasoning_effort="high")
    events = list(service.stream(service.prepare(conv, prof)))
    assert [e.said for e in events if isinstance(e, Adjusted)] == [
        "codex does not take reasoning_effort 'high': sent without it this time."
    ]
    assert [effort(r) for r in srv.requests] == ["high", None]
    assert notes.to_json() == {}


def test_a_model_without_reasoning_refusing_the_effort_is_remembered(srv):
    srv.models["chat-prod"] = AzureModel()  # no reasoning_effort at all
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "chat-prod")
    notes = DeploymentNotes()
    service = make_service(notes)
    conv = responses_conversation(reasoning_effort="low")
    events = list(service.stream(service.prepare(conv, prof)))
    assert [e.said for e in events if isinstance(e, Adjusted)] == [
        "chat-prod does not take reasoning_effort: sent without it."
    ]
    assert notes.to_json() == {note_key(prof): {"dropped": ["reasoning_effort"]}}
    srv.clear_requests()
    list(service.stream(service.prepare(conv, prof)))
    assert len(srv.requests) == 1
    assert "reasoning" not in srv.requests[0].json
