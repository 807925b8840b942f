"""`chatdesk send FILE --dry-run` with an image: its data URL is shown shortened (type, size,
dimensions, first and last characters), not 1.9 MB of base64; `--whole-images` prints it whole."""

from __future__ import annotations

import json

from tests.cli.test_send import env_for, send, srv  # noqa: F401 (fixture)
from tests.support.images import data_url, image_bytes
from tests.support.request_bodies import as_conversation


def _file(tmp_path, url):
    path = tmp_path / "chat.json"
    part = {"type": "image_url", "image_url": {"url": url, "detail": "high"}}
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "What?"}, part]}]}
    path.write_text(json.dumps(as_conversation(body)))
    return path


def test_dry_run_shows_each_image_shortened_and_whole_on_request(srv, tmp_path):  # noqa: F811
    png = image_bytes(768, 768, noise=True)
    url = data_url(png)
    path = _file(tmp_path, url)
    env = env_for(srv, AZURE_OPENAI_DEPLOYMENT="gpt-4o")

    dry = send(str(path), "--dry-run", env=env)

    assert dry.returncode == 0, dry.stderr
    assert len(dry.stdout) < 3000  # was 1,914,677 bytes for such an image
    body = json.loads(dry.stdout.split("Body:\n", 1)[1])
    shown = body["messages"][0]["content"][1]["image_url"]["url"]
    b64 = url.split(",", 1)[1]
    assert shown == (
        f"data:image/png;base64,{b64[:24]}…[image/png, {len(png):,} bytes, 768 × 768 px; "
        f"--whole-images prints it whole]…{b64[-24:]}"
    )

    whole = send(str(path), "--dry-run", "--whole-images", env=env)

    assert whole.returncode == 0, whole.stderr
    body = json.loads(whole.stdout.split("Body:\n", 1)[1])
    assert body["messages"][0]["content"][1]["image_url"]["url"] == url
    assert srv.requests == []  # nothing sent


def test_whole_images_without_dry_run_is_a_usage_error(srv, tmp_path):  # noqa: F811
    path = _file(tmp_path, data_url(image_bytes(64, 64)))
    before = path.read_text()

    done = send(str(path), "--whole-images", env=env_for(srv))

    assert done.returncode == 2
    assert done.stderr == (
        "chatdesk send: error: --whole-images goes with --dry-run (it prints the images' data "
        "URLs whole; a request sends them whole anyway): add --dry-run, or leave it out\n"
    )
    assert done.stdout == ""
    assert srv.requests == []  # nothing sent (it was sent, silently, before)
    assert path.read_text() == before
