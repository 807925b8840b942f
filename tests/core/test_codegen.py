""" "View code": the script is valid Python, sends what chatdesk sends, and never holds a key."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from chatdesk.core.codegen import (
    PLACEHOLDER_BASE_URL,
    PLACEHOLDER_DEPLOYMENT,
    messages_literal,
    python_snippet,
)
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.core.profiles import KINDS, ConnectionProfile
from chatdesk.core.trimming import TrimPlan
from tests.support.fake_azure import FakeAzure, Reply

TRICKY = [
    "He said \"hi\" and 'bye'",
    "Triple \"\"\"quotes\"\"\" and '''these'''",
    "C:\\path\\to\\file \\n not a newline \\",
    "Unicode: é ü 漢字 🙂 \u200b zero-width, \u2028 line sep, \x85 next line",
    "Special <|endoftext|> token <|im_start|>",
    "Lines\nand\r\nmore\n\n  indented\ttab\n",
    "Control \x00 \x1b[31m \x7f",
    "{braces} %s %(name)s f'{x}'",
    "",
]


def conversation() -> Conversation:
    conv = Conversation(
        system_prompt="You are a tax assistant.\nAnswer briefly.",
        examples=[Message("user", "When do I file?", name="example_user"),
                  Message("assistant", "By April 15th.", name="example_assistant")],
        params=GenerationParams(temperature=0.2, max_tokens=300,
                                response_format="json_object", stop=["END"], seed=3),
    )  # fmt: skip
    conv.append(Message("user", "Hello", name="alice"))
    conv.append(Message("assistant", "Hi Alice"))
    conv.append(Message("user", "Where is my refund?"))
    return conv


def profile(kind: str, auth: str = "key", endpoint: str | None = None, **kw) -> ConnectionProfile:
    default = {
        "azure-v1": "https://contoso.openai.azure.com/openai/v1/",
        "azure-api-version": "https://contoso.openai.azure.com/",
        "openai-compatible": "http://localhost:11434/v1",
    }[kind]
    kw.setdefault("deployment", "gpt-4o")
    return ConnectionProfile("p", kind, endpoint or default, auth=auth, **kw)  # type: ignore[arg-type]


def create_call(snippet: str) -> ast.Call:
    for node in ast.walk(ast.parse(snippet)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "create"
        ):
            return node
    raise AssertionError("no create() call")


def create_kwargs(snippet: str) -> dict[str, Any]:
    return {kw.arg: ast.literal_eval(kw.value) for kw in create_call(snippet).keywords}


def client_call(snippet: str) -> tuple[str, dict[str, str]]:
    """The client class and its keyword arguments as source text."""
    for node in ast.walk(ast.parse(snippet)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "client":
            call = node.value
            assert isinstance(call, ast.Call)
            assert isinstance(call.func, ast.Name)
            return call.func.id, {kw.arg: ast.unparse(kw.value) for kw in call.keywords}
    raise AssertionError("no client")


KEY_LOOKING = re.compile(r"\b[0-9a-fA-F]{32}\b|\bsk-[A-Za-z0-9]{8,}|test-key|Bearer ")


def assert_keyless(snippet: str) -> None:
    assert "os.getenv(" in snippet or "token_provider" in snippet
    assert not KEY_LOOKING.search(snippet)


# -- every kind and auth mode ----------------------------------------------------------------
@pytest.mark.parametrize("auth", ["key", "entra"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_and_auth_compiles(kind, auth):
    snippet = python_snippet(conversation(), profile(kind, auth))
    compile(snippet, "snippet.py", "exec")
    assert_keyless(snippet)
    cls, kwargs = client_call(snippet)
    if kind == "azure-api-version":
        assert cls == "AzureOpenAI"
        assert kwargs["api_version"] == "'2024-10-21'"
        assert kwargs["azure_endpoint"] == "'https://contoso.openai.azure.com/'"
        credential = "azure_ad_token_provider" if auth == "entra" else "api_key"
    else:
        assert cls == "OpenAI"
        expected = {
            "azure-v1": "https://contoso.openai.azure.com/openai/v1/",
            "openai-compatible": "http://localhost:11434/v1",
        }[kind]
        assert kwargs["base_url"] == repr(expected)
        credential = "api_key"
    if auth == "entra":
        assert kwargs[credential] == "token_provider"
        assert "from azure.identity import DefaultAzureCredential, get_bearer_token_provider" in (
            snippet
        )
        assert (
            "get_bearer_token_provider(\n    DefaultAzureCredential(), "
            '"https://cognitiveservices.azure.com/.default"\n)'
        ) in snippet
        assert "import os" not in snippet
    else:
        env = "OPENAI_API_KEY" if kind == "openai-compatible" else "AZURE_OPENAI_API_KEY"
        assert kwargs[credential] == f"os.getenv({env!r})"
        assert "azure.identity" not in snippet
    assert snippet.rstrip().endswith("print(response.choices[0].message.content)")


def test_endpoint_is_normalised():
    pasted = (
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-10-21&api-key=0123456789abcdef0123456789abcdef"
    )
    snippet = python_snippet(conversation(), profile("azure-v1", endpoint=pasted))
    assert client_call(snippet)[1]["base_url"] == "'https://contoso.openai.azure.com/openai/v1/'"
    assert_keyless(snippet)


def test_unusable_endpoint_becomes_a_placeholder_never_echoed():
    p = profile("azure-v1", endpoint="https://user:0123456789abcdef0123456789abcdef@host/")
    snippet = python_snippet(conversation(), p)
    compile(snippet, "snippet.py", "exec")
    assert client_call(snippet)[1]["base_url"] == repr(PLACEHOLDER_BASE_URL)
    assert "# Replace the endpoint:" in snippet
    assert_keyless(snippet)


def test_key_env_is_used_and_a_pasted_key_never_is():
    snippet = python_snippet(conversation(), profile("azure-v1", key_env="MY_AOAI_KEY"))
    assert 'api_key=os.getenv("MY_AOAI_KEY")' in snippet
    pasted = profile("azure-v1", key_env="0123456789abcdef0123456789abcdef")
    snippet = python_snippet(conversation(), pasted)
    assert 'api_key=os.getenv("AZURE_OPENAI_API_KEY")' in snippet
    assert_keyless(snippet)


def test_no_profile_uses_the_seeds_placeholders():
    snippet = python_snippet(conversation(), None)
    compile(snippet, "snippet.py", "exec")
    assert f'base_url="{PLACEHOLDER_BASE_URL}"' in snippet
    assert f'model="{PLACEHOLDER_DEPLOYMENT}"' in snippet
    assert 'api_key=os.getenv("AZURE_OPENAI_API_KEY")' in snippet


# -- the request -----------------------------------------------------------------------------
def test_params_appear():
    kwargs = create_kwargs(python_snippet(conversation(), profile("azure-v1")))
    assert kwargs["model"] == "gpt-4o"
    assert kwargs["temperature"] == 0.2
    assert kwargs["max_tokens"] == 300
    assert kwargs["response_format"] == {"type": "json_object"}
    assert kwargs["stop"] == ["END"]
    assert kwargs["seed"] == 3
    assert "stream" not in kwargs
    assert "stream_options" not in kwargs


def test_gpt5_gets_max_completion_tokens_and_no_sampling():
    kwargs = create_kwargs(python_snippet(conversation(), profile("azure-v1", deployment="gpt-5")))
    assert kwargs["model"] == "gpt-5"
    assert kwargs["max_completion_tokens"] == 300
    assert "max_tokens" not in kwargs
    assert "temperature" not in kwargs  # reasoning models reject it


def test_profile_model_decides_the_family_for_an_opaque_deployment():
    p = profile("azure-v1", deployment="prod-chat", model="o3-mini")
    kwargs = create_kwargs(python_snippet(conversation(), p))
    assert kwargs["model"] == "prod-chat"
    assert kwargs["max_completion_tokens"] == 300


def test_default_params_are_left_out():
    conv = Conversation()
    conv.append(Message("user", "hi"))
    kwargs = create_kwargs(python_snippet(conv, profile("azure-v1")))
    assert kwargs == {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


def test_names_and_order_preserved():
    conv = conversation()
    conv.system_name = "setup"
    kwargs = create_kwargs(python_snippet(conv, profile("azure-v1")))
    assert kwargs["messages"] == [
        {"role": "system", "content": "You are a tax assistant.\nAnswer briefly.",
         "name": "setup"},
        {"role": "user", "content": "When do I file?", "name": "example_user"},
        {"role": "assistant", "content": "By April 15th.", "name": "example_assistant"},
        {"role": "user", "content": "Hello", "name": "alice"},
        {"role": "assistant", "content": "Hi Alice"},
        {"role": "user", "content": "Where is my refund?"},
    ]  # fmt: skip


def test_plan_trims_history_as_chatdesk_would():
    conv = conversation()
    plan = TrimPlan("tokens", 8192, 300, 50, 20, 0, history_len=3, first_sent=2, fits=True)
    messages = create_kwargs(python_snippet(conv, profile("azure-v1"), plan))["messages"]
    assert [m["content"] for m in messages] == [
        "You are a tax assistant.\nAnswer briefly.", "When do I file?", "By April 15th.",
        "Where is my refund?",
    ]  # fmt: skip
    # A reply that arrived after the plan was made is still included.
    conv.append(Message("assistant", "Checking."))
    messages = create_kwargs(python_snippet(conv, profile("azure-v1"), plan))["messages"]
    assert [m["content"] for m in messages][-2:] == ["Where is my refund?", "Checking."]


def test_draft_is_sent_as_the_last_user_message():
    conv = conversation()
    messages = create_kwargs(python_snippet(conv, None, draft="And the deadline?"))["messages"]
    assert messages[-1] == {"role": "user", "content": "And the deadline?"}
    assert len(conv) == 3  # the conversation itself is untouched


def test_one_dict_per_line():
    text = messages_literal(
        [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    )
    assert text == (
        '[\n    {"role": "user", "content": "a"},\n    {"role": "assistant", "content": "b"},\n]'
    )


@pytest.mark.parametrize("content", TRICKY)
def test_tricky_content_round_trips_exactly(content):
    conv = Conversation(system_prompt=content or "sys")
    conv.append(Message("user", content, name="x"))
    conv.append(Message("assistant", content))
    conv.append(Message("user", content + content))
    snippet = python_snippet(conv, profile("azure-v1"))
    expected = [m.to_api() for m in conv.all_messages()]
    assert create_kwargs(snippet)["messages"] == expected
    namespace: dict[str, Any] = {}
    exec(compile("messages = " + messages_literal(expected), "<literal>", "exec"), namespace)
    assert namespace["messages"] == expected


def test_all_tricky_content_in_one_literal():
    expected = [{"role": "user", "content": text} for text in TRICKY]
    assert ast.literal_eval(messages_literal(expected)) == expected
    assert messages_literal([]) == "[]"


# -- running it ------------------------------------------------------------------------------
@pytest.fixture
def fake():
    with FakeAzure(api_key="test-key") as srv:
        yield srv


def run_snippet(snippet: str, tmp_path, env_name: str = "AZURE_OPENAI_API_KEY") -> str:
    script = tmp_path / "snippet.py"
    script.write_text(snippet, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env[env_name] = "test-key"
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8")


@pytest.mark.parametrize(
    ("kind", "url"),
    [("azure-v1", "v1_base_url"), ("azure-api-version", "azure_endpoint")],
)
def test_key_mode_snippet_runs_against_the_fake(fake, tmp_path, kind, url):
    conv = conversation()
    conv.append(Message("user", 'Tricky "quotes" \\ 漢字 🙂'))
    fake.enqueue(Reply("The fake's reply ✓"))
    p = profile(kind, endpoint=getattr(fake, url))
    out = run_snippet(python_snippet(conv, p), tmp_path)
    assert out == "The fake's reply ✓\n"
    request = fake.last_request
    assert request is not None
    assert request.auth_kind == ("api-key" if kind == "azure-api-version" else "bearer")
    if kind == "azure-api-version":
        assert request.path == "/openai/deployments/gpt-4o/chat/completions"
        assert request.query["api-version"] == "2024-10-21"
    assert request.json["messages"] == [m.to_api() for m in conv.all_messages()]
    assert request.json["temperature"] == 0.2
    assert request.json["response_format"] == {"type": "json_object"}
    assert "stream" not in request.json


def test_openai_compatible_snippet_runs_with_its_key_env(fake, tmp_path):
    p = profile("openai-compatible", endpoint=fake.openai_base_url, key_env="LOCAL_API_KEY")
    out = run_snippet(python_snippet(conversation(), p), tmp_path, env_name="LOCAL_API_KEY")
    assert out == "You said: Where is my refund?\n"


@pytest.mark.parametrize(
    ("endpoint", "scope", "authority"),
    [
        ("https://contoso.openai.azure.us/openai/v1/", "https://cognitiveservices.azure.us/.default",
         'DefaultAzureCredential(authority="login.microsoftonline.us")'),
        ("https://contoso.openai.azure.cn/openai/v1/", "https://cognitiveservices.azure.cn/.default",
         'DefaultAzureCredential(authority="login.chinacloudapi.cn")'),
        ("https://contoso.openai.azure.com/openai/v1/",
         "https://cognitiveservices.azure.com/.default", "DefaultAzureCredential()"),
    ],
)  # fmt: skip
def test_entra_snippet_uses_the_endpoints_cloud(endpoint, scope, authority):
    snippet = python_snippet(conversation(), profile("azure-v1", "entra", endpoint))
    ast.parse(snippet)
    assert f'{authority}, "{scope}"' in snippet


def test_gateway_snippet_sends_its_headers_and_the_key_as_api_key(fake, tmp_path):
    p = profile(
        "azure-v1",
        endpoint=fake.v1_base_url,
        key_header="api-key",
        headers={"X-Team": "blue"},
        secret_headers=["Ocp-Apim-Subscription-Key"],
    )
    snippet = python_snippet(conversation(), p)
    assert 'os.getenv("OCP_APIM_SUBSCRIPTION_KEY")' in snippet
    os.environ["OCP_APIM_SUBSCRIPTION_KEY"] = "sub-value"
    try:
        run_snippet(snippet, tmp_path)
    finally:
        del os.environ["OCP_APIM_SUBSCRIPTION_KEY"]
    request = fake.last_request
    assert request.auth_kind == "api-key"
    assert "authorization" not in request.headers
    assert request.headers["x-team"] == "blue"
    assert request.headers["ocp-apim-subscription-key"] == "sub-value"


def test_preview_snippet_calls_the_v1_route_with_api_version_preview(fake, tmp_path):
    p = profile("azure-api-version", endpoint=fake.azure_endpoint, api_version="preview")
    run_snippet(python_snippet(conversation(), p), tmp_path)
    request = fake.last_request
    assert request.path == "/openai/v1/chat/completions"
    assert request.query == {"api-version": "preview"}
    assert request.auth_kind == "api-key"


def test_tools_parts_and_reasoning_fields_appear_as_they_are_sent():
    import json as _json

    from chatdesk.core.fileformat import loads
    from tests.support.request_bodies import tool_turns_body, vision_body

    body = tool_turns_body()
    conv = loads(_json.dumps(body)).conversation
    snippet = python_snippet(conv, profile("azure-v1", deployment="gpt-5"))
    kwargs = create_kwargs(snippet)
    for key in ("tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "user",
                "metadata", "seed"):  # fmt: skip
        assert kwargs[key] == body[key], key
    assert kwargs["messages"] == body["messages"]  # null content and tool turns included
    assert "message.tool_calls" in snippet
    vision = vision_body()
    kwargs = create_kwargs(python_snippet(loads(_json.dumps(vision)).conversation, None))
    assert kwargs["messages"] == vision["messages"]  # content parts, kept whole


def test_o1_mini_script_leaves_out_the_effort_and_verbosity_it_does_not_take():
    conv = conversation()
    conv.params.reasoning_effort = "low"
    conv.params.verbosity = "low"
    script = python_snippet(conv, profile("azure-v1", deployment="o1-mini"))
    kwargs = create_kwargs(script)
    assert "reasoning_effort" not in kwargs
    assert "verbosity" not in kwargs
    assert '# o1-mini takes no reasoning_effort: reasoning_effort "low" is not sent.' in script
    assert '# o1-mini takes no verbosity: verbosity "low" is not sent.' in script
    gpt5 = create_kwargs(python_snippet(conv, profile("azure-v1", deployment="gpt-5")))
    assert (gpt5["reasoning_effort"], gpt5["verbosity"]) == ("low", "low")
    # A deployment whose model is not known: sent as set (it may be a reasoning model).
    opaque = create_kwargs(python_snippet(conv, profile("azure-v1", deployment="chat-prod")))
    assert opaque["reasoning_effort"] == "low"


# -- the Responses API ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "url", "path"),
    [("azure-v1", "v1_base_url", "/openai/v1/responses"),
     ("azure-api-version", "azure_endpoint", "/openai/responses")],
)  # fmt: skip
def test_a_responses_conversation_runs_as_a_responses_call(fake, tmp_path, kind, url, path):
    conv = conversation()
    conv.api = "responses"
    fake.enqueue(Reply("The fake's answer ✓"))
    p = profile(kind, endpoint=getattr(fake, url))
    if kind == "azure-api-version":
        p.api_version = "2025-04-01-preview"
    snippet = python_snippet(conv, p)
    assert "# The Responses API has no stop: not sent." in snippet
    assert "# The Responses API has no seed: not sent." in snippet
    assert "client.responses.create(" in snippet
    assert run_snippet(snippet, tmp_path) == "The fake's answer ✓\n"
    request = fake.last_request
    assert request.path == path
    assert request.json == {
        "model": "gpt-4o",
        "instructions": "You are a tax assistant.\nAnswer briefly.",
        "input": [
            {"role": "user", "content": "When do I file?"},
            {"role": "assistant", "content": "By April 15th."},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi Alice"},
            {"role": "user", "content": "Where is my refund?"},
        ],
        "temperature": 0.2,
        "max_output_tokens": 300,
        "text": {"format": {"type": "json_object"}},
        "store": False,
    }


def test_a_service_kept_conversation_continues_from_its_stored_response(fake, tmp_path):
    from chatdesk.core.messages import MessageMeta

    conv = conversation()
    conv.api, conv.history_keeper = "responses", "service"
    conv.params.reasoning_summary = "auto"
    p = profile("azure-v1", endpoint=fake.v1_base_url, deployment="o4-mini")
    fake.enqueue(Reply("First", summary=["Thinking it over."]))
    first = run_snippet(python_snippet(conv, p), tmp_path)
    assert first == "Reasoning: Thinking it over.\nFirst\n"
    (stored,) = fake.stored_responses
    conv.append(Message("assistant", "First", meta=MessageMeta(response_id=stored, store=True)))
    conv.append(Message("user", "And then?"))
    snippet = python_snippet(conv, p)
    assert f'previous_response_id="{stored}"' in snippet
    assert snippet.startswith('"""A chatdesk conversation as a Responses API request.')
    assert run_snippet(snippet, tmp_path) == "You said: And then?\n"
    assert fake.last_request.json["input"] == [{"role": "user", "content": "And then?"}]
    assert fake.last_request.json["reasoning"] == {"summary": "auto"}
