"""What the window is built with: settings, connections and the chat service, made once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chatdesk.core.settings import Settings, load_settings, save_settings
from chatdesk.resources import resource_path
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections


@dataclass
class AppContext:
    settings: Settings
    connections: Connections
    service: ChatService
    settings_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, settings_path: Path | None = None) -> AppContext:
        loaded = load_settings(settings_path)
        connections = Connections(loaded.settings)
        service = ChatService(connections.credentials)
        warnings = [loaded.warning] if loaded.warning else []
        return cls(loaded.settings, connections, service, settings_path, warnings)

    def save_settings(self) -> None:
        save_settings(self.settings, self.settings_path)

    @staticmethod
    def icon_path() -> str:
        return str(resource_path("icons/chatdesk.svg"))
