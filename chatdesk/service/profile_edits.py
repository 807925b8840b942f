"""Saving edited connection profiles: renames, removals, and moving what each profile keeps
outside the settings (its key, its gateway headers' secret values, its Entra sign-in record);
a secret header removed while editing has its keyring entry deleted on Save.

The Connections dialog edits `ProfileEdit`s; Save plans the moves (`plan_moves`), applies them
on a worker thread (`apply_moves`, touches the keyring and files), then writes the settings
(`commit`). No Qt here, so the transaction is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import msgspec.structs

from chatdesk.core.atomic import atomic_write_text
from chatdesk.core.profile_deployments import listing_default
from chatdesk.core.profile_renames import follow_rename, remember_renames
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.client import header_secret_name
from chatdesk.service.secrets import Secret, SecretStore


class ProfileEdit(msgspec.Struct):
    """A profile being edited. Its key, header secrets and sign-in are kept under `key_name`
    until Save moves them to the profile's final name, so renaming while editing loses none."""

    profile: ConnectionProfile
    original: str | None  # its name in the settings when editing began; None when new
    key_name: str
    # Secret headers removed while editing: Save deletes their keyring entries.
    dropped_headers: list[str] = msgspec.field(default_factory=list)

    def drop_header(self, name: str) -> None:
        """Stop sending the secret header `name`; its keyring entry is deleted on Save."""
        headers = [h for h in self.profile.secret_headers if h != name]
        self.profile = msgspec.structs.replace(self.profile, secret_headers=headers)
        if name not in self.dropped_headers:
            self.dropped_headers.append(name)

    def keep_header(self, name: str) -> None:
        """`name` was saved (again): it is sent, and its entry stays."""
        if name not in self.profile.secret_headers:
            headers = [*self.profile.secret_headers, name]
            self.profile = msgspec.structs.replace(self.profile, secret_headers=headers)
        if name in self.dropped_headers:
            self.dropped_headers.remove(name)

    def runtime(self) -> ConnectionProfile:
        """The profile as the secret store knows it now: named `key_name`."""
        return msgspec.structs.replace(self.profile, name=self.key_name)


class Moves(msgspec.Struct):
    """What Save must do to the secret store and the sign-in records before settings change.
    Entries are secret-store names: a profile's key, or `header_secret_name(...)`."""

    renames: list[tuple[str, str]] = msgspec.field(default_factory=list)
    deletes: list[str] = msgspec.field(default_factory=list)
    record_renames: list[tuple[Path, Path]] = msgspec.field(default_factory=list)
    record_deletes: list[Path] = msgspec.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.renames or self.deletes or self.record_renames or self.record_deletes)


def final_profile(profile: ConnectionProfile) -> ConnectionProfile:
    """The profile as saved: name and deployment trimmed, the default deployment one of its
    list, the endpoint normalised (a key pasted in the URL's query must not reach the file)."""
    check = profile.check(sends_secret=not profile.may_go_keyless)
    deployment = profile.deployment.strip()
    deployments = listing_default(profile.deployments, deployment, profile.model)
    return msgspec.structs.replace(
        profile,
        name=profile.name.strip(),
        endpoint=check.url if check.url else profile.endpoint,
        deployment=deployment,
        deployments=deployments,
    )


def plan_moves(
    edits: list[ProfileEdit],
    removed: Mapping[str, Sequence[str]],
    record_path: Callable[[str], Path],
) -> Moves:
    """The moves that give every edit's stored secrets and record its final name, and drop
    those of `removed`: key name (original of a removed profile, key name of a dropped new
    one) → the secret header names it had, whose keyring values go with its key."""
    finals = {final_profile(e.profile).name for e in edits}
    names: list[tuple[str, str]] = []
    for edit in edits:
        new = final_profile(edit.profile).name
        if edit.key_name != new:
            names.append((edit.key_name, new))
    gone = [n for n in removed if n not in finals]
    moves = Moves()
    for old, new in names:
        moves.renames.append((old, new))
        edit = next(e for e in edits if e.key_name == old)
        for header in edit.profile.secret_headers:
            moves.renames.append((header_secret_name(old, header), header_secret_name(new, header)))
        if record_path(old) != record_path(new):
            moves.record_renames.append((record_path(old), record_path(new)))
    for edit in edits:
        moves.deletes.extend(
            header_secret_name(edit.key_name, header)
            for header in edit.dropped_headers
            if header not in edit.profile.secret_headers
        )
    for name in gone:
        moves.deletes.append(name)
        moves.deletes.extend(header_secret_name(name, header) for header in removed[name])
        moves.record_deletes.append(record_path(name))
    return moves


def apply_moves(secrets: SecretStore, moves: Moves) -> None:
    """Move secrets and sign-in records to their final names (may block: a worker thread).

    Everything is read before anything is written, so a swap or chain of renames cannot
    overwrite a secret that still has to move; nothing is deleted until all writes succeeded.
    """
    held = {old: secrets.get(old) for old, _ in moves.renames}
    records: dict[Path, str | None] = {}
    for old_path, _ in moves.record_renames:
        try:
            records[old_path] = old_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            records[old_path] = None
    targets = {new for _, new in moves.renames}
    for old, new in moves.renames:
        value = held[old]
        if value is not None:
            secrets.set(new, value)
        else:
            secrets.delete(new)  # a stale entry must not become this profile's secret
    for old_path, new_path in moves.record_renames:
        text = records[old_path]
        if text is not None:
            atomic_write_text(new_path, text)
        else:
            new_path.unlink(missing_ok=True)
    new_paths = {new for _, new in moves.record_renames}
    for old, _ in moves.renames:
        if old not in targets:
            secrets.delete(old)
    for name in moves.deletes:
        secrets.delete(name)
    for old_path, _ in moves.record_renames:
        if old_path not in new_paths:
            old_path.unlink(missing_ok=True)
    for path in moves.record_deletes:
        path.unlink(missing_ok=True)


def commit(
    settings: Settings,
    edits: list[ProfileEdit],
    removed: list[str],
    selected: str | None,
    save: Callable[[], None],
    *,
    proxy: str | None = None,
) -> None:
    """Write the edits (and the app's `proxy`, if given) into `settings` (order kept, renames
    through temporary names so a swap cannot collide) and call `save`; on OSError/ValueError
    the settings are restored and the error is raised again. A renamed profile takes what
    names it along: New conversation's profile, and the remembered renames that files naming
    the old name follow (`renamed_profiles`, core/profile_renames.py)."""
    before = (
        [msgspec.structs.replace(p) for p in settings.profiles],
        settings.active_profile,
        settings.proxy,
        dict(settings.renamed_profiles),
        settings.new_conversation,
    )
    try:
        if proxy is not None:
            settings.proxy = proxy
        for name in removed:
            if settings.profile(name) is not None:
                settings.remove_profile(name)
        finals = [final_profile(e.profile) for e in edits]
        renamed = [
            (e, f)
            for e, f in zip(edits, finals, strict=True)
            if e.original is not None
            and e.original != f.name
            and settings.profile(e.original) is not None
        ]
        for i, (edit, _) in enumerate(renamed):
            settings.rename_profile(edit.original or "", f"\0renaming {i}")
        for i, (_, final) in enumerate(renamed):
            settings.rename_profile(f"\0renaming {i}", final.name)
        for profile in finals:
            settings.upsert_profile(profile)
        order = {p.name: i for i, p in enumerate(finals)}
        settings.profiles.sort(key=lambda p: order.get(p.name, len(order)))
        settings.active_profile = None
        if selected is not None and settings.profile(selected) is not None:
            settings.active_profile = selected
        elif settings.profiles:
            settings.active_profile = settings.profiles[0].name
        names = {p.name for p in settings.profiles}
        moved = [(e.original or "", f.name) for e, f in renamed]
        renames = remember_renames(settings.renamed_profiles, moved, names)
        settings.renamed_profiles = renames
        chosen = settings.new_conversation.profile
        if chosen is not None and chosen not in names and chosen in renames:
            settings.new_conversation = msgspec.structs.replace(
                settings.new_conversation, profile=follow_rename(chosen, names, renames)
            )
        save()
    except (OSError, ValueError):
        (
            settings.profiles,
            settings.active_profile,
            settings.proxy,
            settings.renamed_profiles,
            settings.new_conversation,
        ) = before
        raise


class DraftSecrets:
    """The secret store as an edited profile sees it before Save: under its current name it
    finds what is kept under its `key_name`, and a key typed but not saved (`typed`) wins.
    Reads only: a connection test through it stores nothing."""

    def __init__(self, secrets: SecretStore, edit: ProfileEdit, typed: Secret | None) -> None:
        self._secrets = secrets
        self._names = {edit.profile.name: edit.key_name}
        for header in edit.profile.secret_headers:
            current = header_secret_name(edit.profile.name, header)
            self._names[current] = header_secret_name(edit.key_name, header)
        self._current = edit.profile.name
        self._typed = typed

    is_secure = property(lambda self: self._secrets.is_secure)
    description = property(lambda self: self._secrets.description)
    instant = False  # a connection test resolves its key on a helper thread, Stop can end it

    def get(self, name: str) -> Secret | None:
        if name == self._current and self._typed:
            return self._typed
        return self._secrets.get(self._names.get(name, name))

    def set(self, name: str, secret: Secret) -> None:
        raise PermissionError("a connection test stores nothing")

    def delete(self, name: str) -> None:
        raise PermissionError("a connection test stores nothing")


if TYPE_CHECKING:

    def _conforms(draft: DraftSecrets) -> SecretStore:
        return draft  # mypy checks that DraftSecrets declares what a SecretStore does
