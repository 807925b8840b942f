"""Every way a chat request can fail, in words a person understands, with what to do.

The one place SDK, network, sign-in and keyring exceptions become `ChatError`. Texts quote the
API's own message only after scrubbing it of the active key or token (and anything shaped like a
bearer token or JWT), so a secret never reaches the window, a log or a saved file.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpx2
import openai

from chatdesk.core.deployments import Rejection, read_rejection
from chatdesk.service.entra import SignInError, SignInRequired
from chatdesk.service.error_context import ErrorContext as ErrorContext
from chatdesk.service.error_context import exception_chain
from chatdesk.service.events import ChatError
from chatdesk.service.retry import parse_retry_after
from chatdesk.service.secrets import SecretStoreError

ROLE_NAME = "Cognitive Services OpenAI User"
SEVERITY_ORDER = {"safe": 0, "low": 1, "medium": 2, "high": 3}

_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_KEY_PARAM = re.compile(
    r"(?i)\b((?:api[-_]?)?(?:key|token|secret|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]{16,}"
)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything token-shaped replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _BEARER.sub(r"\1***", text)
    text = _JWT.sub("***", text)
    return _KEY_PARAM.sub(r"\1***", text)


def map_error(exc: BaseException, ctx: ErrorContext | None = None) -> ChatError:
    """The `ChatError` for any failure of a request (already-mapped errors pass through)."""
    ctx = ctx or ErrorContext()
    if isinstance(exc, ChatError):
        return exc
    error = _map(exc, ctx)
    secrets = list(ctx.secrets())
    error.title = scrub(error.title, secrets)
    error.message = scrub(error.message, secrets)
    error.action = scrub(error.action, secrets)
    error.args = (error.text,)
    return error


# Failures that happen before the request's body has left: nothing reached the service, so
# sending again cannot bill twice. Anything else (a read timeout, a connection dropped while
# waiting for the answer) may follow a request the service accepted.
# LocalProtocolError: the client refused to write the request (an illegal header, say).
_BEFORE_SENDING = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.LocalProtocolError,
)
_MAY_HAVE_ARRIVED = (httpx2.ReadError, httpx2.ReadTimeout, httpx2.RemoteProtocolError)
NOT_RESENT = (
    "chatdesk did not send it again, because the service may already have received it (and "
    "bill it). Send it again to try once more."
)


def body_may_have_arrived(exc: BaseException) -> bool:
    """Whether the service may have received (and billed) the request that failed with
    `exc`: True unless the failure came before the body was sent."""
    chain = exception_chain(exc)
    if any(isinstance(e, _BEFORE_SENDING) for e in chain):
        return False
    if any(isinstance(e, _MAY_HAVE_ARRIVED) for e in chain):
        return True
    return not any(
        isinstance(e, socket.gaierror | ssl.SSLError | ConnectionRefusedError) for e in chain
    )


def deadline_error(seconds: float) -> ChatError:
    """The request ran past the overall deadline (the settings' `request_deadline`)."""
    return ChatError(
        "No complete answer in time",
        f"The reply did not finish within the request deadline of {seconds:g} s.",
        NOT_RESENT + " If replies take longer, raise the request deadline (Chat → Time "
        "limits…, or --deadline).",
    )


def service_failure(error: Any) -> ChatError:
    """The `ChatError` for a reply the service accepted and then failed over an intact stream:
    a Responses `response.failed` (its `error`: {code, message}) or `error` event, or an
    `error` event in a Chat Completions stream (the SDK's `APIError`, its body the error).
    Not retried: the service accepted the request (and may bill it). Marked `service_failed`,
    so the reply it leaves is said to be failed by the service, not cut by the network."""
    data = error if isinstance(error, dict) else {}
    code = data.get("code") if isinstance(data.get("code"), str) else None
    message = str(data.get("message") or "The service gave no reason.")
    return ChatError(
        "The service could not finish the reply",
        f"{message}" + (f" ({code})" if code else ""),
        "Send it again to try once more.",
        code=code,
        service_failed=True,
    )


def stored_response_gone(exc: BaseException, body: dict[str, Any]) -> bool:
    """Whether `exc` says the stored response `body` continues from (`previous_response_id`)
    is gone: expired, deleted, or stored on another resource. The service answers 404 (or
    400) with `param` "previous_response_id" or the code "previous_response_not_found"."""
    if "previous_response_id" not in body or not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code not in (400, 404):
        return False
    return exc.param == "previous_response_id" or exc.code == "previous_response_not_found"


def rejection_of(exc: BaseException) -> Rejection | None:
    """What a 400 says the deployment does not take (a parameter, a value, a role,
    streaming), or None for any other failure."""
    if not isinstance(exc, openai.BadRequestError):
        return None
    param = exc.param if isinstance(exc.param, str) else None
    return read_rejection(exc.code, param, _api_message(exc))


def _map(exc: BaseException, ctx: ErrorContext) -> ChatError:
    from chatdesk.service.network_errors import network_error  # it imports this module's type

    special = network_error(exc, ctx)
    if special is not None:
        return special
    if isinstance(exc, SignInRequired):
        return ChatError(
            "Sign-in needed",
            str(exc),
            f"Open Connections, choose {ctx.named}, and press Sign in on its Authentication tab.",
        )
    if isinstance(exc, SignInError):
        return ChatError("Sign-in failed", str(exc))
    if isinstance(exc, SecretStoreError):
        return ChatError(
            "Cannot read the API key",
            str(exc),
            f"Unlock the system keyring, or enter the key for {ctx.named} again.",
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, ctx)
    if isinstance(exc, openai.APITimeoutError):
        if not body_may_have_arrived(exc):
            return ChatError(
                "The request timed out",
                f"{ctx.host} did not accept the connection in time.",
                "Try again; if it keeps happening, check your network or the service's status.",
                retryable=True,
            )
        waited = f"{ctx.read_timeout:g} s" if ctx.read_timeout else "the read timeout"
        return ChatError(
            "No answer in time",
            f"{ctx.host} sent nothing for {waited} after receiving the request (the read timeout).",
            NOT_RESENT + " If this model thinks longer, raise this deployment's read timeout "
            "(Chat → Time limits…, or --read-timeout).",
        )
    if isinstance(exc, openai.APIConnectionError):
        return _connection_error(exc, ctx)
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError):
        return ChatError(
            "Unexpected answer",
            f"The endpoint {ctx.host} did not answer like Azure OpenAI (the response could "
            "not be read as a chat completion).",
            _url_advice(ctx),
        )
    if isinstance(exc, TimeoutError):
        return ChatError(
            "The request timed out", f"{ctx.host} did not answer in time.", retryable=True
        )
    if isinstance(exc, openai.APIError):  # the rest: an `error` event in the stream
        body = exc.body if isinstance(exc.body, dict) else {"message": exc.message}
        return service_failure(body)
    if isinstance(exc, openai.OpenAIError):
        return ChatError("Request failed", str(exc) or type(exc).__name__)
    return ChatError(
        "Unexpected error",
        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        "Try again; if it keeps happening, please report it.",
    )


def _api_message(exc: openai.APIStatusError) -> str:
    """The service's own message, without the SDK's "Error code: 400 - " prefix."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner_message := inner.get("message"), str):
            return inner_message
    if isinstance(body, str) and body.strip():
        return body.strip()[:300]
    return re.sub(r"^Error code: \d+ - ", "", exc.message or "").strip()


def _status_error(exc: openai.APIStatusError, ctx: ErrorContext) -> ChatError:
    status = exc.status_code
    code = exc.code
    message = _api_message(exc)
    lowered = message.lower()

    def make(title: str, text: str, action: str = "", retryable: bool = False) -> ChatError:
        return ChatError(title, text, action, status=status, code=code, retryable=retryable)

    if status == 400:
        if code == "content_filter" or "content management policy" in lowered:
            return make(
                "Blocked by the content filter",
                "Azure's content filter blocked this request" + _filter_details(exc.body) + ".",
                "Rephrase your message, or ask the resource's owner about its content filter "
                "settings.",
            )
        if "special tokens" in lowered:
            return make(
                "Special tokens in the input",
                "The service refused the messages because they contain special tokens or "
                "ChatML syntax such as <|im_start|>.",
                "Don't use ChatML syntax or special tokens with the chat completion endpoint: "
                "remove them from the messages (they are often left over from a legacy prompt).",
            )
        if "max_tokens" in lowered and "max_completion_tokens" in lowered:
            return make(
                "Wrong token limit parameter",
                f"The service said: {message}",
                "Set the model family of this profile (o-series and gpt-5 models take "
                "max_completion_tokens).",
            )
        if "did not have response messages" in lowered:  # Chat Completions' tool-turn rule
            return make(
                "Tool calls without results",
                message,
                "Each tool call needs a tool message answering it (its tool_call_id) right "
                "after the assistant message that made it: add the missing results, or delete "
                "those tool calls.",
            )
        if "role 'tool' must be a response to" in lowered:  # (Azure spells it 'preceeding')
            return make(
                "A tool result without its call",
                message,
                "A tool message must come right after the assistant message whose tool call it "
                "answers: delete it, or move it there.",
            )
        return make("The service refused the request", message, "Check the request settings.")
    if status == 401 and ctx.auth_header:
        return make(
            "Wrong key or token",
            f"{ctx.host} did not accept the {ctx.auth_header} header given for this request (401).",
            f"Check the value of the {ctx.auth_header} header: it is sent in place of the "
            f"credentials of {ctx.named}.",
        )
    if status == 401:
        how = "sign in again" if ctx.auth == "entra" else "enter the key again"
        return make(
            "Wrong key or token",
            f"{ctx.host} did not accept the credentials of {ctx.named} (401).",
            f"Check the key for {ctx.named}, or sign in again; {how} if it was rotated. The key "
            "must belong to the same resource as the endpoint.",
        )
    if status == 403:
        if any(w in lowered for w in ("virtual network", "firewall", "private endpoint", "ip ")):
            return make(
                "Blocked by the resource's network rules",
                f"{ctx.host} refused requests from this network: {message}",
                "Connect from an allowed network (VPN), or ask the resource's owner to allow it.",
            )
        return make(
            "No access to this resource",
            "You are signed in, but your account has no role on this Azure OpenAI resource (403).",
            f"Ask an owner of the resource to assign you the '{ROLE_NAME}' role on it, then "
            "try again (a new role can take a few minutes to apply).",
        )
    if status == 404:
        if code == "DeploymentNotFound" or "deployment" in lowered:
            name = ctx.deployment or "(none)"
            return make(
                "Deployment not found",
                f"The resource {ctx.host} has no deployment named {name!r}.",
                "Enter the deployment name, not the model name: the name you gave the "
                "deployment in Azure AI Foundry (Deployments). A new deployment can take a few "
                "minutes to appear.",
            )
        return make(
            "Wrong endpoint URL",
            f"Nothing answered at {ctx.url or ctx.host} (404 Resource not found).",
            _url_advice(ctx),
        )
    if status == 408:
        return make("The request timed out", f"{ctx.host} gave up waiting (408).", retryable=True)
    if status == 429:
        wait = parse_retry_after(exc.response.headers)
        when = f"in {wait:.3g} s" if wait is not None else "in a moment"
        error = make(
            "Rate limit reached",
            f"The deployment is busy or this resource's quota is used up (429). The service "
            f"asks to try again {when}.",
            "Wait and try again; for a lasting fix raise the deployment's tokens-per-minute quota.",
            retryable=True,
        )
        error.retry_after = wait
        return error
    if status >= 500:
        if "invalid unicode" in lowered:
            return make(
                "The model produced invalid text",
                "The model generated invalid Unicode output (500); retrying usually works.",
                "Try again; setting the temperature below 1 makes this rarer.",
                retryable=True,
            )
        error = make(
            f"Service error ({status})",
            f"The service had a problem: {message}",
            "Try again in a moment.",
            retryable=True,
        )
        error.retry_after = parse_retry_after(exc.response.headers)
        return error
    return make(f"Request failed ({status})", message)


def _filter_details(body: Any) -> str:
    """ " (violence: high, hate: medium)" from Azure's innererror.content_filter_result."""
    inner = body.get("innererror") if isinstance(body, dict) else None
    result = inner.get("content_filter_result") if isinstance(inner, dict) else None
    if not isinstance(result, dict):
        return ""
    flagged = []
    for category, verdict in result.items():
        if not isinstance(verdict, dict):
            continue
        severity = verdict.get("severity")
        if verdict.get("filtered") or verdict.get("detected") or severity not in (None, "safe"):
            label = category.replace("_", " ")
            flagged.append(f"{label}: {severity}" if severity else f"{label}: detected")
    return f" ({', '.join(flagged)})" if flagged else ""


def _url_advice(ctx: ErrorContext) -> str:
    if ctx.kind == "azure-v1":
        return (
            "Check the endpoint: for Azure OpenAI v1 the base URL must end with /openai/v1/ "
            "(https://YOUR-RESOURCE.openai.azure.com/openai/v1/)."
        )
    if ctx.kind == "azure-api-version":
        return (
            "Check the endpoint (https://YOUR-RESOURCE.openai.azure.com/) and the API version "
            "of this profile."
        )
    return "Check the base URL of this profile (OpenAI-compatible servers usually end in /v1)."


def _connection_error(exc: openai.APIConnectionError, ctx: ErrorContext) -> ChatError:
    chain = exception_chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    host = ctx.host

    def make(title: str, message: str, action: str) -> ChatError:
        return ChatError(title, message, action, retryable=True)

    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        w in text
        for w in ("name or service not known", "nodename nor servname", "getaddrinfo", "no address")
    ):
        return make(
            "Cannot find the server",
            f"The name {host} could not be resolved (DNS).",
            "Check the endpoint's spelling and your internet connection.",
        )
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text or "ssl" in text:
        return make(
            "Secure connection failed",
            f"The TLS connection to {host} failed (certificate or proxy problem).",
            "Check the endpoint URL and any proxy that inspects HTTPS traffic.",
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return make(
            "Cannot reach the server",
            f"{host} refused the connection.",
            "Check the endpoint URL and port, and that the server is running.",
        )
    if any(isinstance(e, httpx2.LocalProtocolError) for e in chain):
        return ChatError(
            "The request could not be sent",
            f"chatdesk refused to write the request to {host}: a header is not valid HTTP.",
            "Nothing was sent. Check the profile's extra headers and the --header options.",
        )
    if body_may_have_arrived(exc):
        return ChatError(
            "The connection broke",
            f"{host} closed the connection before the answer was complete.",
            NOT_RESENT,
        )
    return make(
        "Cannot reach the server",
        f"Could not connect to {host}.",
        "Check your internet connection, proxy settings and the endpoint URL.",
    )
