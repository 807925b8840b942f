"""The service layer serves the window and the command line alike: a module of
`chatdesk/service` that only the command line imports belongs in `chatdesk/cli`."""

from __future__ import annotations

import ast
from pathlib import Path

import chatdesk

ROOT = Path(chatdesk.__file__).parent


def _imported(path: Path) -> set[str]:
    """The chatdesk modules `path` imports (anywhere in it: imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("chatdesk.")}


def test_every_service_module_serves_more_than_the_command_line():
    users: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        for name in _imported(path):
            users.setdefault(name, set()).add(module)
    services = [
        f"chatdesk.service.{path.stem}" for path in (ROOT / "service").glob("*.py")
        if path.stem != "__init__"
    ]  # fmt: skip
    assert len(services) > 20
    cli_only = [
        name for name in services
        if users.get(name) and all(user.startswith("chatdesk.cli.") for user in users[name])
    ]  # fmt: skip
    assert cli_only == []
