"""Images already in a conversation file are checked before `chatdesk send` sends them (the
session-12 tester: a cut JPEG and an SVG went out and came back as Azure's 400 naming neither);
`send --dry-run` and `tokens --rows` name them the same way."""

from __future__ import annotations

import json

from chatdesk.cli import main
from chatdesk.cli.send import run_send
from tests.cli.test_connections import KEY, clean_env, srv  # noqa: F401
from tests.support.images import BAD_IMAGES_SAID, bad_images_body
from tests.support.request_bodies import as_conversation


def _bad_file(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(as_conversation(bad_images_body())))
    return path


def test_send_names_each_bad_image_and_sends_nothing(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    path = _bad_file(tmp_path)
    before = path.read_text()
    argv = [str(path), "--endpoint", srv.v1_base_url, "--deployment", "gpt-4o"]
    assert run_send(argv) == 1
    err = capsys.readouterr().err
    assert BAD_IMAGES_SAID in err
    assert "Delete that message (or the image from it)" in err
    assert srv.requests == []  # nothing left: no 400 naming no image
    assert path.read_text() == before
    assert run_send([*argv, "--dry-run"]) == 1
    assert BAD_IMAGES_SAID in capsys.readouterr().err
    assert srv.requests == []


def test_tokens_rows_names_them_too(tmp_path, clean_env, capsys):  # noqa: F811
    path = _bad_file(tmp_path)
    assert main(["tokens", str(path), "--rows"]) == 0  # the counts stand
    captured = capsys.readouterr()
    assert "What is in these two pictures I took?" in captured.out
    assert f"chatdesk: An image cannot be sent: {BAD_IMAGES_SAID}" in captured.err
