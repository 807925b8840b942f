"""SecretStore tests. Fakes first; then `keyring`-marked tests against a real Secret Service,
run inside `.ci/with-keyring.sh` (a throw-away D-Bus session and gnome-keyring)."""

from __future__ import annotations

import copy
import os
import pickle
import threading
import time
import uuid
from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import chainer, fail, null

from chatdesk.service.secrets import (
    KeyringSecretStore,
    KeyringStatus,
    MemorySecretStore,
    Secret,
    SecretStore,
    SecretStoreError,
    keyring_status,
    open_secret_store,
)

KEY = "sk-TEST-0123456789abcdef"

# Fake backends are duck-typed on purpose: subclassing KeyringBackend registers the class
# with keyring for the whole process, and keyring's chainer would then pick the fakes up.


class DictBackend:
    """A well-behaved, 'secure' keyring in memory."""

    priority = 1.0
    name = "test DictBackend"

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("No such password!")
        del self.entries[(service, username)]


class BlockingBackend(DictBackend):
    """Waits like a keyring stuck behind an unlock prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return super().get_password(service, username)


class RaisingBackend(DictBackend):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc


class PlaintextFileBackend(DictBackend):
    """Looks like keyrings.alt.file.PlaintextKeyring to chatdesk."""

    priority = 0.5
    name = "file PlaintextKeyring"


PlaintextFileBackend.__module__ = "keyrings.alt.file"


class ZeroPriorityBackend(DictBackend):
    priority = 0


# -- Secret ------------------------------------------------------------------------------------


def test_secret_hides_its_value() -> None:
    s = Secret(KEY)
    assert s.reveal() == KEY
    for shown in (repr(s), str(s), f"{s}", f"{s!r}", repr([s]), repr({"k": s})):
        assert KEY not in shown
    assert repr(s) == str(s) == "Secret('***')"


def test_secret_truthiness_and_equality() -> None:
    assert Secret(KEY)
    assert not Secret("")
    assert Secret(KEY) == Secret(KEY)
    assert Secret(KEY) != Secret(KEY + "x")
    with pytest.raises(TypeError):
        hash(Secret(KEY))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_secret_refuses_pickling(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(KEY), protocol=protocol)


def test_secret_refuses_copying() -> None:
    with pytest.raises(TypeError):
        copy.copy(Secret(KEY))
    with pytest.raises(TypeError):
        copy.deepcopy({"key": Secret(KEY)})


def test_secret_wraps_only_strings() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


# -- MemorySecretStore -------------------------------------------------------------------------


def test_memory_store_round_trip() -> None:
    store = MemorySecretStore()
    assert isinstance(store, SecretStore)
    assert store.is_secure is False
    assert "forgotten" in store.description
    assert store.get("work") is None
    store.set("work", Secret(KEY))
    assert store.get("work") == Secret(KEY)
    store.set("work", Secret("replaced"))
    assert store.get("work") == Secret("replaced")
    store.delete("work")
    store.delete("work")  # missing: no error
    assert store.get("work") is None
    assert KEY not in repr(store)


def test_memory_store_rejects_bare_strings_and_empty_keys() -> None:
    store = MemorySecretStore()
    with pytest.raises(TypeError) as info:
        store.set("work", KEY)  # type: ignore[arg-type]
    assert KEY not in str(info.value)
    with pytest.raises(ValueError, match="empty"):
        store.set("work", Secret(""))
    with pytest.raises(ValueError, match="profile"):
        store.get("")


# -- keyring_status / open_secret_store ---------------------------------------------------------


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_fail_and_null_backends_are_not_secure(backend: keyring.backend.KeyringBackend) -> None:
    status = keyring_status(backend)
    assert not status.secure
    assert status.warning is not None
    assert "No secure keyring is available" in status.warning
    assert "Secret Service" in status.warning
    assert "memory for this session only" in status.warning
    assert "Microsoft Entra ID" in status.warning


def test_keyrings_alt_file_backend_is_not_secure() -> None:
    status = keyring_status(PlaintextFileBackend())  # type: ignore[arg-type]
    assert not status.secure
    assert status.warning is not None
    assert "keeps keys in a file" in status.warning
    assert status.backend_name == "file PlaintextKeyring"


def test_zero_priority_backend_is_not_secure() -> None:
    status = keyring_status(ZeroPriorityBackend())  # type: ignore[arg-type]
    assert not status.secure
    assert status.warning is not None


def test_empty_chainer_is_not_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    # keyring's own filter hook: with it refusing everything, the chainer has nothing to chain.
    monkeypatch.setattr(keyring.backend, "_limit", lambda _kr: False)
    backend = chainer.ChainerBackend()
    assert list(backend.backends) == []
    status = keyring_status(backend)
    assert not status.secure
    assert status.warning is not None
    assert "No secure keyring" in status.warning


def test_secure_backend_status() -> None:
    assert keyring_status(DictBackend()) == KeyringStatus(  # type: ignore[arg-type]
        secure=True, backend_name="test DictBackend", warning=None
    )


def test_open_secret_store_falls_back_to_memory_with_warning() -> None:
    store, status = open_secret_store(fail.Keyring())
    assert isinstance(store, MemorySecretStore)
    assert not store.is_secure
    assert not status.secure
    assert status.warning


def test_open_secret_store_uses_a_secure_keyring() -> None:
    backend = DictBackend()
    store, status = open_secret_store(backend)  # type: ignore[arg-type]
    assert isinstance(store, KeyringSecretStore)
    assert store.is_secure
    assert status.secure
    store.set("work", Secret(KEY))
    assert backend.entries == {("chatdesk", "work"): KEY}


# -- KeyringSecretStore with fake backends ------------------------------------------------------


def test_keyring_store_round_trip_with_profile_as_username() -> None:
    backend = DictBackend()
    store = KeyringSecretStore(service="chatdesk", backend=backend)  # type: ignore[arg-type]
    store.set("work", Secret(KEY))
    assert backend.entries == {("chatdesk", "work"): KEY}
    assert store.get("work") == Secret(KEY)
    store.delete("work")
    store.delete("work")  # PasswordDeleteError for a missing entry is a no-op
    assert store.get("work") is None
    assert KEY not in repr(store)


@pytest.fixture
def blocking() -> Iterator[BlockingBackend]:
    backend = BlockingBackend()
    yield backend
    backend.release.set()


def test_blocking_keyring_times_out_quickly(blocking: BlockingBackend) -> None:
    store = KeyringSecretStore(backend=blocking, timeout=0.2)  # type: ignore[arg-type]
    start = time.monotonic()
    with pytest.raises(SecretStoreError, match=r"did not answer within 0\.2 s\. Is it locked\?"):
        store.get("work")
    assert time.monotonic() - start < 1.0


def test_call_that_timed_out_behind_a_stuck_one_never_runs_later(
    blocking: BlockingBackend,
) -> None:
    store = KeyringSecretStore(backend=blocking, timeout=0.2)  # type: ignore[arg-type]
    with pytest.raises(SecretStoreError):
        store.get("work")
    with pytest.raises(SecretStoreError) as info:
        store.set("work", Secret(KEY))  # waits for the lock the stuck read still holds
    assert KEY not in str(info.value)
    blocking.release.set()
    time.sleep(0.3)
    assert blocking.entries == {}, "an abandoned set must not happen behind the caller's back"
    store.set("work", Secret(KEY))  # the keyring answers again
    assert blocking.entries == {("chatdesk", "work"): KEY}


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (keyring.errors.KeyringLocked(f"locked while storing {KEY}"), "locked"),
        (keyring.errors.InitError(f"cannot init {KEY}"), "no usable keyring"),
        (keyring.errors.NoKeyringError(f"no keyring for {KEY}"), "no usable keyring"),
        (keyring.errors.PasswordSetError(f"refused {KEY}"), "Could not"),
        (RuntimeError(f"org.freedesktop.DBus.Error.ServiceUnknown {KEY}"), "not reachable"),
        (OSError(f"weird {KEY}"), "OSError"),
    ],
)
def test_keyring_errors_become_plain_messages_without_the_key(
    exc: Exception, expected: str
) -> None:
    store = KeyringSecretStore(backend=RaisingBackend(exc), timeout=2)  # type: ignore[arg-type]
    for call in (lambda: store.set("work", Secret(KEY)), lambda: store.get("work")):
        with pytest.raises(SecretStoreError) as info:
            call()
        err = info.value
        assert expected in str(err)
        assert KEY not in str(err)
        assert KEY not in repr(err)
        # Nothing that might quote the key hangs off the error for a traceback to print.
        assert err.__cause__ is None
        assert err.__context__ is None


def test_delete_of_missing_entry_is_a_no_op() -> None:
    backend = RaisingBackend(keyring.errors.PasswordDeleteError("No such password!"))
    KeyringSecretStore(backend=backend).delete("work")  # type: ignore[arg-type]


def test_delete_failure_other_than_missing_is_reported() -> None:
    backend = RaisingBackend(keyring.errors.KeyringLocked("locked"))
    with pytest.raises(SecretStoreError, match="remove the key"):
        KeyringSecretStore(backend=backend).delete("work")  # type: ignore[arg-type]


# -- the real Secret Service ------------------------------------------------------------------


@pytest.fixture
def real_store() -> Iterator[KeyringSecretStore]:
    status = keyring_status()
    if not status.secure:
        pytest.skip(f"no Secret Service available: {status.warning}")
    # Only the throw-away keyring of .ci/with-keyring.sh, never the developer's own.
    if os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip(
            f"a keyring is running ({status.backend_name}) but it may be yours: "
            "run under .ci/with-keyring.sh for a throw-away Secret Service"
        )
    store = KeyringSecretStore(service=f"chatdesk-test-{uuid.uuid4().hex}")
    yield store
    for profile in ("work", "späße ✓"):
        store.delete(profile)


@pytest.mark.keyring
def test_real_keyring_set_get_replace_delete(real_store: KeyringSecretStore) -> None:
    assert real_store.get("work") is None
    real_store.set("work", Secret(KEY))
    assert real_store.get("work") == Secret(KEY)
    real_store.set("work", Secret("second-key"))
    assert real_store.get("work") == Secret("second-key")
    real_store.delete("work")
    assert real_store.get("work") is None
    real_store.delete("work")  # missing entry: no error


@pytest.mark.keyring
def test_real_keyring_profiles_are_separate_and_unicode_safe(
    real_store: KeyringSecretStore,
) -> None:
    real_store.set("work", Secret(KEY))
    real_store.set("späße ✓", Secret("κλειδί-🔑"))
    assert real_store.get("work") == Secret(KEY)
    assert real_store.get("späße ✓") == Secret("κλειδί-🔑")


@pytest.mark.keyring
def test_real_keyring_is_reported_secure(real_store: KeyringSecretStore) -> None:
    store, status = open_secret_store()
    assert status.secure
    assert status.warning is None
    assert isinstance(store, KeyringSecretStore)
    assert "Secret Service" in store.description
