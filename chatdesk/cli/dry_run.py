"""What a request would send, without sending it: `chatdesk send --dry-run` (the command
line's alone; the window shows a request with View code and What will be sent).

Method, URL, how it authenticates (and for Entra ID the scope and authority), the headers with
every secret masked, and the body. Each image's data URL in the body is shortened to its first
and last characters with its type, size and dimensions between them (one 768 x 768 PNG is
1.9 MB of base64, which no terminal shows usefully); `--whole-images` prints them whole, for
the exact body. Nothing is resolved that could touch the network or reveal a
secret: a key or token is shown as ``***`` and never read.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import msgspec

from chatdesk.cli.command import EXIT_ERROR, EXIT_OK, fail
from chatdesk.core.images import data_url_size
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

    def text(self, whole_images: bool = False) -> str:
        lines = [f"{self.method} {self.url}", f"Auth: {self.auth}"]
        if self.scope is not None:
            lines.append(f"Entra scope: {self.scope} (authority {self.authority})")
        lines.append("Headers:")
        lines += [f"  {name}: {value}" for name, value in self.headers]
        lines.append("Body:")
        body = self.body if whole_images else _short_images(self.body)
        lines.append(json.dumps(body, indent=2, ensure_ascii=False))
        return "\n".join(lines) + "\n"


def print_dry_run(
    service: ChatService,
    conv: Conversation,
    profile: ConnectionProfile,
    *,
    stream: bool,
    whole_images: bool = False,
) -> int:
    """`send --dry-run`: print the request `conv` would be to `profile` on stdout, its images'
    data URLs shortened unless `whole_images`; the exit status (1: it cannot be made)."""
    try:
        prepared = service.prepare(conv, profile, stream=stream)
    except ChatError as exc:
        fail(exc.text)
        return EXIT_ERROR
    sys.stdout.write(dry_run(prepared).text(whole_images))
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


_SHOWN = 24  # characters of a data URL's base64 shown at each end
_SHORTEST = 200  # data URLs up to this long are shown whole: shortening would not save much


def _short_images(value: Any) -> Any:
    """`value` (the body or a part of it) with every long `data:` URL shortened
    (`short_data_url`): Chat Completions' `image_url.url`, Responses' `input_image`, any other."""
    if isinstance(value, dict):
        return {key: _short_images(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_short_images(item) for item in value]
    if isinstance(value, str) and value[:5].lower() == "data:" and len(value) > _SHORTEST:
        return short_data_url(value)
    return value


def short_data_url(url: str) -> str:
    """A data URL as the dry run shows it: its header, the first and last characters of its
    data, and between them its type, decoded size and dimensions (when its header says them):
    "data:image/png;base64,iVBOR…[image/png, 1,436,007 bytes, 768 × 768 px; --whole-images
    prints it whole]…QmCC"."""
    comma = url.find(",", 0, 256)
    if comma < 0:
        return url[:_SHOWN] + f"…[{len(url):,} characters; --whole-images prints it whole]"
    head, data = url[: comma + 1], url[comma + 1 :]
    mime = head[5:].split(";")[0] or "data"
    if head.lower().endswith(";base64,"):
        n_bytes = len(data) * 3 // 4 - data[-2:].count("=")
    else:
        n_bytes = len(data)
    said = [mime, f"{n_bytes:,} bytes"]
    size = data_url_size(url)
    if size is not None:
        said.append(f"{size[0]} × {size[1]} px")
    return (
        f"{head}{data[:_SHOWN]}…[{', '.join(said)}; --whole-images prints it whole]"
        f"…{data[-_SHOWN:]}"
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
