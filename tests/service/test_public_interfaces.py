"""chatdesk uses only the public interfaces of its libraries (issue 18, item 3): a private one
can change in any release and break Stop, sign-in, or every request. httpx, httpcore, openai,
azure-identity and msal are checked name by name; any other package's private module may not be
imported."""

from __future__ import annotations

import re
from pathlib import Path

import chatdesk

PACKAGE = Path(chatdesk.__file__).parent
LIBRARY = r"(?:httpx|httpcore|openai|azure\.identity|msal|msal_extensions)[0-9]*"
PRIVATE = re.compile(
    rf"(?:from|import)\s+{LIBRARY}(?:\.\w+)*\._"  # a private module
    rf"|\b{LIBRARY}(?:\.\w+)*\._\w"  # a private name of the library
    r"|^\s*from\s+(?!chatdesk\b)\w+(?:\.\w+)*\._\w*\s+import\b"  # any package's private module
    r"|^\s*import\s+(?!chatdesk\b)\w+(?:\.\w+)*\._"
    r"|\bclient\._(?:transport|mounts|client)\b"  # the httpx client's or the SDK's insides
    r"|\._(?:pool|network_backend|mounts)\b"  # the transport's pool, the pool's backend
    r"|[\"']_(?:pool|network_backend|transport|mounts|client)[\"']"  # the same through getattr
)


def offences(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if PRIVATE.search(line)]


def test_the_check_catches_each_kind_of_private_access():
    for line in (
        "from httpcore2._backends.sync import SyncStream",
        "from httpx._config import create_ssl_context",
        "import openai._base_client",
        "x = httpx2._utils.URLPattern",
        "client._transport = t",
        "pool = getattr(transport, '_pool', None)",
        'backend = getattr(pool, "_network_backend", None)',
        "pool._network_backend = backend",
        'http_client = getattr(client, "_client", client)',
        "from azure.identity._persistent_cache import _load_persistent_cache",
        "x = azure.identity._internal.get_default_authority()",
        "import msal._thread",
        "cache = msal.token_cache._private",
        "    from msal_extensions._x import y",
        "    from keyring._backend import Backend",
        "import PySide6._git_pyside_version",
    ):
        assert offences(line), line
    assert not offences("import httpx2\nfrom openai import OpenAI\nself._pools = {}")
    assert not offences("from azure.identity import TokenCachePersistenceOptions\nimport msal")
    assert not offences("from chatdesk.ui._qt import QtWidgets\nimport msal_extensions")


def test_no_module_of_chatdesk_reaches_into_a_library_s_private_parts():
    found = {
        str(path.relative_to(PACKAGE.parent)): bad
        for path in sorted(PACKAGE.rglob("*.py"))
        if (bad := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}
