"""`chatdesk signin --profile P` and `chatdesk signout --profile P`: Microsoft Entra ID sign-in
from a terminal, into the same sign-in record and token cache the window uses.

    chatdesk signin --profile NAME [--device-code]   sign in (browser, or a code to enter)
    chatdesk signout --profile NAME                  forget the sign-in

Exit status: 0 signed in, 1 sign-in failed, 2 usage, 130 interrupted.

`chatdesk signout` cannot fail once it finds the profile: its statuses are `_SIGNOUT_DOC`'s.
"""

from __future__ import annotations

import os
import sys

import msgspec.structs

from chatdesk.cli.command import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Parser
from chatdesk.cli.connections import command_line_connections
from chatdesk.core.choices import EntraMode
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.connections import Connections
from chatdesk.service.entra import SignInCancelled, SignInError
from chatdesk.service.events import CancelToken

_SIGNOUT_DOC = """Exit status: 0 signed out (also when it was not signed in), 2 usage: no such
profile, or it uses an API key."""


def _parser(command: str) -> Parser:
    verb = "Sign in to" if command == "signin" else "Sign out of"
    p = Parser(
        prog=f"chatdesk {command}",
        description=f"{verb} Microsoft Entra ID for a connection profile; the window and "
        "`chatdesk send --profile` share the sign-in.",
        doc=__doc__ if command == "signin" else _SIGNOUT_DOC,
    )
    p.add_argument("--profile", metavar="NAME", required=True, help="the connection profile")
    if command == "signin":
        p.add_argument(
            "--device-code",
            action="store_true",
            help="print a code to enter at microsoft.com/devicelogin instead of opening a "
            "browser (for SSH sessions and machines without one)",
        )
    return p


def run_signin(argv: list[str], connections: Connections | None = None) -> int:
    args = _parser("signin").parse_args(argv)
    connections = connections or command_line_connections(dict(os.environ))
    profile = _entra_profile(connections, args.profile)
    if profile is None:
        return EXIT_USAGE
    if args.device_code:
        profile = msgspec.structs.replace(profile, entra_mode=EntraMode.DEVICE_CODE)
    session = connections.entra_session(profile)
    if profile.entra_mode == "browser":
        print("Opening the browser to sign in…", file=sys.stderr, flush=True)
    cancel = CancelToken()
    try:
        account = session.sign_in(cancel)
    except KeyboardInterrupt:
        cancel.cancel()
        return EXIT_INTERRUPTED
    except SignInCancelled:
        return EXIT_INTERRUPTED
    except SignInError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    who = account.username or "an unnamed account"
    tenant = f" (tenant {account.tenant_id})" if account.tenant_id else ""
    print(f"Signed in as {who}{tenant} for profile {profile.name!r}.")
    if session.cache_warning:
        print(f"chatdesk: {session.cache_warning}", file=sys.stderr)
    return EXIT_OK


def run_signout(argv: list[str], connections: Connections | None = None) -> int:
    args = _parser("signout").parse_args(argv)
    connections = connections or command_line_connections(dict(os.environ))
    profile = _entra_profile(connections, args.profile)
    if profile is None:
        return EXIT_USAGE
    connections.entra_session(profile).sign_out()
    print(f"Signed out of profile {profile.name!r}.")
    return EXIT_OK


def _entra_profile(connections: Connections, name: str) -> ConnectionProfile | None:
    profile = connections.profile(name)
    if profile is None:
        names = ", ".join(p.name for p in connections.profiles()) or "none are set up"
        print(f"chatdesk: no profile named {name!r} (profiles: {names})", file=sys.stderr)
        return None
    if profile.auth != "entra":
        print(
            f"chatdesk: profile {name!r} uses an API key, not Microsoft Entra ID sign-in; "
            "choose Entra ID for it in Connections first.",
            file=sys.stderr,
        )
        return None
    return profile
