"""What a request is refused for before it leaves: the service's own 400s, named here.

`ChatService.prepare` asks these once the plan is made (whether another chatdesk is still
writing the last reply: before the plan), so the window, `chatdesk send` and
Retry, Regenerate and Continue meet the same refusals, each naming what to change, instead of
Azure's 400 after a round trip (or, for special tokens, a request that silently misbehaves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatdesk.core.image_checks import oversized_problem, request_image_problem
from chatdesk.core.image_input import image_problem, image_refs
from chatdesk.core.in_flight import (
    REFUSED_HINT,
    REFUSED_TITLE,
    refused_text,
    written_elsewhere,
)
from chatdesk.core.request import request_messages, special_token_problem
from chatdesk.core.tool_results import SEND_HOW, TITLE, missing_hint, missing_results, missing_text
from chatdesk.service.events import ChatError

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.models import ModelFamily
    from chatdesk.core.trimming import TrimPlan


def check_not_in_flight(conv: Conversation) -> None:
    """Raise ChatError while another chatdesk is still writing the conversation's last reply
    (`core/in_flight.py`): a request now would carry half of it, and its reply would be kept
    beside the finished one as "(changed in two places)". One refusal for the window's Send,
    Regenerate, Retry, Continue and edit-and-resend, and for `chatdesk send`."""
    writer = written_elsewhere(conv)
    if writer is not None:
        raise ChatError(REFUSED_TITLE, refused_text(writer), REFUSED_HINT)


def check_history(conv: Conversation, plan: TrimPlan, family: ModelFamily, exact: bool) -> None:
    """Raise ChatError for what the messages `plan` sends cannot go with: special tokens,
    tool calls without results (`core/tool_results.py`), images the model or Azure refuses
    (`core/image_checks.py`: Attach's rule, for images a file brought)."""
    found = special_token_problem(conv, plan)
    if found:
        raise ChatError(
            "Special tokens in the conversation",
            found,
            "Don't use ChatML syntax or special tokens with the chat completion endpoint: "
            "remove it (legacy prompts often carry them) and send again.",
        )
    missing = missing_results(conv, plan.sent)
    if missing:
        raise ChatError(TITLE, missing_text(missing), missing_hint(SEND_HOW))
    messages = request_messages(conv, plan)
    problem = image_problem(len(list(image_refs(messages))), family, exact)
    problem = problem or request_image_problem(conv, plan)
    if problem is not None:
        raise ChatError(problem.title, problem.text, problem.hint)


def check_size(conv: Conversation, plan: TrimPlan, body: dict[str, Any]) -> None:
    """Raise ChatError when an image of `body` (its messages or Responses input, as fitted to
    what the model reads) is over Azure's 20 MB: the limit is on what goes."""
    sent = body.get("messages", body.get("input"))
    if isinstance(sent, list):
        big = oversized_problem(conv, plan, sent)
        if big is not None:
            raise ChatError(big.title, big.text, big.hint)
