"""Build chatdesk's frozen app for the OS this runs on:  python packaging/build.py

    Linux    dist/chatdesk/ (the app folder) and dist/chatdesk-<version>-linux-<arch>.tar.gz:
             the folder, install.sh (desktop entry, MIME type, hicolor icons) and share/
    Windows  dist/chatdesk/ (chatdesk.exe, chatdesk-cli.exe) and, with Inno Setup's ISCC on
             PATH or in its default folder, dist/chatdesk-<version>-windows-<arch>-setup.exe
    macOS    dist/chatdesk.app and dist/chatdesk-<version>-macos-<arch>.dmg (hdiutil); signed
             when CHATDESK_CODESIGN_IDENTITY names a Developer ID (packaging/README.md)

The app is frozen from a clean virtual environment (build/venv, re-used while pyproject.toml is
unchanged) holding only chatdesk's dependencies and the `build` extra, so whatever else the
calling Python has installed stays out of the app. `--current-env` freezes from this Python.
The icons are rendered from resources/icons/chatdesk.svg here (packaging/icons.py); nothing
built is committed (build/ and dist/ are ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = ROOT / "dist"
SVG = ROOT / "resources" / "icons" / "chatdesk.svg"
VENV = BUILD / "venv"
APP = "chatdesk"
INNO_DEFAULT = Path(r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe")


def version() -> str:
    """chatdesk's version, read from the source without importing it (no Qt needed)."""
    for line in (ROOT / "chatdesk" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise RuntimeError("chatdesk/__init__.py has no __version__")


def arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def os_name() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def artefact_stem() -> str:
    """`chatdesk-<version>-<os>-<arch>`, the name every archive and installer starts with."""
    return f"{APP}-{version()}-{os_name()}-{arch()}"


def source_digest() -> str:
    """SHA-256 over what the frozen app is made of: chatdesk/ and pyproject.toml. build.py
    records it next to the app; the smoke test skips a build made from other sources."""
    digest = hashlib.sha256()
    files = sorted(p for p in (ROOT / "chatdesk").rglob("*") if p.is_file() and
                   "__pycache__" not in p.parts)  # fmt: skip
    for path in [*files, ROOT / "pyproject.toml"]:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


DIGEST_FILE = DIST / "chatdesk-sources.sha256"


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under `path`, symlinks not followed."""
    total = files = 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            total += item.stat().st_size
            files += 1
    return total, files


def _mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


# --------------------------------------------------------------------------- environment


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def _env_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_build_env() -> Path:
    """build/venv with chatdesk's dependencies and PyInstaller; rebuilt when they change."""
    stamp = VENV / "chatdesk-build-stamp"
    if stamp.exists() and stamp.read_text() == _env_stamp() and _venv_python().exists():
        return _venv_python()
    print(f"build: making a clean environment in {VENV.relative_to(ROOT)}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"{ROOT}[build]"], check=True, cwd=ROOT)
    stamp.write_text(_env_stamp())
    return _venv_python()


# --------------------------------------------------------------------------- per OS


def make_icons() -> Path:
    """The icons this OS's build needs, under build/icons (the spec reads them there)."""
    import icons

    out = BUILD / "icons"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if sys.platform == "win32":
        icons.write_ico(SVG, out / "chatdesk.ico")
    elif sys.platform == "darwin":
        icons.write_icns(SVG, out / "chatdesk.icns")
    else:
        icons.write_hicolor(SVG, out / "share")
    return out


def freeze() -> None:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
         str(ROOT / "packaging" / "chatdesk.spec")],
        check=True, cwd=ROOT,
    )  # fmt: skip


def stage_linux(app_dir: Path, icon_share: Path, stage: Path) -> Path:
    """Lay out the Linux archive's content in `stage`: chatdesk/ (a copy of `app_dir`),
    install.sh, and share/ (the desktop entry, the MIME type, `icon_share`'s hicolor icons)."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(app_dir, stage / APP, symlinks=True)
    share = stage / "share"
    shutil.copytree(icon_share, share)
    (share / "applications").mkdir()
    shutil.copy2(ROOT / "resources" / "chatdesk.desktop", share / "applications")
    (share / "mime" / "packages").mkdir(parents=True)
    mime = ROOT / "resources" / "chatdesk-mime.xml"
    shutil.copy2(mime, share / "mime" / "packages" / "chatdesk.xml")
    shutil.copy2(ROOT / "packaging" / "linux" / "install.sh", stage / "install.sh")
    (stage / "install.sh").chmod(0o755)
    return stage


def package_linux(icon_dir: Path) -> Path:
    """dist/<stem>.tar.gz holding chatdesk-<version>/{chatdesk/, share/, install.sh}."""
    top = f"{APP}-{version()}"
    stage = stage_linux(DIST / APP, icon_dir / "share", BUILD / "stage" / top)
    archive = DIST / f"{artefact_stem()}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=top)
    return archive


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    return str(INNO_DEFAULT) if INNO_DEFAULT.exists() else None


def inno_command(iscc: str) -> list[str]:
    """ISCC's command line for packaging/windows/chatdesk.iss; the defines it expects."""
    return [
        iscc, "/Q",
        f"/DAppVersion={version()}",
        f"/DSourceDir={DIST / APP}",
        f"/DOutputDir={DIST}",
        f"/DOutputBase={artefact_stem()}-setup",
        f"/DIconFile={BUILD / 'icons' / 'chatdesk.ico'}",
        str(ROOT / "packaging" / "windows" / "chatdesk.iss"),
    ]  # fmt: skip


def package_windows() -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        print("build: Inno Setup's ISCC not found (https://jrsoftware.org/isinfo.php, or "
              "`choco install innosetup`): the folder build is in dist/chatdesk, no installer.",
              file=sys.stderr)  # fmt: skip
        return None
    subprocess.run(inno_command(iscc), check=True)
    return DIST / f"{artefact_stem()}-setup.exe"


def package_macos() -> Path:
    bundle = DIST / f"{APP}.app"
    identity = os.environ.get("CHATDESK_CODESIGN_IDENTITY")
    if identity:
        # Hardened runtime and a timestamp: what notarisation requires (packaging/README.md).
        subprocess.run(
            ["codesign", "--force", "--deep", "--options", "runtime", "--timestamp",
             "--entitlements", str(ROOT / "packaging" / "macos" / "entitlements.plist"),
             "--sign", identity, str(bundle)],
            check=True,
        )  # fmt: skip
    dmg = DIST / f"{artefact_stem()}.dmg"
    dmg.unlink(missing_ok=True)
    subprocess.run(
        ["hdiutil", "create", "-volname", APP, "-srcfolder", str(bundle), "-ov",
         "-format", "UDZO", str(dmg)],
        check=True,
    )  # fmt: skip
    return dmg


# --------------------------------------------------------------------------- main


def build() -> int:
    started = time.monotonic()
    digest = source_digest()
    DIGEST_FILE.unlink(missing_ok=True)
    icon_dir = make_icons()
    freeze()
    DIGEST_FILE.write_text(digest + "\n")
    if sys.platform == "win32":
        artefact = package_windows()
    elif sys.platform == "darwin":
        artefact = package_macos()
    else:
        artefact = package_linux(icon_dir)
    app = DIST / (f"{APP}.app" if sys.platform == "darwin" else APP)
    size, files = folder_size(app)
    print(f"build: {app.relative_to(ROOT)}: {_mb(size)} in {files} files")
    if artefact is not None:
        print(f"build: {artefact.relative_to(ROOT)}: {_mb(artefact.stat().st_size)}")
    print(f"build: done in {time.monotonic() - started:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build chatdesk's frozen app for this OS.")
    parser.add_argument(
        "--current-env",
        action="store_true",
        help="freeze from this Python's packages instead of a clean build/venv",
    )
    args = parser.parse_args(argv)
    if not args.current_env:
        python = ensure_build_env()
        script = Path(__file__).resolve()
        return subprocess.run([str(python), str(script), "--current-env"], cwd=ROOT).returncode
    return build()


if __name__ == "__main__":
    sys.exit(main())
