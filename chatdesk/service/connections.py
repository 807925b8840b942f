"""The user's connections: profiles from settings (or the environment), where their keys live,
and one Entra session per profile. The window and the command line connect through this.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec.structs

from chatdesk.core.conversation import Conversation
from chatdesk.core.paths import config_dir
from chatdesk.core.profile_env import profile_from_env
from chatdesk.core.profile_renames import follow_rename
from chatdesk.core.profiles import (
    ConnectionProfile,
    gone_new_profile_text,
    gone_preferences_profile_text,
    gone_profile_text,
)
from chatdesk.core.settings import Settings
from chatdesk.service.client import Credentials, entra_session_key, entra_session_options

if TYPE_CHECKING:  # imported when first used: keyring and azure-identity are slow to import
    from chatdesk.service.entra import DeviceCode, EntraSession
    from chatdesk.service.secrets import KeyringStatus, Secret, SecretStore


def _open_secret_store() -> tuple[SecretStore, KeyringStatus]:
    from chatdesk.service.secrets import open_secret_store

    return open_secret_store()


def _entra_session(*args: object, **kwargs: object) -> EntraSession:
    from chatdesk.service.entra import EntraSession

    return EntraSession(*args, **kwargs)  # type: ignore[arg-type]


class LazySecretStore:
    """Opens the OS keyring on first use, so probing it never happens on the GUI thread."""

    def __init__(
        self, opener: Callable[[], tuple[SecretStore, KeyringStatus]] = _open_secret_store
    ) -> None:
        self._opener = opener
        self._store: SecretStore | None = None
        self._status: KeyringStatus | None = None
        self._lock = threading.Lock()

    def _open(self) -> SecretStore:
        with self._lock:
            if self._store is None:
                self._store, self._status = self._opener()
            return self._store

    @property
    def status(self) -> KeyringStatus:
        self._open()
        assert self._status is not None
        return self._status

    @property
    def instant(self) -> bool:
        """Reads never wait: the store is open and keeps keys in memory (never opens it)."""
        return self._store is not None and self._store.instant

    @property
    def is_secure(self) -> bool:
        return self._open().is_secure

    @property
    def description(self) -> str:
        return self._open().description

    def get(self, profile: str) -> Secret | None:
        return self._open().get(profile)

    def set(self, profile: str, secret: Secret) -> None:
        self._open().set(profile, secret)

    def delete(self, profile: str) -> None:
        self._open().delete(profile)

    def use_session_store(self, store: SecretStore) -> None:
        """The user chose keys in memory for this session (no secure keyring exists)."""
        with self._lock:
            self._store = store


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "profile"


class Connections:
    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore | None = None,
        env: Mapping[str, str] | None = None,
        entra_factory: Callable[..., EntraSession] = _entra_session,
        *,
        proxy_setting_place: str | None = None,
    ) -> None:
        self.settings = settings
        self.network_warning: str | None = None
        # Where the user edits the proxy setting, for messages (the window's dialog by default).
        self._proxy_setting_place = proxy_setting_place
        self.apply_network_settings()
        self.secrets: SecretStore = secrets if secrets is not None else LazySecretStore()
        self.env = os.environ if env is None else env
        self._entra_factory = entra_factory
        self._sessions: dict[tuple[str | None, ...], EntraSession] = {}
        self._lock = threading.Lock()
        # Set by the window to show a device code; sign-in happens on a worker thread.
        self.device_code_callback: Callable[[DeviceCode], None] | None = None
        self.credentials = Credentials(self.secrets, env=self.env, entra=self.entra_session)

    def apply_network_settings(self) -> None:
        """Use the settings' proxy for every client built from now on (window and CLI alike);
        one that cannot be used is ignored, with `network_warning` saying why."""
        from chatdesk.service.network import WINDOW_PROXY_SETTING, NetworkSetupError, configure

        place = self._proxy_setting_place or WINDOW_PROXY_SETTING
        try:
            configure(self.settings.proxy, setting_place=place)
            self.network_warning = None
        except NetworkSetupError as exc:
            configure(None, setting_place=place)
            self.network_warning = f"The proxy setting is ignored: {exc}"

    def profiles(self) -> list[ConnectionProfile]:
        """The saved profiles; with none saved, the one the environment variables describe."""
        if self.settings.profiles:
            return list(self.settings.profiles)
        env_profile = profile_from_env(self.env)
        return [env_profile] if env_profile else []

    def profile(self, name: str | None) -> ConnectionProfile | None:
        """The profile `name` means: the one of that name, else the saved profile it was
        renamed to (`follow_rename`: files and settings naming the old name follow it)."""
        profiles = self.profiles()
        found = next((p for p in profiles if p.name == name), None)
        if found is None and name is not None and self.settings.renamed_profiles:
            now = follow_rename(name, {p.name for p in profiles}, self.settings.renamed_profiles)
            found = next((p for p in profiles if p.name == now), None)
        return found

    def reply_profiles(self) -> list[ConnectionProfile]:
        """Every profile a recorded reply may name, for pricing it: the profiles, and each
        remembered old name as the profile it became (a reply made before a rename keeps
        its price; replies are not rewritten)."""
        profiles = self.profiles()
        names = {p.name for p in profiles}
        aliases = [
            msgspec.structs.replace(found, name=old)
            for old in self.settings.renamed_profiles
            if old not in names and (found := self.profile(old)) is not None
        ]
        return [*profiles, *aliases]

    def follow_renamed(self, conv: Conversation) -> bool:
        """Name the profile `conv`'s was renamed to, in `conv`; True when it changed (the
        conversation is saved with the new name as with any change)."""
        profile = self.profile(conv.profile) if conv.profile is not None else None
        if profile is None or profile.name == conv.profile:
            return False
        conv.profile = profile.name
        return True

    def active(self) -> ConnectionProfile | None:
        profiles = self.profiles()
        chosen = self.profile(self.settings.active_profile)
        return chosen or (profiles[0] if profiles else None)

    def name_profile(self, conv: Conversation, *, replace_missing: bool = False) -> None:
        """Record the active profile in a conversation that names none (`replace_missing`:
        or one no longer saved, e.g. a New conversation's default since removed). A file
        naming a profile this machine lacks keeps its name unless asked: `profile_for` stands
        the active one in for it meanwhile. A renamed profile's old name becomes its new one."""
        self.follow_renamed(conv)
        if replace_missing and conv.profile is not None and self.profile(conv.profile) is None:
            conv.profile = None
        active = self.active()
        if conv.profile is None and active is not None:
            conv.profile = active.name

    def gone_profile(self, name: str | None) -> str | None:
        """`name`, when it names a profile that is not set up here (removed, or made on
        another machine); None when it exists or names none. The one test for it: the window
        stands the active profile in and says so (`gone_profile_note`), `chatdesk send`
        names it in its error."""
        return name if name is not None and self.profile(name) is None else None

    def gone_profile_note(self, conv: Conversation) -> str | None:
        """The status line for a conversation whose profile is gone: the profile it names and
        the one `profile_for` sends with instead; None when its profile exists."""
        gone = self.gone_profile(conv.profile)
        if gone is None:
            return None
        active = self.active()
        return gone_profile_text(gone, active.name if active is not None else None)

    def new_conversation_note(self, conv: Conversation) -> str | None:
        """For a new conversation, before `name_profile(conv, replace_missing=True)`: the
        status line when the profile it was given (Preferences') is not set up and the
        default stands in; None when it exists, follows a rename, or names none."""
        gone = self.gone_profile(conv.profile)
        if gone is None:
            return None
        active = self.active()
        return gone_new_profile_text(gone, active.name if active is not None else None)

    def new_conversation_profile(self, named: str | None) -> tuple[str | None, str | None]:
        """What Preferences shows as New conversation's profile when the settings name `named`:
        the profile it means (a renamed one under its new name), or None for the default —
        which stands in for one not set up, as New does (`new_conversation_note`) — and then
        the note that says so (None when nothing stood in)."""
        gone = self.gone_profile(named)
        if gone is None:
            profile = self.profile(named) if named is not None else None
            return (profile.name if profile is not None else None), None
        active = self.active()
        return None, gone_preferences_profile_text(gone, active.name if active else None)

    def profile_for(self, conv: Conversation) -> ConnectionProfile | None:
        """The profile a conversation uses (the one it names, else the active one), sending to
        the deployment the conversation picked, when the profile has it (else its default).
        The deployment's model decides counting and limits."""
        profile = self.profile(conv.profile) or self.active()
        return profile.picked(conv.deployment) if profile is not None else None

    def record_path(self, profile: ConnectionProfile) -> Path:
        return config_dir() / "entra" / f"{_slug(profile.name)}.json"

    def entra_session(self, profile: ConnectionProfile) -> EntraSession:
        """One session per profile and sign-in choice, each with its own saved record."""
        key = entra_session_key(profile)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                session = self._entra_factory(
                    profile.entra_mode,
                    tenant_id=profile.tenant_id,
                    client_id=profile.client_id,
                    record_path=self.record_path(profile),
                    device_code_callback=self._show_device_code,
                    **entra_session_options(profile),
                )
                self._sessions[key] = session
            return session

    def _show_device_code(self, code: DeviceCode) -> None:
        if self.device_code_callback is not None:
            self.device_code_callback(code)


if TYPE_CHECKING:

    def _conforms(store: LazySecretStore) -> SecretStore:
        return store  # mypy checks that LazySecretStore declares what a SecretStore does
