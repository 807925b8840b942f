"""Chat Completions request bodies as people paste them from code and docs: tools and tool
turns, developer messages, content parts with images, json_schema output, reasoning fields.

The function-calling body is the one of OpenAI's cookbook "How to count tokens with tiktoken"
(section 7), whose prompt-token figures the API confirmed: 101 for gpt-4o and gpt-4o-mini,
105 for gpt-4 and gpt-3.5-turbo.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The city and state, e.g. San Francisco, CA",
                },
                "unit": {
                    "type": "string",
                    "description": "The unit of temperature to return",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location"],
        },
    },
}

COOKBOOK_TOOLS_BODY: dict[str, Any] = {
    "model": "gpt-4o",
    "messages": [
        {
            "role": "system",
            "content": "You are a helpful assistant that can answer to questions about the weather.",  # noqa: E501
        },
        {"role": "user", "content": "What's the weather like in San Francisco?"},
    ],
    "tools": [WEATHER_TOOL],
    "temperature": 0,
}


def png_header(width: int, height: int) -> bytes:
    """A PNG's signature and IHDR chunk: all a header reader needs."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def tool_turns_body() -> dict[str, Any]:
    """A whole function-calling exchange, as an agent loop sends it back with the result."""
    return {
        "model": "gpt-4.1",
        "messages": [
            {"role": "developer", "content": "Use the tools when they help."},
            {"role": "user", "content": "What's the weather like in Boston today?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{"location": "Boston, MA", "unit": "celsius"}',
                        },
                    }
                ],
                "refusal": None,
                "annotations": [],
            },
            {
                "role": "tool",
                "tool_call_id": "call_abc123",
                "content": '{"temperature": 22, "unit": "celsius", "description": "Sunny"}',
            },
        ],
        "tools": [WEATHER_TOOL],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "reasoning_effort": "high",
        "user": "user-1234",
        "metadata": {"team": "support"},
        "seed": 7,
        "max_completion_tokens": 800,
    }


def vision_body() -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "You describe images."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these images?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": data_url(png_header(1024, 1024)), "detail": "high"},
                    },
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"},
                    },
                    {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                ],
                "x_client_note": "kept",
            },
            {
                "role": "assistant",
                "content": [{"type": "refusal", "refusal": "I can't identify people."}],
            },
        ],
        "logit_bias": {"1734": -100},
        "verbosity": "low",
    }


def json_schema_body() -> dict[str, Any]:
    return {
        "model": "gpt-5-mini",
        "messages": [
            {"role": "developer", "content": "Extract the event."},
            {"role": "user", "content": "Alice and Bob are going to a science fair on Friday."},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "calendar_event",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "date": {"type": "string"},
                        "participants": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["name", "date", "participants"],
                    "additionalProperties": False,
                },
            },
        },
        "reasoning_effort": "minimal",
        "verbosity": "low",
        "max_completion_tokens": 2000,
    }


ALL_BODIES = {
    "cookbook_tools": lambda: COOKBOOK_TOOLS_BODY,
    "tool_turns": tool_turns_body,
    "vision": vision_body,
    "json_schema": json_schema_body,
}

# The tester's agent body (/tmp/tester-lab/agent.json, byte for byte): two tool calls, both
# answered, sent back as an agent loop does.
AGENT_JSON = (
    '{"model":"gpt-4.1","tools":[{"type":"function","function":{"name":"get_weather",'
    '"description":"Get weather","parameters":{"type":"object","properties":{"city":{'
    '"type":"string"}},"required":["city"]}}}],"tool_choice":"auto",\n"messages":[{"ro'
    'le":"developer","content":"Use the tools when they help."},\n{"role":"user","cont'
    'ent":"What is the weather in Boston and Paris?"},\n{"role":"assistant","content":'
    'null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weat'
    'her","arguments":"{\\"city\\": \\"Boston\\"}"}},{"id":"call_2","type":"function","fu'
    'nction":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\",\\"unit\\":\\"celsiu'
    's\\",\\"note\\":\\"a very long argument string that goes on and on to see whether th'
    'e card wraps it or clips it at the right edge of the transcript\\"}"}}]},\n{"role"'
    ':"tool","tool_call_id":"call_1","content":"{\\"temperature\\": 22}"},\n{"role":"too'
    'l","tool_call_id":"call_2","content":"{\\"temperature\\": 17, \\"sky\\": \\"cloudy\\"}'
    '"}]}\n'
)


def as_conversation(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as a chatdesk conversation file holds it (what the window or `chatdesk import`
    makes of it): `send` and `attach` write into such a file, never into a bare body."""
    from chatdesk.core.fileformat import opened_from, to_document

    return to_document(opened_from(body, 0, "body.json").conversation)


def _weather_call(call_id: str, city: str) -> dict[str, Any]:
    arguments = json.dumps({"city": city})
    return {"id": call_id, "type": "function",
            "function": {"name": "get_weather", "arguments": arguments}}  # fmt: skip


# The tester's conversation (session 12): `tools`, three tool calls and their three results,
# ending in a tool result, as the README's file format shows one; the model answers it with
# `CALL_9`, which has no result yet.
TOOL_ROUNDS_BODY: dict[str, Any] = {
    "tools": [{"type": "function", "function": {
        "name": "get_weather", "description": "Get the weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    "messages": [
        {"role": "developer", "content": "Use the tools when they help."},
        {"role": "user", "content": "Weather in Boston, Paris and Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [
            _weather_call("call_1", "Boston"), _weather_call("call_2", "Paris"),
            _weather_call("call_3", "Oslo")]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature": 22}'},
        {"role": "tool", "tool_call_id": "call_2", "content": '{"temperature": 17}'},
        {"role": "tool", "tool_call_id": "call_3", "content": '{"temperature": 9}'},
    ],
}  # fmt: skip
CALL_9 = _weather_call("call_9", "Berlin")
