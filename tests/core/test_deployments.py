"""What a deployment taught chatdesk: reading Azure's 400s, adjusting a body, the notes kept in
the settings file."""

from __future__ import annotations

import json

import pytest

from chatdesk.core.deployments import (
    DeploymentNote,
    DeploymentNotes,
    Rejection,
    adjust,
    read_rejection,
)
from chatdesk.core.settings import Settings, load_settings, save_settings


@pytest.mark.parametrize(
    ("code", "param", "message", "expected"),
    [
        (
            "unsupported_parameter",
            "max_tokens",
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
            "'max_completion_tokens' instead.",
            Rejection("max_tokens", instead="max_completion_tokens"),
        ),
        (
            "unsupported_value",
            "temperature",
            "Unsupported value: 'temperature' does not support 0.7 with this model. Only the "
            "default (1) value is supported.",
            Rejection("temperature", "0.7", only_default=True),
        ),
        (
            "unsupported_value",
            "messages[0].role",
            "Unsupported value: 'messages[0].role' does not support 'system' with this model.",
            Rejection("messages[0].role", "system"),
        ),
        (
            "unsupported_value",
            "stream",
            "Unsupported value: 'stream' does not support true with this model. Supported "
            "values are: false.",
            Rejection("stream", "true"),
        ),
        (None, None, "Unrecognized request argument supplied: stream_options", None),
        (None, None, "Some other problem", None),
        ("content_filter", "prompt", "The response was filtered", None),
    ],
)
def test_reading_azures_400s(code, param, message, expected):
    if code is None and "Unrecognized" in message:
        expected = Rejection("stream_options")
    assert read_rejection(code, param, message) == expected


def test_the_system_role_goes_developer_then_into_the_first_user_turn():
    body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
        ],
    }
    first = adjust(Rejection("messages[0].role", "system"), body, DeploymentNote(), "m")
    assert first is not None
    assert first.note.apply(body)["messages"][0]["role"] == "developer"
    second = adjust(Rejection("messages[0].role", "developer"), body, first.note, "m")
    assert second is not None
    assert second.note.apply(body)["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Hi"}],
        }
    ]
    assert adjust(Rejection("messages[0].role", "developer"), body, second.note, "m") is None
    assert body["messages"][0]["role"] == "system"  # the caller's body is left as it was


def test_nothing_is_adjusted_twice():
    body = {"model": "m", "messages": [], "max_tokens": 10, "stream": True}
    note = adjust(Rejection("max_tokens"), body, DeploymentNote(), "m").note
    assert note.apply(body) == {
        "model": "m",
        "messages": [],
        "max_completion_tokens": 10,
        "stream": True,
    }
    assert adjust(Rejection("max_completion_tokens"), note.apply(body), note, "m") is not None
    assert adjust(Rejection("max_tokens"), body, note, "m") is None
    stream = adjust(Rejection("stream", "true"), body, note, "m").note
    assert adjust(Rejection("stream", "true"), body, stream, "m") is None
    assert adjust(Rejection("messages"), body, note, "m") is None
    assert adjust(Rejection("messages[1].role", "user"), body, note, "m") is None


def test_notes_live_in_the_settings_file(tmp_path):
    path = tmp_path / "settings.json"
    settings = Settings(request_deadline=300)
    key = DeploymentNotes.key("https://r.openai.azure.com/openai/v1/?api-key=x", "chat-prod")
    assert key == "https://r.openai.azure.com/openai/v1 chat-prod"  # no query: never a secret
    settings.deployments.put(
        key, DeploymentNote("max_completion_tokens", ["temperature"], "developer", False, 600)
    )
    save_settings(settings, path)
    doc = json.loads(path.read_text())
    assert doc["request_deadline"] == 300
    assert doc["deployments"] == {
        key: {
            "limit_param": "max_completion_tokens",
            "dropped": ["temperature"],
            "system_role": "developer",
            "stream": False,
            "read_timeout": 600,
        }
    }
    assert load_settings(path).settings == settings


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"deployments": {"k": {"stream": "no"}}}, "stream must be true or false"),
        ({"deployments": {"k": {"read_timeout": 0}}}, "read_timeout must be a number"),
        ({"deployments": {"k": {"system_role": "boss"}}}, "system_role must be"),
        ({"deployments": []}, "deployments must be an object"),
        # NaN is refused as JSON reads it, naming the field (tests/reliability).
        ({"request_deadline": float("nan")}, '"request_deadline" holds NaN'),
    ],
)
def test_bad_notes_are_named(tmp_path, doc, problem):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 1, **doc}))
    loaded = load_settings(path)
    assert loaded.warning is not None
    assert problem in loaded.warning


def test_view_code_shows_reasoning_effort_and_verbosity():
    from chatdesk.core.codegen import python_snippet
    from chatdesk.core.conversation import Conversation, GenerationParams
    from chatdesk.core.messages import Message
    from chatdesk.core.profiles import ConnectionProfile

    conv = Conversation(
        history=[Message("user", "hi")],
        params=GenerationParams(reasoning_effort="high", verbosity="low", max_tokens=900),
    )
    profile = ConnectionProfile("p", "azure-v1", "https://r.openai.azure.com/", "gpt-5")
    code = python_snippet(conv, profile)
    assert "    reasoning_effort='high'," in code or '    reasoning_effort="high",' in code
    assert "verbosity=" in code
    assert "max_completion_tokens=900" in code
    compile(code, "snippet.py", "exec")
