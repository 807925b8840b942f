"""Linux desktop integration: the desktop entry, chatdesk's own MIME type for conversation files,
and install.sh, which puts the app, the entry (with this install's absolute Exec), the icons and
the MIME type in place, and takes them away again."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import load

REPO = Path(__file__).resolve().parents[2]
DESKTOP = REPO / "resources" / "chatdesk.desktop"
MIME_XML = REPO / "resources" / "chatdesk-mime.xml"
MIME_TYPE = "application/x-chatdesk-conversation"

needs_validate = pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="needs desktop-file-validate (Debian: desktop-file-utils)",
)
needs_mime_db = pytest.mark.skipif(
    shutil.which("update-mime-database") is None,
    reason="needs update-mime-database (Debian: shared-mime-info)",
)


def _entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _validate(path: Path) -> str:
    done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@needs_validate
def test_desktop_entry_is_valid_and_claims_only_conversations():
    assert _validate(DESKTOP) == ""  # not even a hint
    entry = _entry(DESKTOP)
    assert entry["MimeType"] == f"{MIME_TYPE};"
    assert entry["Icon"] == "chatdesk"


@needs_mime_db
def test_mime_type_matches_conversation_files_by_name_and_content(tmp_path):
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME_XML, packages / "chatdesk.xml")
    subprocess.run(["update-mime-database", str(tmp_path / "mime")], check=True)
    globs = (tmp_path / "mime" / "globs2").read_text()
    assert f"{MIME_TYPE}:*.chatdesk.json" in globs
    assert "*.json\n" not in globs.replace(".chatdesk.json", "")  # plain JSON is not claimed
    subclasses = (tmp_path / "mime" / "subclasses").read_text()
    assert f"{MIME_TYPE} application/json" in subclasses
    assert b'"chatdesk.conversation"' in (tmp_path / "mime" / "magic").read_bytes()


def _fake_app(tmp_path: Path) -> Path:
    """An app folder whose `chatdesk` prints where it runs from: install.sh is tested on its
    own, the frozen app in test_frozen_app.py."""
    app = tmp_path / "dist" / "chatdesk"
    (app / "_internal").mkdir(parents=True)
    (app / "_internal" / "libfake.so").write_bytes(b"\0")
    launcher = app / "chatdesk"
    launcher.write_text('#!/bin/sh\necho "chatdesk from $0 $*"\n')
    launcher.chmod(0o755)
    return app


@pytest.fixture
def unpacked(tmp_path):
    pytest.importorskip("PIL", reason="Pillow: pip install -e '.[test]'")
    build = load("build")
    icons = load("icons")
    icon_share = tmp_path / "icons" / "share"
    icons.write_hicolor(build.SVG, icon_share)
    return build.stage_linux(_fake_app(tmp_path), icon_share, tmp_path / "stage" / "chatdesk-0")


@needs_validate
def test_install_writes_an_absolute_exec_and_uninstall_removes_it_all(tmp_path, unpacked):
    prefix = tmp_path / "my apps"  # a space: Exec must be quoted
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    subprocess.run(["sh", str(unpacked / "install.sh"), "--prefix", str(prefix)], env=env,
                   check=True, capture_output=True)  # fmt: skip
    app = prefix / "lib" / "chatdesk" / "chatdesk"
    desktop = prefix / "share" / "applications" / "chatdesk.desktop"
    assert _validate(desktop) == ""
    entry = _entry(desktop)
    assert entry["Exec"] == f'"{app}" %F'
    assert entry["TryExec"] == str(app)
    assert entry["MimeType"] == f"{MIME_TYPE};"
    # The command works through the symlink, from anywhere.
    ran = subprocess.run([str(prefix / "bin" / "chatdesk"), "x"], capture_output=True, text=True)
    assert ran.stdout.strip() == f"chatdesk from {prefix / 'bin' / 'chatdesk'} x"
    icons = prefix / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "chatdesk.svg").exists()
    assert len(list(icons.glob("*x*/apps/chatdesk.png"))) == len(load("icons").HICOLOR_SIZES)
    assert (prefix / "share" / "mime" / "packages" / "chatdesk.xml").exists()
    if shutil.which("update-mime-database"):
        assert MIME_TYPE in (prefix / "share" / "mime" / "globs2").read_text()

    # Installing again (an upgrade) replaces the folder whole.
    (app.parent / "stale-file").write_text("from the old version")
    subprocess.run(["sh", str(unpacked / "install.sh"), "--prefix", str(prefix)], env=env,
                   check=True, capture_output=True)  # fmt: skip
    assert not (app.parent / "stale-file").exists()

    subprocess.run(["sh", str(unpacked / "install.sh"), "--uninstall", "--prefix", str(prefix)],
                   env=env, check=True, capture_output=True)  # fmt: skip
    left = [p for p in prefix.rglob("*") if p.is_file() and "chatdesk" in p.name]
    assert left == []
    assert not (prefix / "bin" / "chatdesk").is_symlink()


def test_install_refuses_to_run_outside_the_archive(tmp_path):
    script = tmp_path / "install.sh"
    shutil.copy(REPO / "packaging" / "linux" / "install.sh", script)
    done = subprocess.run(["sh", str(script), "--prefix", str(tmp_path / "p")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    assert "run me from the unpacked archive" in done.stderr
    assert not (tmp_path / "p").exists()
