"""What the window is built with: settings, connections and the chat service, made once.

The chat service pulls in the openai SDK (most of a second to import), so the window starts
with a `DeferredService` that imports and builds it on first use, or earlier, in the
background, once `warm_up()` is called after the window is shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from chatdesk.core.paths import settings_path as default_settings_path
from chatdesk.core.settings import Settings, load_settings, save_settings, settings_to_json
from chatdesk.resources import resource_path
from chatdesk.service.client import Credentials
from chatdesk.service.connections import Connections

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chatdesk.core.budget import Budget
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.library import Library
    from chatdesk.core.library_index import LibraryIndex
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.service.backend import ChatBackend
    from chatdesk.service.chat import ChatService, Diagnosis, PreparedRequest
    from chatdesk.service.events import (
        Adjusted,
        CancelToken,
        ReplyEvent,
        ReplyResult,
        RetryNotice,
    )
    from chatdesk.service.network import Network

log = logging.getLogger(__name__)


class DeferredService:
    """A `ChatBackend` that builds its `ChatService(credentials)` on first use; thread-safe."""

    def __init__(self, credentials: Credentials, settings: Settings | None = None) -> None:
        self._credentials = credentials
        self._settings = settings or Settings()
        self._service: ChatService | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._service is not None

    def get(self) -> ChatService:
        with self._lock:
            if self._service is None:
                try:
                    from chatdesk.service.chat import ChatService
                except ImportError:
                    # PySide6 asks each module imported after it for `__wrapped__` (it reads its
                    # source: chatdesk/ui/qt); pydantic, under the SDK, answers by importing its
                    # migration helpers, and while another thread imports too that can meet a
                    # half-imported pydantic module. Python dropped what failed; this time the
                    # rest is in place (tests/ui/test_startup.py).
                    from chatdesk.service.chat import ChatService

                settings = self._settings
                self._service = ChatService(
                    self._credentials,
                    notes=settings.deployments,  # shared: what the service learns is saved
                    deadline=lambda: settings.request_deadline,
                )
            return self._service

    def warm_up(self) -> threading.Event:
        """Import and build the service on the shared background threads (service/blocking.py),
        so the first send is quick; the event is set once that is done."""
        from chatdesk.service.blocking import THREADS

        done = threading.Event()

        def job() -> None:
            try:
                self.get()
            except Exception:  # the first send builds it again and reports the failure
                log.exception("could not prepare the chat service in the background")
            finally:
                done.set()

        THREADS.run(job)
        return done

    # The ChatBackend calls, forwarded to the service (built by the first of them).
    def prepare(
        self,
        conv: Conversation,
        profile: ConnectionProfile,
        *,
        budget: Budget | None = None,
        stream: bool = True,
        continuing: bool = False,
    ) -> PreparedRequest:
        return self.get().prepare(
            conv, profile, budget=budget, stream=stream, continuing=continuing
        )

    def stream(
        self, prepared: PreparedRequest, cancel: CancelToken | None = None
    ) -> Iterator[ReplyEvent]:
        return self.get().stream(prepared, cancel)

    def complete(
        self,
        prepared: PreparedRequest,
        cancel: CancelToken | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        on_adjusted: Callable[[Adjusted], None] | None = None,
    ) -> ReplyResult:
        return self.get().complete(prepared, cancel, on_retry, on_adjusted)

    def test_connection(
        self,
        profile: ConnectionProfile,
        cancel: CancelToken | None = None,
        *,
        network: Network | None = None,
    ) -> Diagnosis:
        return self.get().test_connection(profile, cancel, network=network)

    def close(self) -> None:
        """Close the service's connections; nothing to do when it was never built."""
        if self._service is not None:
            self._service.close()

    @property
    def credentials(self) -> Credentials:
        return self._credentials


class AppContext(msgspec.Struct):
    """What every window shares: the settings, the connections and the chat service."""

    settings: Settings
    connections: Connections
    service: ChatBackend
    settings_path: Path | None = None
    warnings: list[str] = msgspec.field(default_factory=list)
    settings_writable: bool = True  # False: the file there could not be used: not written over
    settings_problem: str = ""  # why the last settings write failed; "" when it worked
    # Called with `settings_problem` whenever it changes (the window shows it).
    problem_listeners: list[Callable[[str], None]] = msgspec.field(default_factory=list)
    # The settings as last read from or written to the file: what another process saved since
    # then (a second window, `chatdesk send`) is taken in before a save (core/settings_sync.py).
    settings_read: dict[str, Any] = msgspec.field(default_factory=dict)
    # Called with the names of the settings another process changed, once taken in.
    change_listeners: list[Callable[[set[str]], None]] = msgspec.field(default_factory=list)
    _library: Library | None = None
    _library_index: LibraryIndex | None = None

    @property
    def library(self) -> Library:
        """The conversation library (the settings' folder), made on first use: its modules
        are not needed for the first paint."""
        if self._library is None:
            from chatdesk.core.library import Library, library_dir

            self._library = Library(library_dir(self.settings.library_folder))
        return self._library

    @property
    def library_index(self) -> LibraryIndex:
        """The library's search index (SQLite; each thread gets its own connection)."""
        if self._library_index is None:
            from chatdesk.core.library_index import LibraryIndex

            self._library_index = LibraryIndex(self.library)
        return self._library_index

    @classmethod
    def create(cls, settings_path: Path | None = None) -> AppContext:
        loaded = load_settings(settings_path)
        connections = Connections(loaded.settings)
        service = DeferredService(connections.credentials, loaded.settings)
        warnings = [loaded.warning] if loaded.warning else []
        context = cls(
            loaded.settings, connections, service, settings_path, warnings, loaded.writable
        )
        context.settings_read = settings_to_json(loaded.settings)
        return context

    def write_settings(self) -> None:
        """Save the settings; raises OSError (and ValueError for anything like a secret)."""
        if not self.settings_writable:
            raise OSError(
                "chatdesk could not use the settings file it found there and will not replace it"
            )
        from chatdesk.core.settings_sync import take_in  # not needed for the first frame

        path = self.settings_path or default_settings_path()
        changed = take_in(self.settings, self.settings_read, path)
        save_settings(self.settings, path)
        self.settings_read = settings_to_json(self.settings)
        if changed:
            for listener in list(self.change_listeners):
                listener(changed)

    def save_settings(self) -> bool:
        """Save the settings; a disk error is kept in `settings_problem`, never raised (the
        settings stay in memory and the next save tries again). False when not saved."""
        try:
            self.write_settings()
        except OSError as exc:
            log.warning("could not save the settings: %s", exc)
            self._set_problem(f"Settings could not be saved ({exc.strerror or exc}).")
            return False
        self._set_problem("")
        return True

    def _set_problem(self, text: str) -> None:
        if text != self.settings_problem:
            self.settings_problem = text
            for listener in list(self.problem_listeners):
                listener(text)

    @staticmethod
    def icon_path() -> str:
        return str(resource_path("icons/chatdesk.svg"))
