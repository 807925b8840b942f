"""API keys live in the operating system's keyring, behind a tiny interface.

The window and the chat service only see `SecretStore`. `open_secret_store()` picks the
keyring when it is a protected one, and otherwise an in-memory store plus a warning to show:
chatdesk never falls back to a plaintext file on its own.

Keyring calls can block (an unlock prompt, a D-Bus activation), so `KeyringSecretStore` runs
each one on a worker thread with a time limit and serialises them with one lock. Still call
the store from a background thread, not the GUI thread: a call may wait up to `timeout`.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, Protocol, TypeVar, runtime_checkable

import keyring
import keyring.backend
import keyring.errors
import msgspec
from keyring.backends import chainer, fail, null

from chatdesk.service.blocking import DeadlinePassed, call_blocking

__all__ = [
    "KeyringSecretStore",
    "KeyringStatus",
    "MemorySecretStore",
    "Secret",
    "SecretStore",
    "SecretStoreError",
    "keyring_status",
    "open_secret_store",
]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

DEFAULT_SERVICE = "chatdesk"

_NO_SECURE_KEYRING_ADVICE = (
    "chatdesk can keep your API key in memory for this session only (you will have to enter "
    "it again next time), or you can sign in with Microsoft Entra ID instead."
)


class Secret:
    """A string that does not show itself: in repr, str, f-strings, logs and pickles.

    Call `reveal()` at the last moment, where the value is handed to the keyring or the
    HTTP client.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant time, so a comparison does not leak how much of a key matched.
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    # Equal secrets must hash equally, but a hash of the key is itself a leak: keep it unhashable.
    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        # Covers pickle, copy and deepcopy: a key must not end up in a pickle on disk.
        raise TypeError("a Secret cannot be pickled or copied")


class SecretStoreError(Exception):
    """A store could not read, write or delete a key. The message is fit to show a person and
    never contains the key."""


@runtime_checkable
class SecretStore(Protocol):
    """Keeps one API key per connection profile."""

    @property
    def is_secure(self) -> bool:
        """True only when keys are protected by the OS and survive a restart."""
        ...

    @property
    def description(self) -> str:
        """Where keys are kept, in words for the settings dialog."""
        ...

    @property
    def instant(self) -> bool:
        """True when a read never waits (keys kept in memory), so a request may read the key
        on the thread it runs on; False for the OS keyring, which may block or ask."""
        ...

    def get(self, profile: str) -> Secret | None: ...

    def set(self, profile: str, secret: Secret) -> None: ...

    def delete(self, profile: str) -> None:
        """Remove the key for `profile`; nothing happens when there is none."""
        ...


def _check_profile(profile: str) -> None:
    if not isinstance(profile, str) or not profile:
        raise ValueError("profile must be a non-empty string")


def _check_secret(secret: Secret) -> None:
    if not isinstance(secret, Secret):
        # Do not put `secret` in the message: it may be the bare key.
        raise TypeError("pass the key wrapped in Secret(...)")
    if not secret:
        raise ValueError("an empty key cannot be stored; use delete() to remove one")


class MemorySecretStore:
    """Keeps keys in this process only; they are forgotten when chatdesk exits.

    Used in tests and as the honest fallback when the system has no protected keyring.
    """

    is_secure = False
    description = "this session only (memory): keys are forgotten when chatdesk exits"
    instant = True  # reads never wait: requests resolve keys on their own thread

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Secret] = {}

    def get(self, profile: str) -> Secret | None:
        _check_profile(profile)
        with self._lock:
            return self._keys.get(profile)

    def set(self, profile: str, secret: Secret) -> None:
        _check_profile(profile)
        _check_secret(secret)
        with self._lock:
            self._keys[profile] = secret

    def delete(self, profile: str) -> None:
        _check_profile(profile)
        with self._lock:
            self._keys.pop(profile, None)

    def __repr__(self) -> str:
        return f"MemorySecretStore(profiles={len(self._keys)})"


class _NoAnswer:
    """A keyring call that gave up (see KeyringSecretStore._call)."""


_NO_ANSWER = _NoAnswer()


class KeyringSecretStore:
    """Keys in the OS keyring: one entry per profile, service `service`, username = profile.

    Every call runs on the shared daemon threads (`blocking.call_blocking`), serialised by one
    lock, and gives up after `timeout` seconds: a locked keyring may wait for an unlock prompt
    that nobody answers, and a daemon thread cannot keep chatdesk from exiting. A call that
    gave up never runs later.
    """

    is_secure = True
    instant = False  # a read may wait on D-Bus or an unlock prompt

    def __init__(
        self,
        service: str = DEFAULT_SERVICE,
        backend: keyring.backend.KeyringBackend | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._service = service
        # Resolving the default backend talks to D-Bus; doing it lazily keeps construction cheap.
        self._backend = backend
        self._timeout = timeout
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        backend = self._backend
        return _describe_backend(backend) if backend is not None else "the system keyring"

    def get(self, profile: str) -> Secret | None:
        _check_profile(profile)
        value = self._call(lambda b: b.get_password(self._service, profile), action="read")
        return Secret(value) if value else None

    def set(self, profile: str, secret: Secret) -> None:
        _check_profile(profile)
        _check_secret(secret)
        self._call(
            lambda b: b.set_password(self._service, profile, secret.reveal()),
            action="store",
            secret=secret,
        )

    def delete(self, profile: str) -> None:
        _check_profile(profile)

        def delete(b: keyring.backend.KeyringBackend) -> None:
            # PasswordDeleteError means there is no entry: already what the caller wants.
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                b.delete_password(self._service, profile)

        self._call(delete, action="delete")

    def _resolve_backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    def _call(
        self,
        op: Callable[[keyring.backend.KeyringBackend], _T],
        *,
        action: str,
        secret: Secret | None = None,
    ) -> _T:
        abandoned = threading.Event()
        wait = self._timeout

        def work() -> _T | _NoAnswer:
            if not self._lock.acquire(timeout=wait):
                return _NO_ANSWER  # An earlier call is still stuck; the caller has given up too.
            try:
                if abandoned.is_set():
                    return _NO_ANSWER  # Too late: do not store or delete behind the caller's back.
                return op(self._resolve_backend())
            finally:
                self._lock.release()

        failure: Exception | None = None
        answer: _T | _NoAnswer = _NO_ANSWER
        try:
            answer = call_blocking(work, timeout=self._timeout)
        except DeadlinePassed:
            abandoned.set()
        except Exception as exc:
            failure = exc
        if failure is not None:
            # Built outside the `except` block so the original exception, whose text might
            # quote the key, is not attached as __context__ and cannot reach a log.
            message = _keyring_error_message(failure, action, secret)
            failure = None
            raise SecretStoreError(message)
        if isinstance(answer, _NoAnswer):  # timed out, here or waiting for the lock
            raise SecretStoreError(
                f"The system keyring did not answer within {self._timeout:g} s. Is it locked?"
            )
        return answer

    def __repr__(self) -> str:
        return f"KeyringSecretStore(service={self._service!r})"


_VERBS = {"read": "read the key from", "store": "save the key in", "delete": "remove the key from"}


def _keyring_error_message(exc: BaseException, action: str, secret: Secret | None) -> str:
    kind = type(exc).__name__
    _log.warning("keyring %s failed: %s", action, kind)  # The type only: the text may quote a key.
    prefix = f"Could not {_VERBS.get(action, action)} the system keyring"
    lowered = f"{kind} {_safe_text(exc, secret)}".lower()
    if isinstance(exc, keyring.errors.KeyringLocked) or "locked" in lowered:
        return f"{prefix}: it is locked. Unlock it (or log in again) and try again."
    if "dismissed" in lowered:
        return f"{prefix}: the unlock prompt was dismissed. Try again and unlock the keyring."
    if isinstance(exc, keyring.errors.NoKeyringError | keyring.errors.InitError):
        return f"{prefix}: no usable keyring is running ({kind})."
    if "dbus" in lowered or "secretservice" in lowered or "not available" in lowered:
        return f"{prefix}: the Secret Service is not reachable ({kind}). Is it running?"
    if isinstance(exc, keyring.errors.PasswordSetError):
        return f"{prefix}: the keyring refused to store it ({kind})."
    return f"{prefix} ({kind})."


def _safe_text(exc: BaseException, secret: Secret | None) -> str:
    # Only used to classify the error, never shown, but scrub anyway in case that changes.
    text = str(exc)
    if secret:
        text = text.replace(secret.reveal(), "***")
    return text


class KeyringStatus(msgspec.Struct, frozen=True):
    """Whether API keys can be kept safely, and if not what to tell the person."""

    secure: bool
    backend_name: str
    warning: str | None = None


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    try:
        return str(backend.name)
    except Exception:
        return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _describe_backend(backend: keyring.backend.KeyringBackend) -> str:
    module = type(backend).__module__
    names = {
        "keyring.backends.SecretService": "Secret Service (GNOME Keyring, KWallet or compatible)",
        "keyring.backends.libsecret": "Secret Service via libsecret",
        "keyring.backends.kwallet": "KWallet",
        "keyring.backends.macOS": "macOS Keychain",
        "keyring.backends.Windows": "Windows Credential Manager",
    }
    if module in names:
        return names[module]
    if isinstance(backend, chainer.ChainerBackend):
        inner = [_describe_backend(b) for b in _chained(backend)]
        return ", then ".join(inner) or "no keyring"
    return _backend_name(backend)


def _chained(backend: chainer.ChainerBackend) -> list[keyring.backend.KeyringBackend]:
    try:
        return list(backend.backends)
    except Exception:
        return []


def _missing_keyring_reason() -> str:
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return "no Secret Service is running (install gnome-keyring or KWallet, or start it)"
    return "the system keyring could not be opened"


def _insecure_reason(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why `backend` must not hold API keys, or None when it is a protected keyring."""
    name = _backend_name(backend)
    if isinstance(backend, fail.Keyring | null.Keyring):
        return _missing_keyring_reason()
    if type(backend).__module__.startswith("keyrings.alt"):
        # keyrings.alt keeps keys in files (plaintext or with a password in a config file).
        return f"the configured keyring ({name}) keeps keys in a file, not in a protected keyring"
    if isinstance(backend, chainer.ChainerBackend):
        inner = _chained(backend)
        if not inner:
            return _missing_keyring_reason()
        # The chainer writes to the first backend that accepts a key: one weak member is enough
        # for a key to end up unprotected.
        for member in inner:
            reason = _insecure_reason(member)
            if reason is not None:
                return reason
        return None
    try:
        priority = float(backend.priority)
    except Exception as exc:
        return f"the configured keyring ({name}) is not usable here: {type(exc).__name__}"
    if priority <= 0:
        return f"the configured keyring ({name}) is not suitable for storing keys"
    return None


def keyring_status(backend: keyring.backend.KeyringBackend | None = None) -> KeyringStatus:
    """Check whether `backend` (default: keyring's choice) is a protected keyring.

    Resolving the default backend may talk to D-Bus: call it off the GUI thread.
    """
    if backend is None:
        try:
            backend = keyring.get_keyring()
        except Exception as exc:
            return KeyringStatus(
                secure=False,
                backend_name="none",
                warning=_warning(f"{_missing_keyring_reason()} ({type(exc).__name__})"),
            )
    reason = _insecure_reason(backend)
    name = _backend_name(backend)
    if reason is None:
        return KeyringStatus(secure=True, backend_name=name, warning=None)
    return KeyringStatus(secure=False, backend_name=name, warning=_warning(reason))


def _warning(reason: str) -> str:
    return f"No secure keyring is available on this system: {reason}. {_NO_SECURE_KEYRING_ADVICE}"


def open_secret_store(
    backend: keyring.backend.KeyringBackend | None = None,
) -> tuple[SecretStore, KeyringStatus]:
    """The keyring store when the keyring is protected, else a session-only memory store.

    Show `status.warning` when it is set: the person must know their key will not be kept.
    """
    if backend is None:
        try:
            backend = keyring.get_keyring()
        except Exception:
            backend = None
    status = keyring_status(backend)
    if status.secure and backend is not None:
        return KeyringSecretStore(backend=backend), status
    return MemorySecretStore(), status


if TYPE_CHECKING:

    def _conforms(memory: MemorySecretStore, keyring: KeyringSecretStore) -> list[SecretStore]:
        return [memory, keyring]  # mypy checks that both declare what a SecretStore does
