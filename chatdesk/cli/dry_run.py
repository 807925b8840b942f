"""What a request would send, without sending it: `chatdesk send --dry-run` (the command
line's alone; the window shows a request with View code and What will be sent).

Method, URL, how it authenticates (and for Entra ID the scope and authority), the headers with
every secret masked, and the body. Nothing is resolved that could touch the network or reveal a
secret: a key or token is shown as ``***`` and never read.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import msgspec

from chatdesk.cli.command import EXIT_ERROR, EXIT_OK, fail
from chatdesk.core.profiles import CLI_PROFILE_NAME, ConnectionProfile, looks_secret_header
from chatdesk.service.chat import ChatService, PreparedRequest
from chatdesk.service.events import ChatError

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation

MASK = "***"


class DryRun(msgspec.Struct, frozen=True):
    method: str
    url: str
    auth: str
    scope: str | None
    authority: str | None
    headers: list[tuple[str, str]]
    body: dict[str, Any]

    def text(self) -> str:
        lines = [f"{self.method} {self.url}", f"Auth: {self.auth}"]
        if self.scope is not None:
            lines.append(f"Entra scope: {self.scope} (authority {self.authority})")
        lines.append("Headers:")
        lines += [f"  {name}: {value}" for name, value in self.headers]
        lines.append("Body:")
        lines.append(json.dumps(self.body, indent=2, ensure_ascii=False))
        return "\n".join(lines) + "\n"


def print_dry_run(
    service: ChatService, conv: Conversation, profile: ConnectionProfile, *, stream: bool
) -> int:
    """`send --dry-run`: print the request `conv` would be to `profile` on stdout; the exit
    status (1: it cannot be made)."""
    try:
        prepared = service.prepare(conv, profile, stream=stream)
    except ChatError as exc:
        fail(exc.text)
        return EXIT_ERROR
    sys.stdout.write(dry_run(prepared).text())
    # The dry run masks the key and the secret headers whether or not they exist: say when the
    # real send would find none (the lookups the send makes; no value is ever shown). Secret
    # headers go with every sign-in; an Entra token is not fetched (that is the network).
    try:
        service.credentials.header_secrets(profile)
        if profile.auth == "key" and profile.auth_override() is None:
            service.credentials.resolve(profile)
    except ChatError as exc:
        fail(f"warning: the real send would fail: {exc.text}")
    return EXIT_OK


def dry_run(prepared: PreparedRequest) -> DryRun:
    """The request `prepared` describes, as it would leave (secrets masked)."""
    profile = prepared.profile
    target = profile.target()
    auth, headers = _auth_headers(profile)
    override = profile.auth_override()
    if override is not None:  # sent instead of the profile's own credentials (make_client)
        auth = f"the {override} header given, in place of the profile's credentials ({auth})"
        headers = []
    headers.append(("Content-Type", "application/json"))
    for name, value in profile.headers.items():
        headers.append((name, MASK if looks_secret_header(name) else value))
    headers += [(name, f"{MASK} (from the keyring)") for name in profile.secret_headers]
    if prepared.body.get("stream"):
        headers.append(("Accept", "text/event-stream"))
    entra = profile.auth == "entra"
    return DryRun(
        "POST",
        target.url_for(prepared.api),
        auth,
        profile.scope() if entra else None,
        profile.azure_cloud().authority if entra else None,
        headers,
        prepared.body,
    )


def _auth_headers(profile: ConnectionProfile) -> tuple[str, list[tuple[str, str]]]:
    if profile.auth == "entra":
        source = (
            f"the token in {profile.key_env}"
            if profile.key_env
            else f"Microsoft Entra ID ({profile.entra_mode} sign-in)"
        )
        return f"Entra ID bearer token from {source}", [("Authorization", f"Bearer {MASK}")]
    where = f"the keyring entry of profile {profile.name!r}"
    variable = profile.key_variable()
    if variable:
        # `chatdesk send --endpoint/--base-url` reads the key from the environment only.
        cli = profile.name == CLI_PROFILE_NAME
        where = variable if cli else f"{where} or {variable}"
    if profile.kind == "openai-compatible" and not profile.key_env:
        where += " (none needed for a local server)"
    if profile.sends_key_as() == "api-key":
        return f"API key in the api-key header, from {where}", [("api-key", MASK)]
    return f"API key as a Bearer token, from {where}", [("Authorization", f"Bearer {MASK}")]
