"""The installed `chatdesk` launcher as its own process, on a real X server, against the loopback
Azure server: type a question, get the streamed reply, quit; nothing secret left in any file."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.support.fake_azure import FakeAzure, Reply

pytestmark = pytest.mark.e2e
KEY = "e2e-key-5f0d7c1e9a2b4c6d8e0f"


def xdo(display, *args):
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=20)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_launch_chat_and_quit(xdisplay, tmp_path):
    home = tmp_path / "home"
    with FakeAzure(api_key=KEY) as srv:
        srv.default = Reply(text="Bill Gates and Paul Allen founded Microsoft.", delay=0.01)
        env = {
            **{k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"},
            "DISPLAY": xdisplay,
            "CHATDESK_HOME": str(home),
            "AZURE_OPENAI_ENDPOINT": srv.url,
            "AZURE_OPENAI_API_KEY": KEY,
            "AZURE_OPENAI_DEPLOYMENT": "gpt-4o",
        }
        log = tmp_path / "chatdesk.log"
        with open(log, "w") as out:
            app = subprocess.Popen(["chatdesk"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: xdo(xdisplay, "search", "--name", "chatdesk").stdout.strip(), 30,
                     "the chatdesk window")  # fmt: skip
            window = xdo(xdisplay, "search", "--name", "chatdesk").stdout.split()[-1]
            xdo(xdisplay, "windowactivate", "--sync", window)
            time.sleep(1.0)  # the tokenizer loads in the background meanwhile
            xdo(xdisplay, "type", "--delay", "5", "Who founded Microsoft?")
            xdo(xdisplay, "key", "Return")
            wait_for(lambda: srv.requests, 20, "the request to reach the server")
            request = srv.requests[0]
            assert request.json["messages"][-1] == {
                "role": "user",
                "content": "Who founded Microsoft?",
            }
            assert request.json["model"] == "gpt-4o"
            assert request.authorized
            time.sleep(1.0)
            xdo(xdisplay, "key", "ctrl+q")
            # A new conversation lives in the library: quitting asks nothing and keeps it.
            assert app.wait(20) == 0
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
        output = log.read_text()
    [kept] = (home / "data" / "library").glob("*.chatdesk.json")
    assert "Who founded Microsoft?" in kept.read_text()
    assert "Traceback" not in output
    assert "QThread" not in output
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
