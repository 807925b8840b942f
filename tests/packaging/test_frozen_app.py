"""Smoke test of the frozen Linux app (`python packaging/build.py`), run as a user would run it.

Each test starts dist/chatdesk/chatdesk (or $CHATDESK_FROZEN) as its own process with a clean
environment, no network and an empty tiktoken cache, so a module, data file, entry point or Qt
plugin the build lost fails here rather than on a user's machine. Skipped, with the reason,
when no build exists; `.ci/run` builds one first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatdesk import __version__
from chatdesk.cli.tokens import token_report
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from tests.packaging.conftest import load
from tests.support.fake_azure import FakeAzure, Reply
from tests.support.xserver import missing_x_tools, x_server

REPO = Path(__file__).resolve().parents[2]
FROZEN = Path(os.environ.get("CHATDESK_FROZEN") or REPO / "dist" / "chatdesk" / "chatdesk")
KEY = "frozen-smoke-key-7c41d2e9b0a3"
QUESTION = "Who founded Microsoft?"
ANSWER = "Bill Gates and Paul Allen founded Microsoft."

build = load("build")


def _stale() -> str | None:
    """Why the build at FROZEN is not of these sources, or None when it is."""
    if "CHATDESK_FROZEN" in os.environ or not FROZEN.exists():
        return None
    recorded = build.DIGEST_FILE.read_text().strip() if build.DIGEST_FILE.exists() else ""
    if recorded != build.source_digest():
        return f"{FROZEN} was built from other sources: python packaging/build.py"
    return None


pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build only"),
    # With CHATDESK_FROZEN set (.ci/run) a missing build fails the tests instead.
    pytest.mark.skipif(
        not FROZEN.exists() and "CHATDESK_FROZEN" not in os.environ,
        reason=f"no frozen build at {FROZEN}: python packaging/build.py",
    ),
    pytest.mark.skipif(_stale() is not None, reason=str(_stale())),
]


def _no_network() -> list[str]:
    """A command prefix that runs a program in a network namespace of its own (loopback only,
    and down), or nothing where unprivileged namespaces are not allowed."""
    if (
        shutil.which("unshare")
        and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
    ):
        return ["unshare", "-rn"]
    return []


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What a user's session would give the app: no venv, no PYTHONPATH, an empty tiktoken
    cache, and any proxy pointing nowhere (so a download attempt fails at once, loudly)."""
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir(exist_ok=True)
    keep = ("HOME", "LANG", "USER", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME",
            "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "CHATDESK_KEYRING_SANDBOX")  # fmt: skip
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        PATH="/usr/bin:/bin",
        CHATDESK_HOME=str(tmp_path / "home"),
        TIKTOKEN_CACHE_DIR=str(cache),
        DATA_GYM_CACHE_DIR=str(cache),
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], prefix: tuple[str, ...] | list[str] = ()):
    return subprocess.run([*prefix, str(FROZEN), *args], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def _conversation(path: Path, model: str) -> Path:
    path.write_text(json.dumps({
        "format": "chatdesk.conversation",
        "version": 1,
        "model": model,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. Café, 東京, 🙂."},
            {"role": "user", "content": "When do I file my taxes?"},
            {"role": "assistant", "content": "By April 15th, usually."},
            {"role": "user", "content": QUESTION},
        ],
    }), encoding="utf-8")  # fmt: skip
    return path


def test_version(tmp_path):
    done = _run(["--version"], _env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"chatdesk {__version__}"


@pytest.mark.parametrize(
    ("model", "encoding"), [("gpt-4o", "o200k_base"), ("gpt-4", "cl100k_base")]
)
def test_tokens_offline_with_an_empty_tiktoken_cache(tmp_path, model, encoding):
    conv = _conversation(tmp_path / f"{model}.chatdesk.json", model)
    env = _env(tmp_path)
    done = _run(["tokens", str(conv), "--json"], env, prefix=_no_network())
    assert done.returncode == 0, done.stderr
    frozen = json.loads(done.stdout)
    # The pip install's answer, computed in this process, is the reference.
    assert frozen == token_report(str(conv), None, None, None, None)
    assert frozen["encoding"] == encoding
    assert frozen["prompt_tokens"] > 20
    assert not any(Path(env["TIKTOKEN_CACHE_DIR"]).iterdir()), "tiktoken downloaded something"


def test_send_streams_the_reply_into_the_file(tmp_path):
    conv = _conversation(tmp_path / "chat.chatdesk.json", "gpt-4o")
    with FakeAzure(api_key=KEY) as srv:
        srv.default = Reply(text=ANSWER, delay=0.005)
        env = _env(tmp_path, AZURE_OPENAI_ENDPOINT=srv.url, AZURE_OPENAI_API_KEY=KEY)
        done = _run(["send", str(conv), "--deployment", "gpt-4o", "--endpoint", srv.url], env)
        assert done.returncode == 0, done.stderr
        assert len(srv.requests) == 1
        request = srv.requests[0]
    assert request.authorized
    assert request.json["stream"] is True
    assert request.json["messages"][-1] == {"role": "user", "content": QUESTION}
    assert ANSWER in done.stdout
    saved = json.loads(conv.read_text(encoding="utf-8"))["messages"][-1]
    assert saved["role"] == "assistant"
    assert saved["content"] == ANSWER
    assert saved["metadata"]["finish_reason"] == "stop"


def test_attach_downscales_an_image_with_the_bundled_pillow(tmp_path):
    from tests.support.images import decoded_size, image_bytes

    conv = _conversation(tmp_path / "chat.chatdesk.json", "gpt-4o")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(image_bytes(4000, 3000, "JPEG"))
    done = _run(["attach", str(conv), str(photo), "--detail", "high"], _env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "1024 × 768 px," in done.stdout  # then its size in KB
    assert "downscaled from 4000 × 3000" in done.stdout
    part = json.loads(conv.read_text(encoding="utf-8"))["messages"][-1]["content"][-1]
    assert decoded_size(part["image_url"]["url"]) == (1024, 768)


@pytest.mark.keyring
def test_keyring_backend_is_found_inside_a_secret_service(tmp_path):
    """The key is only in the Secret Service: the send works only if the frozen app's keyring
    found its SecretService backend (entry points and secretstorage collected)."""
    if os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("needs the throw-away Secret Service of .ci/with-keyring.sh")
    from chatdesk.service.secrets import Secret, open_secret_store

    store, status = open_secret_store()
    if not status.secure:
        pytest.skip(f"no Secret Service available: {status.warning}")
    conv = _conversation(tmp_path / "chat.chatdesk.json", "gpt-4o")
    home = tmp_path / "home"
    with FakeAzure(api_key=KEY) as srv:
        srv.default = Reply(text=ANSWER)
        os.environ["CHATDESK_HOME"] = str(home)  # the autouse fixture restores it
        save_settings(Settings(
            profiles=[ConnectionProfile(name="smoke", kind="azure-v1", endpoint=srv.url,
                                        deployment="gpt-4o", auth="key")],
            active_profile="smoke",
        ))  # fmt: skip
        store.set("smoke", Secret(KEY))
        try:
            done = _run(["send", str(conv), "--profile", "smoke"], _env(tmp_path))
        finally:
            store.delete("smoke")
        assert done.returncode == 0, done.stderr
        assert [r.authorized for r in srv.requests] == [True]
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path


@pytest.fixture(scope="module")
def xdisplay():
    missing = missing_x_tools("xprop")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian: xvfb openbox xdotool x11-utils)")
    with x_server() as display:
        yield display


def _window_env(tmp_path: Path, display: str) -> dict[str, str]:
    # A returning user's start: one saved profile, so no first-launch connection dialog.
    return _env(tmp_path, DISPLAY=display, AZURE_OPENAI_ENDPOINT="https://contoso.openai.azure.com/",
                AZURE_OPENAI_API_KEY=KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o")  # fmt: skip


def test_first_paint_then_exit(tmp_path, xdisplay):
    env = _window_env(tmp_path, xdisplay) | {"CHATDESK_EXIT_AFTER_FIRST_PAINT": "1"}
    started = time.monotonic()
    done = _run([], env)
    assert done.returncode == 0, done.stderr
    marks = [line for line in done.stdout.splitlines() if line.startswith("chatdesk-first-paint")]
    assert len(marks) == 1, done.stdout + done.stderr
    print(f"frozen first paint: {(float(marks[0].split()[1]) - started) * 1000:.0f} ms")
    assert "Traceback" not in done.stderr


def _xdo(display: str, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display},
                          capture_output=True, text=True, timeout=20).stdout.strip()  # fmt: skip


def _window_icons(display: str, window: str) -> list[tuple[int, float]]:
    """(width, share of opaque blue pixels) of each image in the window's _NET_WM_ICON."""
    out = subprocess.run(["xprop", "-display", display, "-id", window, "-notype", "32c",
                          "_NET_WM_ICON"], capture_output=True, text=True).stdout  # fmt: skip
    if "=" not in out:
        return []
    numbers = [int(n) for n in out.split("=", 1)[1].replace(",", " ").split()]
    icons, i = [], 0
    while i + 2 <= len(numbers):
        width, height = numbers[i], numbers[i + 1]
        pixels = numbers[i + 2 : i + 2 + width * height]  # ARGB, one per number
        i += 2 + width * height
        blue = [p for p in pixels if p >> 24 > 200 and (p & 0xFF) > ((p >> 16) & 0xFF) + 60]
        icons.append((width, len(blue) / max(1, len(pixels))))
    return icons


def test_window_shows_its_icon_and_quits_cleanly(tmp_path, xdisplay):
    log = tmp_path / "chatdesk.log"
    with open(log, "w") as out:
        app = subprocess.Popen([str(FROZEN)], env=_window_env(tmp_path, xdisplay), stdout=out,
                               stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (window := _xdo(xdisplay, "search", "--onlyvisible", "--class", "chatdesk")):
            assert app.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no chatdesk window"
            time.sleep(0.1)
        window = window.split()[-1]
        time.sleep(1.5)  # past the first paint: the icon is set then
        # The window icon is the SVG, drawn by Qt's svg icon engine and image plugins; without
        # them Qt falls back to one small stock icon.
        icons = _window_icons(xdisplay, window)
        assert any(w >= 64 and blue > 0.45 for w, blue in icons), f"not chatdesk's icon: {icons}"
        _xdo(xdisplay, "windowactivate", "--sync", window)
        _xdo(xdisplay, "key", "ctrl+q")
        assert app.wait(20) == 0, log.read_text()
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    output = log.read_text()
    assert "Traceback" not in output
    assert "Could not load" not in output
    assert "QThread" not in output
