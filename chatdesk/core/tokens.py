"""Exact prompt token counts, the way the seeds count them, computed once per text.

Per message: 3 tokens, plus the tokens of each value (role, content, and name with 1 more),
and 3 for the priming of the reply. Text that looks like a special token (`<|endoftext|>`) is
counted as the ordinary text the API will see; it never raises.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatdesk.core.messages import Message

if TYPE_CHECKING:  # tiktoken loads with the first encoding, on a worker, not at start-up
    import tiktoken

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

# A newline followed by a letter or digit always ends one regex piece and starts the next in
# both cl100k and o200k (no piece holds a newline and then a letter or digit), so text split
# there encodes to exactly the same tokens piece by piece. The draft counter relies on it.
_SAFE_SPLIT = re.compile(r"(?<=\n)(?=[^\W_])")


class TokenCounter:
    """Counts tokens with one encoding, caching per message and per draft paragraph."""

    def __init__(self, encoding: tiktoken.Encoding | str) -> None:
        if isinstance(encoding, str):
            from chatdesk.core.encodings import get_encoding

            encoding = get_encoding(encoding)
        self.encoding = encoding
        self.name = self.encoding.name
        self._roles: dict[str, int] = {}
        self._segments: OrderedDict[str, int] = OrderedDict()

    def count_text(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def count_message(self, message: Message) -> int:
        """The message's share of the prompt; cached on the message until its text changes."""
        # Read once: a count made on a worker thread must cache the text it actually counted.
        content, name = message.content, message.name
        cache = message.token_cache
        if cache is not None and cache[0] == self.name and cache[1] is content and cache[2] == name:
            return cache[3]
        count = self.message_cost(message.role, content, name)
        message.token_cache = (self.name, content, name, count)
        return count

    def message_cost(self, role: str, content: str, name: str | None = None) -> int:
        count = TOKENS_PER_MESSAGE + self._role(role) + self.count_draft(content)
        if name:
            count += self.count_text(name) + TOKENS_PER_NAME
        return count

    def count_prompt(self, messages: Iterable[Message]) -> int:
        """Prompt tokens of a request that sends `messages`."""
        return sum(self.count_message(m) for m in messages) + REPLY_PRIMING

    def count_draft(self, text: str) -> int:
        """Tokens of `text`, re-encoding only the paragraphs not seen before.

        Typing changes one paragraph; the others come from a small cache, so a keystroke in a
        long draft costs about one paragraph's encoding.
        """
        if len(text) < 2048:
            return self.count_text(text)
        total = 0
        for segment in _SAFE_SPLIT.split(text):
            cached = self._segments.get(segment)
            if cached is None:
                cached = self.count_text(segment)
                self._segments[segment] = cached
                if len(self._segments) > 512:
                    self._segments.popitem(last=False)
            else:
                self._segments.move_to_end(segment)
            total += cached
        return total

    def _role(self, role: str) -> int:
        if role not in self._roles:
            self._roles[role] = self.count_text(role)
        return self._roles[role]
