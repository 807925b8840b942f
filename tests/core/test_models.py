"""The model catalog: each model's limits and what its requests may hold, and the request
builder and the budget obeying them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.core.models import CATALOG, known_model, match_model, model_for
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.request import build_request


def conversation(**params) -> Conversation:
    conv = Conversation(
        system_prompt="Be brief.",
        params=GenerationParams(temperature=0.3, top_p=0.9, max_tokens=500, **params),
    )
    conv.append(Message("user", "Hello"))
    return conv


def request_for(model: str, conv: Conversation | None = None, **kw) -> dict:
    conv = conv or conversation()
    budget = Budget(conv, model=model)
    body = build_request(conv, budget.plan(), model="deployment", family=budget.family, **kw)
    budget.close()
    return body


@pytest.mark.parametrize(
    ("name", "key", "window", "output"),
    [
        ("gpt-5-chat", "gpt-5-chat", 128_000, 16_384),
        ("gpt-5-chat-2025-08-07", "gpt-5-chat", 128_000, 16_384),
        ("gpt-5", "gpt-5", 400_000, 128_000),
        ("gpt-5-mini", "gpt-5-mini", 400_000, 128_000),
        ("gpt-5.1", "gpt-5.1", 400_000, 128_000),
        ("gpt-5.1-chat", "gpt-5.1-chat", 128_000, 16_384),
        ("gpt-5.2-chat", "gpt-5.2-chat", 128_000, 16_384),
        ("gpt-5.2-2025-12-11", "gpt-5.2", 400_000, 128_000),
        ("gpt-4-1106-preview", "gpt-4-1106-preview", 128_000, 4_096),
        ("gpt-4-0125-preview", "gpt-4-0125-preview", 128_000, 4_096),
        ("gpt-4-turbo-2024-04-09", "gpt-4-turbo", 128_000, 4_096),
        ("gpt-4-0613", "gpt-4", 8_192, 4_096),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 128_000, 4_096),
        ("gpt-4o-2024-11-20", "gpt-4o", 128_000, 16_384),
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", 1_047_576, 32_768),
        ("o1-mini", "o1-mini", 128_000, 65_536),
        ("o1-preview", "o1-preview", 128_000, 32_768),
        ("o3-pro", "o3-pro", 200_000, 100_000),
        ("gpt-5-codex", "gpt-5-codex", 400_000, 128_000),
    ],
)
def test_names_resolve_to_their_rows(name, key, window, output):
    info = known_model(name)
    assert info is not None
    assert (info.key, info.context_window, info.max_output) == (key, window, output)


def test_every_row_is_complete_and_consistent():
    for info in CATALOG.values():
        assert info.encoding in ("o200k_base", "cl100k_base")
        assert 0 < info.max_output <= info.context_window
        if info.reasoning:
            assert not info.sampling
            assert info.limit_param == "max_completion_tokens"
        if info.verbosity:
            assert info.reasoning_efforts


def test_gpt5_chat_is_a_chat_model_not_a_reasoning_one():
    info = CATALOG["gpt-5-chat"]
    assert (info.sampling, info.reasoning, info.reasoning_efforts) == (True, False, ())
    body = request_for("gpt-5-chat")
    assert body["temperature"] == 0.3
    assert body["messages"][0]["role"] == "system"


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5.1", "gpt-5.2-chat", "o3", "o4-mini"])
def test_reasoning_models_get_no_sampling_and_max_completion_tokens(model):
    body = request_for(model, conversation(presence_penalty=0.5))
    for key in ("temperature", "top_p", "presence_penalty", "max_tokens"):
        assert key not in body
    assert body["max_completion_tokens"] == 500


def test_chat_models_keep_max_tokens_and_sampling():
    body = request_for("gpt-4o")
    assert (body["max_tokens"], body["temperature"], body["top_p"]) == (500, 0.3, 0.9)


def test_o1_mini_takes_the_system_prompt_in_the_first_user_turn():
    body = request_for("o1-mini")
    assert body["messages"] == [{"role": "user", "content": "Be brief.\n\nHello"}]


def test_a_developer_message_is_sent_as_system_to_a_model_without_developer():
    conv = conversation()
    conv.append(Message("developer", "Answer in French."))
    conv.append(Message("user", "And now?"))
    roles = [m["role"] for m in request_for("gpt-4", conv)["messages"]]
    assert roles == ["system", "user", "system", "user"]
    roles = [m["role"] for m in request_for("o3", conv)["messages"]]
    assert roles == ["system", "user", "developer", "user"]  # o3 takes both


@pytest.mark.parametrize(
    ("model", "sent_as"),
    [("gpt-4o", "system"), ("gpt-4.1", "system"), ("gpt-5-chat", "system"), ("gpt-35-turbo",
     "system"), ("gpt-5", "developer"), ("o3", "developer"), ("o4-mini", "developer")],
)  # fmt: skip
def test_a_leading_developer_message_is_sent_as_the_readme_says(model, sent_as):
    # Tester: the README said a leading developer message keeps its role; gpt-4o and gpt-4.1
    # send it as system (the chat models' Azure documentation knows only system).
    from chatdesk.core.fileformat import dumps, loads

    doc = {"messages": [{"role": "developer", "content": "Use the tools when they help."},
                        {"role": "user", "content": "When do I file?"}]}  # fmt: skip
    conv = loads(json.dumps(doc)).conversation
    assert [m["role"] for m in request_for(model, conv)["messages"]] == [sent_as, "user"]
    saved = json.loads(dumps(conv))["messages"][0]
    assert saved["role"] == "developer"  # the file keeps the role as written
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text("utf-8").split())
    assert "(its role is kept; it is sent in the role the model takes" not in readme
    assert (
        "as `system` for the chat models (gpt-4o, gpt-4.1, gpt-5-chat, gpt-35-turbo…)" in readme
    )


def test_models_without_streaming_are_not_asked_to_stream():
    assert "stream" not in request_for("o1")
    assert request_for("o3")["stream"] is True


def test_budget_uses_the_catalog_window():
    conv = conversation()
    assert Budget(conv, model="gpt-4-1106-preview").limit() == 128_000
    assert Budget(conv, model="gpt-5-chat").limit() == 128_000
    # gpt-5's prompt alone is capped at 272k of its 400k.
    assert Budget(conv, model="gpt-5").limit() == 272_000 + 500


def test_a_neutral_deployment_is_the_model_the_profile_declares():
    profile = ConnectionProfile("p", "azure-v1", "https://x.openai.azure.com/", "chat-prod")
    assert profile.model_match().exact is False
    declared = ConnectionProfile(
        "p", "azure-v1", "https://x.openai.azure.com/", "chat-prod", model="gpt-5"
    )
    match = declared.model_match("chat-prod")
    assert (match.family.key, match.exact) == ("gpt-5", True)
    assert model_for("gpt-5", "chat-prod").key == "gpt-5"
    # A declared model wins over the model field of a pasted body; so does a known deployment.
    assert declared.model_match("gpt-4o").family.key == "gpt-5"
    named = ConnectionProfile("p", "azure-v1", "https://x.openai.azure.com/", "o3-prod")
    assert named.model_match("gpt-4o").family.key == "o3"
    assert profile.model_match("gpt-4.1").family.key == "gpt-4.1"  # chat-prod says nothing
    conv = conversation()
    budget = Budget(conv, match=match)
    body = build_request(conv, budget.plan(), model="chat-prod", family=budget.family)
    assert "temperature" not in body
    assert body["max_completion_tokens"] == 500


def test_unknown_names_fall_back_as_an_estimate():
    match = match_model(["chat-prod", None], "gpt-4")
    assert (match.family.key, match.exact, match.label) == ("gpt-4", False, "gpt-4 (estimate)")


def test_a_151k_token_conversation_is_trimmed_for_gpt5_chat_not_sent_whole():
    # The case: gpt-5-chat was taken for a 400k reasoning model, so 151k tokens "fit".
    conv = Conversation(system_prompt="Be brief.")
    paragraph = "The quick brown fox jumps over the lazy dog. " * 100  # ~1,000 tokens
    for i in range(151):
        conv.append(Message("user" if i % 2 == 0 else "assistant", f"{i} {paragraph}"))
    budget = Budget(conv, model="gpt-5-chat")
    assert budget.ledger.history_tokens() > 150_000
    chat = budget.plan()
    assert (chat.limit, chat.fits) == (128_000, True)
    assert chat.total < 128_000
    assert len(chat.dropped) > 20  # the oldest turns are left out
    reasoning = Budget(conv, model="gpt-5").plan()
    assert len(reasoning.dropped) == 0  # gpt-5 itself holds it: 272k of input
