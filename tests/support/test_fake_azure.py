"""FakeAzure is only useful if the real openai client sees exactly what Azure sends."""

from __future__ import annotations

import http.client
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import pytest

from tests.support.fake_azure import (
    CONTENT_FILTER_MESSAGE,
    DEPLOYMENT_NOT_FOUND_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    AzureModel,
    Drop,
    Fail,
    FakeAzure,
    Hang,
    Malformed,
    Reply,
)

USER = [{"role": "user", "content": "hello there"}]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def srv() -> Iterator[FakeAzure]:
    with FakeAzure(bearer_tokens={"entra-token"}) as server:
        yield server


@pytest.fixture
def client(srv: FakeAzure) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key", max_retries=0) as c:
        yield c


def _azure(srv: FakeAzure, **kw) -> openai.AzureOpenAI:
    kw.setdefault("api_key", "test-key")
    return openai.AzureOpenAI(
        azure_endpoint=srv.azure_endpoint, api_version="2024-10-21", max_retries=0, **kw
    )


def _complete(client: openai.OpenAI, **kw):
    return client.chat.completions.create(model="gpt-4o", messages=USER, **kw)


def _stream(client: openai.OpenAI, **kw) -> list:
    with client.chat.completions.create(model="gpt-4o", messages=USER, stream=True, **kw) as s:
        return list(s)


# --------------------------------------------------------------------------- success shapes


def test_v1_non_streaming_matches_azure_shape(srv, client):
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=USER)
    assert raw.headers["apim-request-id"] == raw.headers["x-request-id"]
    r = raw.parse()
    assert r.id.startswith("chatcmpl-")
    assert r.object == "chat.completion"
    assert r.model == "gpt-4o"
    assert r.system_fingerprint
    choice = r.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "You said: hello there"
    assert choice.finish_reason == "stop"
    cfr = choice.model_extra["content_filter_results"]
    assert cfr["violence"] == {"filtered": False, "severity": "safe"}
    assert set(cfr) == {"hate", "self_harm", "sexual", "violence"}
    pfr = r.model_extra["prompt_filter_results"]
    assert pfr[0]["prompt_index"] == 0
    assert pfr[0]["content_filter_results"]["hate"]["severity"] == "safe"
    # 21 characters in chunks of 8 -> 3 completion tokens; crude word count for the prompt.
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (2, 3, 5)

    req = srv.last_request
    assert (req.method, req.path, req.auth_kind, req.authorized) == (
        "POST",
        "/openai/v1/chat/completions",
        "bearer",
        True,
    )
    assert req.json["model"] == "gpt-4o"
    assert req.headers["authorization"] == "Bearer test-key"


def test_azure_client_uses_deployment_route_with_api_key(srv):
    with _azure(srv) as az:
        r = az.chat.completions.create(model="my-dep", messages=USER)
    assert r.choices[0].message.content == "You said: hello there"
    assert r.model == "my-dep"
    req = srv.last_request
    assert req.path == "/openai/deployments/my-dep/chat/completions"
    assert req.query == {"api-version": "2024-10-21"}
    assert (req.auth_kind, req.authorized) == ("api-key", True)
    assert "authorization" not in req.headers


def test_openai_compatible_route_and_entra_bearer(srv):
    with openai.OpenAI(base_url=srv.openai_base_url, api_key="entra-token", max_retries=0) as c:
        r = c.chat.completions.create(model="gpt-4o", messages=USER)
        assert r.choices[0].finish_reason == "stop"
        srv.bearer_tokens.discard("entra-token")  # revoked mid-session
        with pytest.raises(openai.AuthenticationError):
            c.chat.completions.create(model="gpt-4o", messages=USER)
    assert [q.authorized for q in srv.requests] == [True, False]
    assert srv.last_request.path == "/v1/chat/completions"


def test_stream_event_sequence_as_sdk_sees_it(srv, client):
    srv.enqueue(Reply("abcdefghij", chunk_size=4))
    chunks = _stream(client)
    first, role, *content, final = chunks
    # Azure's anonymous opener: parsed fine, filter results reachable as an extra field.
    assert first.choices == []
    assert (first.id, first.model, first.created) == ("", "", 0)
    assert first.prompt_filter_results[0]["prompt_index"] == 0  # type: ignore[attr-defined]
    assert role.choices[0].delta.role == "assistant"
    assert role.choices[0].delta.content == ""
    assert [c.choices[0].delta.content for c in content] == ["abcd", "efgh", "ij"]
    assert all(c.choices[0].finish_reason is None for c in content)
    assert content[0].choices[0].model_extra["content_filter_results"]["sexual"]["severity"] == (
        "safe"
    )
    assert content[0].object == "chat.completion.chunk"
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].delta.content is None
    assert final.usage is None
    assert len({c.id for c in chunks[1:]}) == 1


def test_stream_usage_chunk_only_with_include_usage(srv, client):
    srv.enqueue(Reply("x" * 20, chunk_size=5, prompt_tokens=11))
    chunks = _stream(client, stream_options={"include_usage": True})
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (11, 4)
    assert chunks[-1].usage.total_tokens == 15


def test_token_counts_prompt_counter_and_overrides():
    with FakeAzure(prompt_counter=lambda msgs: 100 * len(msgs)) as srv:
        srv.enqueue(Reply("hi", completion_tokens=42))
        with openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key", max_retries=0) as c:
            r = c.chat.completions.create(model="m", messages=USER * 2)
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (200, 42)


def test_max_tokens_truncates_with_length(srv, client):
    srv.enqueue(Reply("abcdefghij", chunk_size=2))
    r = client.chat.completions.create(model="gpt-4o", messages=USER, max_tokens=3)
    assert (r.choices[0].message.content, r.choices[0].finish_reason) == ("abcdef", "length")


def test_flagged_completion_and_output_content_filter(srv, client):
    srv.enqueue(
        Reply("partial", finish_reason="content_filter", flagged={"violence": "high"}),
        Reply("ok", flagged={"hate": "low"}),
    )
    final = _stream(client)[-1].choices[0]
    assert final.finish_reason == "content_filter"
    assert final.model_extra["content_filter_results"]["violence"] == {
        "filtered": True,
        "severity": "high",
    }
    r = client.chat.completions.create(model="gpt-4o", messages=USER)
    assert r.choices[0].model_extra["content_filter_results"]["hate"] == {
        "filtered": False,
        "severity": "low",
    }


def test_raw_sse_wire_format(srv):
    """Byte-level check, independent of how lenient the SDK's parser is."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        body = json.dumps({"model": "m", "messages": USER, "stream": True})
        conn.request("POST", "/openai/v1/chat/completions", body, {"api-key": "test-key"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("Content-Type").startswith("text/event-stream")
        assert resp.getheader("Transfer-Encoding") == "chunked"
        text = resp.read().decode()
    finally:
        conn.close()
    events = text.split("\n\n")
    assert events[-1] == ""
    assert all(e.startswith("data: ") for e in events[:-1])
    assert events[-2] == "data: [DONE]"
    opener = json.loads(events[0][6:])
    assert opener["choices"] == []
    assert "prompt_filter_results" in opener


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fail", "exc_type", "status", "code"),
    [
        (Fail.unauthorized(), openai.AuthenticationError, 401, "401"),
        (Fail.forbidden(), openai.PermissionDeniedError, 403, "PermissionDenied"),
        (Fail.deployment_not_found(), openai.NotFoundError, 404, "DeploymentNotFound"),
        (Fail.rate_limited(retry_after_ms=1500), openai.RateLimitError, 429, "429"),
        (Fail.content_filter(), openai.BadRequestError, 400, "content_filter"),
        (Fail.special_tokens(), openai.BadRequestError, 400, None),
        (Fail.invalid_unicode(), openai.InternalServerError, 500, None),
        (Fail.server_error(503), openai.InternalServerError, 503, "ServiceUnavailable"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_fail_maps_to_sdk_exception(srv, client, fail, exc_type, status, code, stream):
    srv.enqueue(fail)
    call = _stream if stream else _complete
    with pytest.raises(exc_type) as info:
        call(client)
    exc = info.value
    assert exc.status_code == status
    assert exc.code == code
    assert exc.body["message"] == fail.message
    assert exc.response.headers["apim-request-id"]


def test_fail_details(srv, client):
    srv.enqueue(Fail.rate_limited(retry_after_ms=1500), Fail.content_filter({"hate": "medium"}))
    with pytest.raises(openai.RateLimitError) as rl:
        client.chat.completions.create(model="gpt-4o", messages=USER)
    assert rl.value.response.headers["retry-after"] == "2"
    assert rl.value.response.headers["retry-after-ms"] == "1500"
    assert "Please retry after 2 seconds." in rl.value.body["message"]
    with pytest.raises(openai.BadRequestError) as cf:
        client.chat.completions.create(model="gpt-4o", messages=USER)
    assert cf.value.param == "prompt"
    assert cf.value.body["message"] == CONTENT_FILTER_MESSAGE
    inner = cf.value.body["innererror"]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    assert inner["content_filter_result"]["hate"] == {"filtered": False, "severity": "medium"}
    assert inner["content_filter_result"]["violence"] == {"filtered": False, "severity": "safe"}


def test_real_checks_auth_deployment_routes():
    with FakeAzure(deployments={"dep"}) as srv:
        with _azure(srv, api_key="wrong") as az, pytest.raises(openai.AuthenticationError) as a:
            az.chat.completions.create(model="dep", messages=USER)
        assert a.value.body == {"code": "401", "message": UNAUTHORIZED_MESSAGE}
        with _azure(srv) as az, pytest.raises(openai.NotFoundError) as nf:
            az.chat.completions.create(model="nope", messages=USER)
        assert nf.value.body == {
            "code": "DeploymentNotFound",
            "message": DEPLOYMENT_NOT_FOUND_MESSAGE,
        }
        with openai.OpenAI(base_url=srv.url + "/openai/", api_key="test-key", max_retries=0) as c:
            # Missing /v1/ in base_url: the classic "Invalid URL" misconfiguration.
            with pytest.raises(openai.NotFoundError) as bad:
                c.chat.completions.create(model="dep", messages=USER)
            assert bad.value.body == {"code": "404", "message": "Resource not found"}
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        try:
            conn.request("POST", "/openai/deployments/dep/chat/completions", "{}")
            resp = conn.getresponse()
            assert (resp.status, json.loads(resp.read())["error"]["code"]) == (404, "404")
        finally:
            conn.close()
        assert srv.queued == 0  # rejected requests consume no behaviour
        assert [r.auth_kind for r in srv.requests] == ["api-key", "api-key", "bearer", None]


def test_dropped_stream_raises_connection_error(srv, client):
    srv.enqueue(Reply("abcdefghij", chunk_size=2, drop_after=2))
    got: list[str] = []

    def consume() -> None:
        with client.chat.completions.create(model="m", messages=USER, stream=True) as s:
            got.extend(c.choices[0].delta.content for c in s if c.choices)

    with pytest.raises(openai.APIConnectionError):  # incomplete chunked body
        consume()
    assert got == ["", "ab", "cd"]  # role chunk, then two content chunks, no finish_reason
    # The pool recovers: the next request on the same client works.
    assert client.chat.completions.create(model="m", messages=USER).choices[0].message.content


def test_drop_and_truncated_body_raise_connection_error(srv, client):
    srv.enqueue(Drop(), Reply(drop_after=0))
    for _ in range(2):
        with pytest.raises(openai.APIConnectionError):
            client.chat.completions.create(model="m", messages=USER)


def test_malformed_raises_json_decode_error(srv, client):
    srv.enqueue(Malformed(), Malformed())
    with pytest.raises(json.JSONDecodeError):
        client.chat.completions.create(model="m", messages=USER)
    with pytest.raises(json.JSONDecodeError):
        _stream(client)


# --------------------------------------------------------------------------- timing


def test_slow_stream_is_delivered_incrementally(srv, client):
    srv.enqueue(Reply("abcdef", chunk_size=1, delay=0.05, first_byte_delay=0.1))
    t0 = time.monotonic()
    arrivals = []
    with client.chat.completions.create(model="m", messages=USER, stream=True) as s:
        for c in s:
            if c.choices and c.choices[0].delta.content:
                arrivals.append(time.monotonic() - t0)
    assert len(arrivals) == 6
    assert arrivals[0] >= 0.09
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.03  # not buffered up and sent at the end
    assert arrivals[-1] - arrivals[0] >= 0.2


def test_hang_times_out_client_then_release_serves_then(srv):
    srv.enqueue(Hang(30))
    with openai.OpenAI(
        base_url=srv.v1_base_url, api_key="test-key", max_retries=0, timeout=0.3
    ) as c:
        t0 = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            c.chat.completions.create(model="m", messages=USER)
        assert time.monotonic() - t0 < 2
    srv.release()

    srv.enqueue(Hang(30, then=Reply("late")))
    result: list = []
    with openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key", max_retries=0) as c:
        t = threading.Thread(
            target=lambda: result.append(c.chat.completions.create(model="m", messages=USER))
        )
        t.start()
        srv.wait_for_requests(2, timeout=5)
        time.sleep(0.05)
        assert not result
        srv.release()
        t.join(5)
    assert result[0].choices[0].message.content == "late"


@pytest.mark.parametrize("behaviour", [Hang(60), Reply("x" * 100, chunk_size=1, delay=0.5)])
def test_stop_during_hang_or_slow_stream_returns_quickly(behaviour):
    srv = FakeAzure().start()
    srv.enqueue(behaviour)
    errors: list[BaseException] = []

    def call() -> None:
        with openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key", max_retries=0) as c:
            try:
                _stream(c)
            except openai.APIError as e:
                errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    srv.wait_for_requests(1, timeout=5)
    time.sleep(0.1)
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 1.0
    t.join(5)
    assert not t.is_alive()
    assert isinstance(errors[0], openai.APIConnectionError)


def test_keep_alive_reuse_and_wait_for_requests(srv, client):
    for _ in range(3):
        assert _stream(client)[-1].choices[0].finish_reason == "stop"
        assert client.chat.completions.create(model="m", messages=USER).choices
    assert len(srv.wait_for_requests(6, timeout=1)) == 6
    with pytest.raises(TimeoutError):
        srv.wait_for_requests(7, timeout=0.05)
    srv.clear_requests()
    assert srv.last_request is None


def test_standalone_main_prints_urls():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_azure", "--port", "0", "--quiet"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
    finally:
        proc.terminate()
        proc.wait(5)
        proc.stdout.close()
    assert lines[0].startswith("FakeAzure listening on http://127.0.0.1:")
    assert "/openai/v1/" in lines[1]


@pytest.mark.parametrize(
    ("model", "body", "expected"),
    [
        (
            "o1_mini",
            {"messages": [{"role": "system", "content": "x"}], "max_completion_tokens": 5},
            {"message": "Unsupported value: 'messages[0].role' does not support 'system' with "
             "this model.", "type": "invalid_request_error", "param": "messages[0].role",
             "code": "unsupported_value"},
        ),
        (
            "o1",
            {"messages": [{"role": "user", "content": "x"}], "stream": True},
            {"message": "Unsupported value: 'stream' does not support true with this model. "
             "Supported values are: false.", "type": "invalid_request_error", "param": "stream",
             "code": "unsupported_value"},
        ),
        (
            "gpt5",
            {"messages": [{"role": "user", "content": "x"}], "max_tokens": 5},
            {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
             "Use 'max_completion_tokens' instead.", "type": "invalid_request_error",
             "param": "max_tokens", "code": "unsupported_parameter"},
        ),
        (
            "gpt5",
            {"messages": [{"role": "user", "content": "x"}], "temperature": 0.2},
            {"message": "Unsupported value: 'temperature' does not support 0.2 with this model. "
             "Only the default (1) value is supported.", "type": "invalid_request_error",
             "param": "temperature", "code": "unsupported_value"},
        ),
    ],
)  # fmt: skip
def test_models_refuse_with_azures_exact_400_bodies(srv, model, body, expected):
    srv.models["d"] = getattr(AzureModel, model)()
    response = httpx2.post(
        srv.v1_base_url + "chat/completions",
        json={"model": "d", **body},
        headers={"api-key": srv.api_key},
    )
    assert response.status_code == 400
    assert response.json() == {"error": expected}
    assert len(srv.requests) == 1


@pytest.mark.parametrize(
    ("model", "effort", "expected"),
    [
        (
            "gpt5_codex", "minimal",
            {"message": "Unsupported value: 'reasoning.effort' does not support 'minimal' with "
             "this model. Supported values are: 'low', 'medium', and 'high'.",
             "type": "invalid_request_error", "param": "reasoning.effort",
             "code": "unsupported_value"},
        ),
        (
            "gpt35_turbo", "low",
            {"message": "Unsupported parameter: 'reasoning.effort' is not supported with this "
             "model.", "type": "invalid_request_error", "param": "reasoning.effort",
             "code": "unsupported_parameter"},
        ),
    ],
)  # fmt: skip
def test_the_responses_api_refuses_an_effort_by_its_path(srv, model, effort, expected):
    srv.models["d"] = getattr(AzureModel, model)()
    response = httpx2.post(
        srv.v1_base_url + "responses",
        json={"model": "d", "input": "x", "reasoning": {"effort": effort, "summary": "auto"}},
        headers={"api-key": srv.api_key},
    )
    assert response.status_code == 400
    assert response.json() == {"error": expected}
    assert [r.json["reasoning"]["effort"] for r in srv.requests] == [effort]


# --------------------------------------------------------------------------- images


def _with_images(urls: list[str]) -> list[dict]:
    parts = [{"type": "image_url", "image_url": {"url": u}} for u in urls]
    return [{"role": "user", "content": [{"type": "text", "text": "look"}, *parts]}]


def test_images_are_checked_as_azure_checks_them(srv, client):
    from tests.support.images import data_url, image_bytes

    png = data_url(image_bytes(8, 8))
    reply = client.chat.completions.create(model="gpt-4o", messages=_with_images([png]))
    assert reply.choices[0].message.content
    with pytest.raises(openai.BadRequestError, match=r"Too many images in request\. Max is 10"):
        client.chat.completions.create(model="gpt-4o", messages=_with_images([png] * 11))
    with pytest.raises(openai.BadRequestError, match="unsupported image") as caught:
        client.chat.completions.create(
            model="gpt-4o", messages=_with_images(["data:image/png;base64,aGVsbG8="])
        )
    assert caught.value.body["param"] == "messages.[0].content.[1].image_url"
    srv.models["gpt-35-turbo"] = AzureModel.gpt35_turbo()
    with pytest.raises(openai.BadRequestError, match="only supported by certain models") as c2:
        client.chat.completions.create(model="gpt-35-turbo", messages=_with_images([png]))
    assert c2.value.body["param"] == "messages.[0].content.[1].type"
    assert [r.json["model"] for r in srv.requests] == ["gpt-4o"] * 3 + ["gpt-35-turbo"]
