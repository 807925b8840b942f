"""The seeds' token counting and trimming loop, verbatim in behaviour, as a reference.

Tests check chatdesk against it and the benchmarks measure against it.
"""

from __future__ import annotations

import tiktoken


def num_tokens_from_messages(messages: list[dict[str, str]], encoding: tiktoken.Encoding) -> int:
    tokens_per_message = 3
    tokens_per_name = 1
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            # encode_ordinary: the seed's encode() raises on special-token text; the API does not.
            num_tokens += len(encoding.encode_ordinary(value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens


def seed_trim(
    conversation: list[dict[str, str]],
    encoding: tiktoken.Encoding,
    token_limit: int,
    max_response_tokens: int,
) -> tuple[list[dict[str, str]], int]:
    """The seed's loop: delete conversation[1] and recount until it fits."""
    conversation = list(conversation)
    conv_history_tokens = num_tokens_from_messages(conversation, encoding)
    while conv_history_tokens + max_response_tokens >= token_limit:
        del conversation[1]
        conv_history_tokens = num_tokens_from_messages(conversation, encoding)
    return conversation, conv_history_tokens
