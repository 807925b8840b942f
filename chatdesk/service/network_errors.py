"""The failures of company networks, explained: an untrusted certificate, a proxy that wants
credentials (407) or cannot be reached, and a gateway's own refusal.

`network_error` is consulted by `errors.map_error` before its general rules. Certificate and
proxy-authentication failures are not retryable: the same request fails the same way until
someone changes a setting.
"""

from __future__ import annotations

import html.parser
import re
from urllib.parse import urlsplit

import openai

from chatdesk.core.profiles import is_azure_host
from chatdesk.service.certificates import peer_certificate, reason, verification_failure
from chatdesk.service.error_context import ErrorContext, exception_chain
from chatdesk.service.events import ChatError
from chatdesk.service.network import (
    current,
    proxy_advice,
    proxy_for,
    proxy_url,
    unreachable_reason,
)

_MAX_TEXT = 300


def network_error(exc: BaseException, ctx: ErrorContext) -> ChatError | None:
    """The ChatError for a certificate, proxy or gateway failure, or None for other failures."""
    if isinstance(exc, openai.APIStatusError):
        return _proxy_status(exc, ctx) or _gateway_status(exc, ctx)
    if not isinstance(exc, openai.APIConnectionError) or isinstance(exc, openai.APITimeoutError):
        return None
    chain = exception_chain(exc)
    failure = verification_failure(chain)
    if failure is not None:
        return certificate_error(ctx.url, reason(failure), proxy_for(ctx.url))
    proxy = proxy_for(ctx.url) if ctx.url else None
    if proxy is None:
        return None
    text = " ".join(str(e) for e in chain)
    if re.search(r"\b407\b", text):
        return proxy_auth_error(proxy, ctx.url)
    if any(type(e).__name__ == "ProxyError" for e in chain):
        return proxy_refused_error(proxy, ctx.host, _short(text), proxy_advice())
    why = unreachable_reason(chain)
    if why is not None:
        return proxy_unreachable_error(proxy, why, proxy_advice())
    return None


def proxy_refused_error(proxy: str, host: str, detail: str, advice: str) -> ChatError:
    """The proxy answered, and would not open the way to `host`; `advice`: where it is set."""
    return ChatError(
        "The proxy refused the connection",
        f"The proxy {proxy} would not connect to {host}: {detail}",
        f"Check {advice}, or ask IT whether this address is allowed.",
    )


def proxy_unreachable_error(proxy: str, why: str, advice: str) -> ChatError:
    """The proxy did not answer (`why`: "connection refused"...); `advice`: where it is set."""
    return ChatError(
        "Cannot reach the proxy",
        f"The proxy {proxy} did not accept the connection ({why}).",
        f"Check {advice}, and that the proxy is running.",
        retryable=True,
    )


def certificate_error(url: str, why: str, proxy: str | None) -> ChatError:
    """An untrusted certificate, named by its subject and issuer where they can be read."""
    host = _host(url)
    cert = peer_certificate(url, proxy)
    shown = (
        f" It was issued to {cert.subject} by {cert.issuer}"
        + (" (self-signed)" if cert.self_signed else "")
        + "."
        if cert is not None
        else ""
    )
    return ChatError(
        "Untrusted certificate",
        f"The certificate of {host} is not trusted: {why}.{shown}",
        "If your company inspects HTTPS traffic, install its root certificate in the system's "
        "certificate store, or name the file in SSL_CERT_FILE or REQUESTS_CA_BUNDLE, then try "
        "again. Otherwise the connection may be intercepted: do not work around it.",
    )


def proxy_auth_error(proxy: str, url: str = "") -> ChatError:
    """A 407 from `proxy` (named without credentials) for a request to `url`: what works, as
    `network.proxy_url` decides (the environment's user and password serve the app's proxy
    setting only when HTTPS_PROXY names the same proxy)."""
    used = proxy_url(url) if url else None
    if used is not None and "@" in urlsplit(used).netloc:
        action = (
            "The proxy did not accept the user name and password given for it in HTTPS_PROXY "
            "(or HTTP_PROXY): correct them there and start chatdesk again."
        )
    elif current().proxy is not None:
        where = urlsplit(current().proxy or "").netloc or "host:port"
        action = (
            f"Set HTTPS_PROXY=http://USER:PASSWORD@{where} (the same proxy) in the environment "
            f"before starting chatdesk: its user and password are then used for the proxy in "
            f"{current().setting_place}, which holds no password. Or clear that field and set "
            "HTTPS_PROXY alone, or ask IT for a proxy address that does not need one."
        )
    else:
        action = (
            "Set HTTPS_PROXY=http://USER:PASSWORD@host:port in the environment before starting "
            "chatdesk, or ask IT for a proxy address that does not need one."
        )
    return ChatError(
        "The proxy needs a sign-in",
        f"The proxy {proxy} answered 407 Proxy Authentication Required.",
        action,
    )


# What a forward proxy answers for itself to a plain-http request it will not carry.
_PROXY_STATUSES = (405, 502, 503, 504)


def _proxy_status(exc: openai.APIStatusError, ctx: ErrorContext) -> ChatError | None:
    """A plain-http request's refusal that came from the proxy, named as the proxy's. Over
    https a proxy refuses the CONNECT instead (a ProxyError); over plain http its answer comes
    back as the response, told from the server's by its body: Azure OpenAI and gateways answer
    JSON, a proxy an empty or HTML page."""
    proxy = proxy_for(ctx.url) if ctx.url else None
    if exc.status_code == 407:
        return proxy_auth_error(proxy or "on the way", ctx.url)
    if (
        proxy is None
        or urlsplit(ctx.url).scheme != "http"
        or exc.status_code not in _PROXY_STATUSES
        or isinstance(exc.body, dict)
    ):
        return None
    status = exc.status_code
    phrase = exc.response.reason_phrase or ""
    text = html_text(exc.body) if isinstance(exc.body, str) else ""
    return ChatError(
        f"The proxy refused the request ({status})",
        f"The proxy {proxy} answered {status} {phrase}".rstrip()
        + f" instead of passing the request on to {_host(ctx.url)}"
        + (f": {text}" if text else "."),
        f"Check {proxy_advice()}. A server on this machine or inside the company network may "
        "need to be in NO_PROXY.",
        status=status,
        retryable=status >= 502,
    )


def _gateway_status(exc: openai.APIStatusError, ctx: ErrorContext) -> ChatError | None:
    """A refusal by something other than Azure OpenAI: its own words, not Azure's advice."""
    body = exc.body
    page = isinstance(body, str) and bool(re.search(r"(?i)<(html|body|h1|p)\b", body))
    # Azure OpenAI answers {"error": {"code", "message"}} (the SDK hands over the inner
    # object); API Management answers {"statusCode", "message"}; other gateways plain text.
    azure_shaped = isinstance(body, dict) and "code" in body
    gateway = not azure_shaped and (
        (isinstance(body, dict) and "statusCode" in body)
        or isinstance(body, str)
        or not is_azure_host(_host(ctx.url))
    )
    if not (page or (gateway and exc.status_code in (401, 403))):
        return None
    text = html_text(body) if page and isinstance(body, str) else _gateway_message(exc)
    status = exc.status_code
    if status in (401, 403):
        action = (
            "Check the key, how it is sent (api-key or Authorization: Bearer) and the headers "
            f"this gateway needs (such as Ocp-Apim-Subscription-Key) in {ctx.named}."
        )
    else:
        action = "Check the endpoint URL of this profile, or ask the gateway's owner."
    return ChatError(
        f"Refused by {_host(ctx.url)} ({status})",
        text or f"{_host(ctx.url)} answered {status} without an explanation.",
        action,
        status=status,
        retryable=status >= 500,
    )


def _gateway_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        for key in ("message", "error_description", "detail"):
            if isinstance(body.get(key), str):
                return _short(body[key])
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return _short(inner["message"])
    if isinstance(body, str):
        return _short(body)
    return ""


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(page: str) -> str:
    """An HTML page reduced to its visible text, on one line, at most 300 characters."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    return _short(" ".join(parser.parts))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _host(url: str) -> str:
    return urlsplit(url).hostname or url or "the endpoint"
