"""packaging/build.py's Windows and macOS paths cannot run here; what can be checked on Linux is:
the names of what it makes, the Inno Setup script getting every define it uses, and the spec
asking each system for an icon format that system's PyInstaller accepts."""

from __future__ import annotations

import re
from pathlib import Path

from chatdesk import __version__
from tests.packaging.conftest import load

build = load("build")
PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def test_version_is_read_without_importing_chatdesk():
    assert build.version() == __version__


def test_artefact_names_say_version_system_and_architecture():
    assert re.fullmatch(rf"chatdesk-{re.escape(__version__)}-(linux|windows|macos)-\w+",
                        build.artefact_stem())  # fmt: skip


def test_inno_setup_gets_every_define_its_script_uses():
    script = (PACKAGING / "windows" / "chatdesk.iss").read_text(encoding="utf-8")
    used = set(re.findall(r"\{#(\w+)\}", script))
    command = build.inno_command("ISCC.exe")
    given = {arg[2:].split("=", 1)[0] for arg in command if arg.startswith("/D")}
    assert used == given
    assert command[-1].endswith("chatdesk.iss")
    assert f"/DAppVersion={__version__}" in command


def test_spec_gives_windows_an_ico_and_macos_an_icns_never_the_svg():
    spec = (PACKAGING / "chatdesk.spec").read_text(encoding="utf-8")
    assert '"chatdesk.ico"' in spec
    assert '"chatdesk.icns"' in spec
    assert ".svg" not in spec  # PyInstaller's Windows and macOS builds reject an SVG icon
