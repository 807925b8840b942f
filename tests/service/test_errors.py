"""Every failure becomes a ChatError a person can act on; real faults come from FakeAzure."""

from __future__ import annotations

import json
import socket

import httpx2
import openai
import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import DeploymentNote, DeploymentNotes
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService, note_key
from chatdesk.service.client import Credentials, make_client
from chatdesk.service.entra import SignInError, SignInRequired
from chatdesk.service.errors import ErrorContext, map_error, scrub
from chatdesk.service.events import ChatError
from chatdesk.service.retry import NO_RETRY
from chatdesk.service.secrets import MemorySecretStore, Secret, SecretStoreError
from tests.support.fake_azure import Fail, FakeAzure, Hang, Malformed, Reply

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def service(factory=make_client, notes=None) -> ChatService:
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return ChatService(
        Credentials(store, env={}), client_factory=factory, retry=NO_RETRY, notes=notes
    )


def fail_with(srv: FakeAzure, behaviour, kind: str = "azure-v1", *, stream: bool = True, **kw):
    """The ChatError the service raises when the fake answers with `behaviour`."""
    srv.enqueue(behaviour)
    endpoint = srv.v1_base_url if kind == "azure-v1" else srv.azure_endpoint
    profile = ConnectionProfile("work", kind, endpoint, kw.pop("deployment", "gpt-4o"))
    chat = service(**kw)
    conv = Conversation(history=[Message("user", "hello")])
    prepared = chat.prepare(conv, profile, stream=stream)
    send = (lambda: list(chat.stream(prepared))) if stream else (lambda: chat.complete(prepared))
    with pytest.raises(ChatError) as info:
        send()
    assert KEY not in info.value.text
    return info.value


def test_401_wrong_key(srv):
    error = fail_with(srv, Fail.unauthorized())
    assert error.title == "Wrong key or token"
    assert "Check the key for profile 'work', or sign in again" in error.action
    assert error.status == 401
    assert not error.retryable


def test_403_names_the_role(srv):
    error = fail_with(srv, Fail.forbidden(), "azure-api-version")
    assert error.title == "No access to this resource"
    assert "Cognitive Services OpenAI User" in error.action
    assert not error.retryable


def test_404_deployment_not_found_names_the_deployment(srv):
    error = fail_with(srv, Fail.deployment_not_found(), deployment="my-gpt4o")
    assert error.title == "Deployment not found"
    assert "'my-gpt4o'" in error.message
    assert "the deployment name, not the model name" in error.action
    assert not error.retryable


def test_404_wrong_url_for_v1_says_where_the_path_goes(srv):
    # The classic mistake: a base URL without /v1/ (the resource answers 404).
    def factory(profile, auth):
        return openai.OpenAI(base_url=srv.url + "/openai/", api_key=KEY, max_retries=0)

    error = fail_with(srv, Reply(), factory=factory)
    assert error.title == "Wrong endpoint URL"
    assert "/openai/v1/" in error.action
    assert error.status == 404
    assert not error.retryable


def test_content_filter_lists_categories_and_severity(srv):
    error = fail_with(srv, Fail.content_filter({"violence": "high", "hate": "medium"}))
    assert error.title == "Blocked by the content filter"
    assert "violence: high" in error.message
    assert "hate: medium" in error.message
    assert "self harm" not in error.message  # safe categories are not listed
    assert error.action
    assert not error.retryable


def test_special_tokens_400_gives_the_chatml_advice(srv):
    error = fail_with(srv, Fail.special_tokens())
    assert error.title == "Special tokens in the input"
    assert "Don't use ChatML syntax or special tokens" in error.action
    assert not error.retryable


def test_other_400_shows_the_api_message(srv):
    error = fail_with(srv, Fail(400, "BadRequest", "Temperature must be at most 2."))
    assert error.message == "Temperature must be at most 2."
    assert error.status == 400
    assert not error.retryable


def test_429_is_retryable_with_the_wait(srv):
    error = fail_with(srv, Fail.rate_limited(retry_after_ms=1500))
    assert error.title == "Rate limit reached"
    assert error.retryable
    assert error.retry_after == pytest.approx(1.5)
    assert "1.5 s" in error.message
    assert error.action


def test_500_invalid_unicode_suggests_lower_temperature(srv):
    error = fail_with(srv, Fail.invalid_unicode(), stream=False)
    assert error.title == "The model produced invalid text"
    assert "temperature below 1" in error.action
    assert error.retryable
    assert error.status == 500


@pytest.mark.parametrize("status", [502, 503, 504])
def test_5xx_is_retryable(srv, status):
    error = fail_with(srv, Fail.server_error(status))
    assert error.title == f"Service error ({status})"
    assert error.retryable


def test_408_is_retryable(srv):
    error = fail_with(srv, Fail(408, "Timeout", "Request timed out."))
    assert error.title == "The request timed out"
    assert error.retryable


@pytest.mark.parametrize("stream", [True, False])
def test_malformed_answer(srv, stream):
    error = fail_with(srv, Malformed(), stream=stream)
    assert error.title == "Unexpected answer"
    assert "did not answer like Azure OpenAI" in error.message
    assert "/openai/v1/" in error.action
    assert not error.retryable


def test_read_timeout_after_the_request_was_sent_is_not_retryable(srv):
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    notes = DeploymentNotes({note_key(profile): DeploymentNote(read_timeout=0.3)})
    error = fail_with(srv, Hang(5), notes=notes)
    srv.release()
    assert error.title == "No answer in time"
    assert not error.retryable  # the service may have it: sending again is the user's choice
    assert "127.0.0.1 sent nothing for 0.3 s" in error.message
    assert "Send it again to try once more" in error.action


def test_connection_refused_names_the_host():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = service()
    profile = ConnectionProfile("work", "azure-v1", f"http://127.0.0.1:{port}/", "gpt-4o")
    prepared = chat.prepare(Conversation(history=[Message("user", "hi")]), profile)
    with pytest.raises(ChatError) as info:
        list(chat.stream(prepared))
    assert info.value.title == "Cannot reach the server"
    assert "127.0.0.1 refused the connection" in info.value.message
    assert info.value.retryable
    assert info.value.action


def _connection_error(cause: BaseException) -> openai.APIConnectionError:
    request = httpx2.Request("POST", "https://my-res.openai.azure.com/openai/v1/chat/completions")
    try:
        raise openai.APIConnectionError(request=request) from cause
    except openai.APIConnectionError as exc:
        return exc


def test_dns_failure_names_the_host():
    exc = _connection_error(socket.gaierror(-2, "Name or service not known"))
    error = map_error(exc, ErrorContext(url="https://my-res.openai.azure.com/openai/v1/"))
    assert error.title == "Cannot find the server"
    assert "my-res.openai.azure.com" in error.message
    assert error.retryable


def test_sign_in_and_keyring_errors():
    required = map_error(SignInRequired("Sign in first."), ErrorContext(profile="work"))
    assert required.title == "Sign-in needed"
    assert "profile 'work'" in required.action
    assert not required.retryable
    failed = map_error(SignInError("Could not reach Microsoft Entra ID."))
    assert failed.title == "Sign-in failed"
    assert "Entra" in failed.message
    store = map_error(SecretStoreError("The system keyring is locked."))
    assert store.title == "Cannot read the API key"
    assert "Unlock" in store.action


def test_the_active_secret_is_scrubbed_from_api_messages(srv):
    leaky = Fail(400, "BadRequest", f"Invalid header api-key: {KEY} (Bearer {KEY})")
    error = fail_with(srv, leaky)
    assert KEY not in error.text
    assert KEY not in str(error)
    assert "***" in error.message


def test_scrub_removes_tokens_and_jwts():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
    text = scrub(f"Authorization: Bearer abcdefghijklmnop; token {jwt}; key=supersecret0123456789")
    assert "abcdefghijklmnop" not in text
    assert jwt not in text
    assert "supersecret0123456789" not in text
    assert scrub("my key is hunter22!", ["hunter22"]) == "my key is ***!"


def test_unexpected_exceptions_are_mapped_too():
    error = map_error(json.JSONDecodeError("Expecting value", "", 0))
    assert error.title == "Unexpected answer"
    error = map_error(RuntimeError("boom"))
    assert error.title == "Unexpected error"
    assert "boom" in error.message


def test_chat_errors_pass_through_unchanged():
    original = ChatError("Title", "Message")
    assert map_error(original) is original


def test_an_error_before_the_body_is_sent_is_never_a_possibly_billed_drop():
    # What httpx raises for the tester's header 'X-A: b\r\nX-Injected: 1' if it got that far.
    cause = httpx2.LocalProtocolError("Illegal header value b'b\\r\\nX-Injected: 1'")
    exc = _connection_error(cause)
    error = map_error(exc, ErrorContext(url="https://my-res.openai.azure.com/openai/v1/"))
    assert error.title == "The request could not be sent"
    assert "may already have received" not in error.text
    assert "Nothing was sent" in error.action
    assert "X-Injected" not in error.text


def test_unanswered_tool_calls_are_named_with_what_to_do(srv):
    """The tester's agent file ending in unanswered tool calls: the 400 said '...did not have
    response messages: call_A1, call_B2 Check the request settings.' (no full stop, no advice)."""
    from tests.support.fake_azure_errors import INVALID_REQUEST

    error = fail_with(srv, Fail(
        400, None,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        "call_A1, call_B2",
        param="messages.[2].role", type=INVALID_REQUEST,
    ))  # fmt: skip
    assert error.title == "Tool calls without results"
    assert "call_A1, call_B2. Each tool call needs a tool message" in error.text
    assert "delete those tool calls" in error.action


def test_a_tool_result_without_its_call_is_named(srv):
    from tests.support.fake_azure_errors import INVALID_REQUEST

    error = fail_with(srv, Fail(
        400, None,
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'.",
        param="messages.[1].role", type=INVALID_REQUEST,
    ))  # fmt: skip
    assert error.title == "A tool result without its call"
    assert "'tool_calls'. A tool message must come right after" in error.text


def test_a_chat_error_compares_by_what_it_says_not_by_what_arrived_before_it():
    from chatdesk.service.events import ReplyResult

    first = ChatError("Service error (500)", "The service failed", "Try again.", status=500)
    again = ChatError("Service error (500)", "The service failed", "Try again.", status=500,
                      partial=ReplyResult(content="Half a repl"))  # fmt: skip
    assert first == again
    assert first != ChatError("Service error (500)", "The service failed", status=500)
    assert str(first) == first.args[0] == "Service error (500): The service failed. Try again."
    assert repr(first).startswith("ChatError(title='Service error (500)', message=")


def test_sign_in_needed_says_where_to_sign_in_once(tmp_path):
    # Tester, session 13: "Sign-in needed: Sign in with Microsoft Entra ID first: choose Sign in
    # for this profile. Sign in with Microsoft Entra ID for profile 'gov'." — four times, and
    # not where.
    from chatdesk.service.entra import EntraSession

    session = EntraSession("browser", record_path=tmp_path / "gov.json")
    with pytest.raises(SignInRequired) as info:
        session.token_provider()
    error = map_error(info.value, ErrorContext(profile="gov"))
    assert error.text == (
        "Sign-in needed: No one is signed in with Microsoft Entra ID for this profile yet. Open "
        "Connections, choose profile 'gov', and press Sign in on its Authentication tab."
    )
