"""Where `chatdesk send` sends: the profile its options name (a saved profile and one of its
deployments, an Azure endpoint and deployment, an OpenAI-compatible base URL and model) or the
environment's, with any --header options added; and what a deployment taught a send (a
parameter, role or streaming it refuses), kept in the settings (`remember`)."""

from __future__ import annotations

import argparse

import msgspec.structs

from chatdesk.cli.command import fail
from chatdesk.core.choices import EntraMode
from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import DeploymentNote
from chatdesk.core.endpoints import fields_in_url
from chatdesk.core.profile_deployments import find
from chatdesk.core.profile_env import profile_from_env
from chatdesk.core.profiles import (
    CLI_PROFILE_NAME,
    DEFAULT_API_VERSION,
    ConnectionProfile,
    parse_header,
)
from chatdesk.service.client import Credentials
from chatdesk.service.connections import Connections

ADHOC_PROFILE = CLI_PROFILE_NAME


class UsageError(Exception):
    """Connection options that do not go together; the text says why (exit status 2)."""


def pick_profile(
    args: argparse.Namespace,
    env: dict[str, str],
    connections: Connections,
    conv: Conversation,
) -> tuple[ConnectionProfile, Credentials]:
    """The profile the options name (--profile, --endpoint/--deployment, --base-url/--model)
    or, without them, the saved profile the file records (`conv.profile`, as the window opens
    it), else the environment's, else (a file naming no profile) the default profile, as the
    window gives a new conversation (`Connections.name_profile`, then `profile_for`: `conv`
    records it); a saved profile sends to the deployment `pick_deployment` picks, the
    environment's to --deployment or its own; with the credentials to send with.
    Raises UsageError for options that do not go together or name no profile."""
    recorded = conv.profile
    # --deployment alone picks one of a profile's deployments; with --endpoint it is the target.
    azure = args.endpoint is not None or args.api_version
    compatible = args.base_url is not None or args.model is not None
    if sum(map(bool, (args.profile is not None, azure, compatible))) > 1:
        raise UsageError("use one of --profile, --endpoint/--deployment, --base-url/--model")
    if compatible and args.deployment is not None:
        raise UsageError("--deployment does not go with --base-url; name the model with --model")
    if args.profile is not None:
        # The window's own setup: the same keyring entries, sign-in records and token cache.
        profile = connections.settings.profile(args.profile)
        if profile is None:
            names = ", ".join(p.name for p in connections.settings.profiles) or "none are set up"
            raise UsageError(f"no profile named {args.profile!r} (profiles: {names})")
        return pick_deployment(conv, profile, args.deployment), connections.credentials
    if azure:
        if not args.endpoint:
            raise UsageError("--api-version goes with --endpoint URL")
        # A pasted request URL names the deployment and api-version as the window reads it.
        named = fields_in_url("azure-api-version" if args.api_version else "azure-v1",
                              args.endpoint)  # fmt: skip
        deployment = (args.deployment or "").strip() or named.deployment
        if not deployment:
            raise UsageError("--endpoint needs --deployment D (the URL names no deployment)")
        if named.deployment and named.deployment != deployment:
            fail(f"note: --endpoint names the deployment '{named.deployment}'; sending to "
                 f"--deployment '{deployment}'.")  # fmt: skip
        has_key = bool(env.get("AZURE_OPENAI_API_KEY", "").strip())
        return ConnectionProfile(
            name=ADHOC_PROFILE,
            kind=named.kind,
            endpoint=args.endpoint,
            deployment=deployment,
            api_version=args.api_version or named.api_version or DEFAULT_API_VERSION,
            # Without a key, sign in as the developer (az login, managed identity...).
            auth="key" if has_key else "entra",
            entra_mode=EntraMode.DEFAULT,
            key_env="AZURE_OPENAI_API_KEY" if has_key else None,
        ), Credentials(None, env=env)
    if compatible:
        if not (args.base_url and args.model):
            raise UsageError("--base-url and --model go together")
        return ConnectionProfile(
            name=ADHOC_PROFILE,
            kind="openai-compatible",
            endpoint=args.base_url,
            deployment=args.model,
            key_env="OPENAI_API_KEY",
        ), Credentials(None, env=env)
    # A profile renamed in Connections: the file's old name means the new one (and is saved so).
    connections.follow_renamed(conv)
    saved = connections.settings.profile(conv.profile) if conv.profile else None
    if saved is not None:
        return pick_deployment(conv, saved, args.deployment), connections.credentials
    # The window stands its default in for a removed profile and says so; send stands nothing
    # in unseen: the environment's connection with a note, else an error naming the profile.
    gone = connections.gone_profile(recorded)
    profile = profile_from_env(env)
    if profile is None and not gone:
        # The window's steps for a conversation naming none: the default profile, recorded
        # in it (saved with the reply, as `--profile` is).
        connections.name_profile(conv)
        default = connections.profile(conv.profile)
        if default is not None:
            return pick_deployment(conv, default, args.deployment), connections.credentials
    if profile is None:
        names = ", ".join(p.name for p in connections.settings.profiles) or "none are set up"
        raise UsageError(
            (f"the file's profile {gone!r} is not set up here (profiles: {names}): " if gone
             else "no connection given: ")
            + "use --profile NAME, --endpoint URL --deployment D, "
            "--base-url URL --model M, or set AZURE_OPENAI_ENDPOINT (or OPENAI_BASE_URL)"
        )  # fmt: skip
    if gone:
        fail(f"note: the file's profile {gone!r} is not set up here; sending with the "
             "connection the environment variables describe.")  # fmt: skip
    # The environment's deployment, or one --deployment names (the file's belongs to a profile).
    return profile.using(args.deployment), Credentials(None, env=env)


def pick_deployment(
    conv: Conversation, profile: ConnectionProfile, option: str | None
) -> ConnectionProfile:
    """The saved `profile` sending to `--deployment` (any name, for this run; the file records
    it when it is one of the profile's), else to the deployment the file recorded when it is
    one of the profile's, else to its default: `ConnectionProfile.picked`, the rule the window
    (`Connections.profile_for`) and `chatdesk tokens` follow, so they name the same model."""
    picked = (option or "").strip() or None
    names = ", ".join(profile.deployment_names()) or "none"
    if picked is None:
        recorded = (conv.deployment or "").strip()
        if recorded and find(profile.deployments, recorded) is None:
            fail(f"note: the file's deployment '{recorded}' is not one of the deployments of "
                 f"profile '{profile.name}' ({names}); sending to its default "
                 f"'{profile.deployment}', as the window does.")  # fmt: skip
        return profile.picked(recorded or None)
    if find(profile.deployments, picked) is None:
        fail(f"note: '{picked}' is not one of the deployments of profile '{profile.name}' "
             f"({names}); sending to it as given, for this run (the file does not record "
              "it).")  # fmt: skip
    else:
        conv.deployment = picked
    return profile.using(picked)


def with_headers(profile: ConnectionProfile, given: list[str]) -> ConnectionProfile:
    """The profile with the --header 'Name: value' options added (UsageError: a bad one).

    A given header replaces the profile's header of that name, whatever its case, for this run:
    also one whose value the keyring keeps (a gateway's subscription key on a machine whose
    keyring lacks it: CI, a server), which is then not looked up."""
    headers = dict(profile.headers)
    secret = list(profile.secret_headers)
    for text in given:
        try:
            name, value = parse_header(text)
        except ValueError as exc:
            raise UsageError(f"--header: {exc}") from None
        wanted = name.lower()
        headers = {n: v for n, v in headers.items() if n.lower() != wanted}
        secret = [n for n in secret if n.lower() != wanted]
        headers[name] = value
    if not given:
        return profile
    return msgspec.structs.replace(profile, headers=headers, secret_headers=secret)


def remember(learned: dict[str, DeploymentNote]) -> None:
    """Keep what the deployment taught in the settings file, read afresh so that a window
    saving meanwhile loses nothing; never over a file none of which could be used. A file of
    which only some values fell back is saved as the window saves it: those values as what
    is used (the original's copy, settings.json.bad-<time>, is kept by `load_settings`)."""
    from chatdesk.core.settings import load_settings, save_settings

    loaded = load_settings()
    if loaded.file_unused or not loaded.writable:
        return
    for key, note in learned.items():
        loaded.settings.deployments.put(key, note)
    try:
        save_settings(loaded.settings)
    except (OSError, ValueError) as exc:
        fail(f"could not remember the adjustment in the settings ({exc}).")
