"""Where chatdesk keeps its per-user files. `CHATDESK_HOME` puts them all under one folder
(tests and portable installs use it); otherwise the platform's usual places."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "chatdesk"


def _home() -> Path | None:
    value = os.environ.get("CHATDESK_HOME")
    return Path(value) if value else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))


def recovery_dir() -> Path:
    return data_dir() / "recovery"


def log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP, appauthor=False))


def settings_path() -> Path:
    return config_dir() / "settings.json"
