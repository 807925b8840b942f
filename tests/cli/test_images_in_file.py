"""Images already in a conversation file are checked before `chatdesk send` sends them (the
session-12 tester: a cut JPEG and an SVG went out and came back as Azure's 400 naming neither);
`send --dry-run` and `tokens --rows` name them the same way."""

from __future__ import annotations

import json

from chatdesk.cli import main
from chatdesk.cli.send import run_send
from tests.cli.test_connections import KEY, clean_env, srv  # noqa: F401
from tests.support.fake_azure import AzureModel
from tests.support.images import (
    BAD_IMAGES_SAID,
    bad_images_body,
    decoded_size,
    image_bytes,
    image_part,
)
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


def test_an_image_over_20_mb_as_sent_is_named_before_sending(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    # A model chatdesk does not know gets its images as they are: a 30 MB PNG would be the
    # service's 400 "Image size exceeds the limit of 20 MB", naming no image.
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    srv.models["chat-prod"] = AzureModel()  # reads images; chatdesk cannot know its model
    big = image_bytes(3200, 3200, noise=True)
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}]}]}
    body["messages"][0]["content"].append(image_part(big))
    path = tmp_path / "big.json"
    path.write_text(json.dumps(as_conversation(body)))
    argv = [str(path), "--endpoint", srv.v1_base_url, "--deployment", "chat-prod"]
    assert run_send(argv) == 1
    err = capsys.readouterr().err
    assert (
        f'Message 1 of the request (user: "Look"): image 1 of 1 would be sent as '
        f"{len(big) / 1e6:,.1f} MB. Azure OpenAI takes images of at most 20.0 MB."
    ) in err
    assert srv.requests == []
    assert run_send([str(path), "--endpoint", srv.v1_base_url, "--deployment", "gpt-4o"]) == 0
    assert decoded_size(srv.requests[-1].json["messages"][0]["content"][1]["image_url"]["url"]) == (
        768,
        768,
    )  # a model chatdesk knows: downscaled, and sent


def test_tokens_json_lists_each_image_that_cannot_be_sent(tmp_path, clean_env, capsys):  # noqa: F811
    # `send --dry-run` and `tokens --rows` named them; `--json` had no field for them. Each is
    # listed by its index in the file's messages array (the system prompt first; the failed
    # turn before it, whose SVG the request does not carry, is not counted), which image of
    # the message it is, and the words stderr says.
    [bad] = bad_images_body()["messages"]
    failed = {"role": "user", "content": [{"type": "text", "text": "An SVG"}, bad["content"][2]]}
    system = {"role": "system", "content": "Be brief."}
    doc = as_conversation({"messages": [system, failed, bad]})
    doc["messages"][1]["metadata"] = {"error": "Cannot reach the server."}  # left out: failed
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(doc))
    assert main(["tokens", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["left_out"] == [1]
    assert report["images_that_cannot_be_sent"] == [
        {"index": 2, "image": 1, "text": "image 1 of 2 is not a readable image: it starts like "
                                         "a JPEG file but is damaged or incomplete"},
        {"index": 2, "image": 2, "text": "image 2 of 2 is an SVG file"},
    ]  # fmt: skip
    said = BAD_IMAGES_SAID.replace("Message 1 of", "Message 2 of")  # after the system prompt
    assert f"chatdesk: An image cannot be sent: {said}" in captured.err
    for image in report["images_that_cannot_be_sent"]:
        assert image["text"] in captured.err  # one wording

    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps(as_conversation({"messages": [{"role": "user", "content": "Hi"}]})))
    assert main(["tokens", str(fine), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images_that_cannot_be_sent"] == []
