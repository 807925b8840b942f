"""What the request really sends, in the core (session 13 tester, findings 7 to 10): the values
a deployment takes, read from Azure's refusal and remembered; the limit-parameter switch made
once; what a note leaves out, in words; the parameters "What will be sent" lists; and the
larger limit Retry offers after an empty reply spent on reasoning."""

from __future__ import annotations

import json

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.deployments import (
    DeploymentNote,
    Rejection,
    adjust,
    describe,
    read_rejection,
)
from chatdesk.core.messages import Message
from chatdesk.core.request_params import request_parameters
from chatdesk.core.settings import Settings, load_settings, save_settings
from chatdesk.core.usage import larger_limit

EFFORT_REFUSED = (
    "Unsupported value: 'reasoning_effort' does not support 'high' with this model. Supported "
    "values are: 'low', 'medium'."
)


@pytest.mark.parametrize(
    ("message", "supported"),
    [
        (EFFORT_REFUSED, ("low", "medium")),
        (
            "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
            "Supported values are: 'low', 'medium', and 'high'.",
            ("low", "medium", "high"),
        ),
        ("Unsupported value: 'reasoning_effort' does not support 'minimal' with this model.", ()),
    ],
)
def test_the_values_a_refusal_lists_are_read(message, supported):
    rejection = read_rejection("unsupported_value", "reasoning_effort", message)
    assert rejection is not None
    assert rejection.supported == supported


def test_a_value_refused_with_the_values_taken_is_remembered_and_left_out():
    rejection = read_rejection("unsupported_value", "reasoning_effort", EFFORT_REFUSED)
    body = {"model": "gpt-5", "reasoning_effort": "high", "stop": ["END"]}
    change = adjust(rejection, body, DeploymentNote(), "gpt-5")
    assert change is not None
    assert change.remember
    assert change.note == DeploymentNote(values={"reasoning_effort": ["low", "medium"]})
    assert change.said == (
        "gpt-5 takes reasoning_effort 'low' or 'medium', not 'high': sent without it, so the "
        "service's default reasoning_effort was used."
    )
    assert change.note.apply(body) == {"model": "gpt-5", "stop": ["END"]}
    assert change.note.apply({**body, "reasoning_effort": "low"})["reasoning_effort"] == "low"
    assert describe(change.note) == [
        "Only 'low' or 'medium' is sent as reasoning_effort; other values are left out."
    ]


def test_the_limit_parameter_is_switched_once_when_both_names_are_refused():
    body = {"model": "weird", "max_completion_tokens": 500}
    again = Rejection("max_completion_tokens", instead="max_tokens")
    note = DeploymentNote(limit_param="max_completion_tokens")
    assert adjust(again, body, note, "weird", refused=["max_tokens"]) is None
    # A deployment whose model changed since it was learned: one switch back, still.
    assert adjust(again, body, note, "weird").note.limit_param == "max_tokens"


def test_what_a_note_leaves_out_is_said_per_parameter():
    note = DeploymentNote(
        dropped=["stop"], stream=False, values={"reasoning_effort": ["low", "medium"]}
    )
    body = {
        "model": "gpt-5", "messages": [], "stop": ["END"], "reasoning_effort": "high",
        "max_completion_tokens": 500, "stream": True,
    }  # fmt: skip
    assert note.left_out(body, "gpt-5") == [
        "gpt-5 does not take stop: not sent.",
        "gpt-5 takes reasoning_effort 'low' or 'medium': 'high' is not sent.",
        "gpt-5 does not stream replies: asked for the whole reply at once.",
    ]
    assert note.not_taken("reasoning_effort", "medium", "gpt-5") is None
    assert note.not_taken("stop", None, "gpt-5") is None


def test_the_values_taken_live_in_the_settings_file(tmp_path):
    path = tmp_path / "settings.json"
    settings = Settings()
    settings.deployments.put("https://r/openai/v1 gpt-5", DeploymentNote(
        values={"reasoning_effort": ["low", "medium"]}
    ))  # fmt: skip
    save_settings(settings, path)
    doc = json.loads(path.read_text())
    assert doc["deployments"] == {
        "https://r/openai/v1 gpt-5": {"values": {"reasoning_effort": ["low", "medium"]}}
    }
    assert load_settings(path).settings == settings
    path.write_text(json.dumps({"schema_version": 1, "deployments": {"k": {"values": ["low"]}}}))
    assert "values must map parameter names" in load_settings(path).warning


@pytest.mark.parametrize(
    ("spent", "in_effect", "max_output", "offered"),
    [
        (1000, 4096, 128_000, 8192),  # the tester's gpt-5: more than the 4,096 shown
        (500, 1000, 128_000, 4000),  # four times, at least 4,000
        (2000, 4096, 128_000, 8000),  # four times N is more than the limit in effect
        (3000, 3000, 128_000, 12_000),
        (1000, 4096, 6000, 6000),  # at most the model's largest reply
        (32_000, 100_000, 128_000, 128_000),
        (128_000, 128_000, 128_000, None),  # no larger limit to offer
    ],
)
def test_retry_offers_more_than_the_limit_in_effect(spent, in_effect, max_output, offered):
    assert larger_limit(spent, in_effect, max_output) == offered


def test_the_parameters_listed_are_those_the_request_sends():
    conv = Conversation(
        history=[Message("user", "Hello")],
        params=GenerationParams(
            max_tokens=500, stop=["END"], reasoning_effort="high", temperature=0.5
        ),
    )
    budget = Budget(conv, "gpt-5")
    note = DeploymentNote(dropped=["stop"], values={"reasoning_effort": ["low", "medium"]})
    listed = request_parameters(
        conv, budget.plan(), model="gpt-5", family=budget.family, exact=True, api="chat",
        note=note,
    )  # fmt: skip
    assert listed.sent == [
        "max_completion_tokens: 500",
        "stream: true",
        'stream_options: {"include_usage": true}',
    ]
    assert listed.left_out == [
        "gpt-5 takes only the default temperature: 0.5 is not sent.",
        "gpt-5 does not take stop: not sent.",
        "gpt-5 takes reasoning_effort 'low' or 'medium': 'high' is not sent.",
    ]
    budget.close()


def test_the_responses_api_s_nested_parameters_follow_the_same_notes():
    # A Responses refusal names the path: read as the parameter's one name.
    said = (
        "Unsupported value: 'text.verbosity' does not support 'low' with this model. Supported "
        "values are: 'medium'."
    )
    rejection = read_rejection("unsupported_value", "text.verbosity", said)
    assert rejection == Rejection("verbosity", "low", supported=("medium",))
    body = {
        "model": "gpt-5", "input": [], "reasoning": {"effort": "high"},
        "text": {"format": {"type": "json_object"}, "verbosity": "low"},
    }  # fmt: skip
    change = adjust(rejection, body, DeploymentNote(), "gpt-5")
    assert change is not None
    assert change.note.values == {"verbosity": ["medium"]}
    note = DeploymentNote(values={"verbosity": ["medium"], "reasoning_effort": ["low"]})
    assert note.apply(body) == {
        "model": "gpt-5", "input": [], "text": {"format": {"type": "json_object"}},
    }  # fmt: skip
    assert body["text"]["verbosity"] == "low"  # the caller's body is left as it was
    assert note.left_out(body, "gpt-5") == [
        "gpt-5 takes reasoning_effort 'low': 'high' is not sent.",
        "gpt-5 takes verbosity 'medium': 'low' is not sent.",
    ]


def test_what_will_be_sent_through_the_responses_api_names_a_refused_effort():
    conv = Conversation(
        history=[Message("user", "Hello")],
        params=GenerationParams(reasoning_effort="high", reasoning_summary="auto"),
    )
    conv.api = "responses"
    budget = Budget(conv, "gpt-5")
    note = DeploymentNote(values={"reasoning_effort": ["low", "medium"]})
    listed = request_parameters(
        conv, budget.plan(), model="gpt-5", family=budget.family, exact=True, api="responses",
        note=note,
    )  # fmt: skip
    assert 'reasoning: {"summary": "auto"}' in listed.sent
    assert listed.left_out == [
        "gpt-5 takes reasoning_effort 'low' or 'medium': 'high' is not sent."
    ]
    budget.close()
