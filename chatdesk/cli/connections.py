"""The user's connections opened for a command: the same settings, keyring entries, sign-in
records and token cache as the window, with what the window would show said on stderr."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from chatdesk.service.connections import Connections

if TYPE_CHECKING:
    from chatdesk.core.settings import Settings
    from chatdesk.service.entra import DeviceCode


def command_line_connections(
    env: Mapping[str, str] | None = None, settings: Settings | None = None
) -> Connections:
    """The user's connections as the window opens them, for a command. A network warning and
    a device code are printed to stderr."""
    if settings is None:
        from chatdesk.core.settings import load_settings

        settings = load_settings().settings
    from chatdesk.core.paths import settings_path
    from chatdesk.service.network import WINDOW_PROXY_SETTING

    # A command names the settings file, where the window's Connections dialog writes it.
    place = f'the "proxy" field of {settings_path()} (in the window: {WINDOW_PROXY_SETTING})'
    connections = Connections(settings, env=env, proxy_setting_place=place)
    if connections.network_warning:
        print(f"chatdesk: {connections.network_warning}", file=sys.stderr)

    def show(code: DeviceCode) -> None:
        print(
            f"To sign in, open {code.verification_uri} and enter the code {code.user_code} "
            f"(valid until {code.expires_on:%H:%M}).",
            file=sys.stderr,
            flush=True,
        )

    connections.device_code_callback = show
    return connections
