"""Images from the command line to Azure's wire (issue 16): `chatdesk attach` stores them as
the window does, `chatdesk send` carries them as the fake Azure checks them, and what cannot be
sent is said before anything is."""

from __future__ import annotations

import hashlib
import json

from chatdesk.cli import main
from chatdesk.cli.attach import run as run_attach
from chatdesk.cli.send import run_send
from tests.cli.test_connections import KEY, clean_env, srv  # noqa: F401
from tests.support.fake_azure import AzureModel
from tests.support.images import decoded_size, image_bytes, image_part
from tests.support.request_bodies import as_conversation


def _file(tmp_path, content, model=None):
    path = tmp_path / "chat.json"
    body = {"messages": [{"role": "user", "content": content}]}
    if model:
        body["model"] = model
    path.write_text(json.dumps(as_conversation(body)))  # attach writes a conversation file
    return path


def _send(srv, path, deployment):  # noqa: F811
    return run_send([str(path), "--endpoint", srv.v1_base_url, "--deployment", deployment])


def test_attach_then_send_carries_the_downscaled_image(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes(3000, 3000))
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    path = _file(tmp_path, "What is in this picture?", model="gpt-4o")
    assert run_attach([str(path), str(photo), "--detail", "high"]) == 0
    out = capsys.readouterr().out
    assert "768 × 768 px, " in out
    assert "downscaled from 3000 × 3000 to what gpt-4o reads" in out
    stored = json.loads(path.read_text())["messages"][-1]["content"]
    assert stored[0] == {"type": "text", "text": "What is in this picture?"}
    assert decoded_size(stored[1]["image_url"]["url"]) == (768, 768)
    assert _send(srv, path, "gpt-4o") == 0, capsys.readouterr().err
    sent = srv.requests[-1].json["messages"][-1]["content"]
    assert sent == stored  # what the file holds is what went
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == digest  # the user's file untouched
    assert json.loads(path.read_text())["messages"][-1]["role"] == "assistant"


def test_a_model_without_image_input_is_named_before_sending(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    srv.models["gpt-35-turbo"] = AzureModel.gpt35_turbo()
    path = _file(tmp_path, [{"type": "text", "text": "hi"}, image_part(image_bytes(64, 64))])
    before = path.read_text()
    assert _send(srv, path, "gpt-35-turbo") == 1
    err = capsys.readouterr().err
    assert "gpt-35-turbo takes no image input, and the request would carry an image" in err
    assert srv.requests == []  # nothing sent, nothing billed
    assert path.read_text() == before
    # attach says so too, for a file declaring that model, and writes nothing
    plain = _file(tmp_path, "hi", model="gpt-35-turbo")
    before = plain.read_text()
    photo = tmp_path / "a.png"
    photo.write_bytes(image_bytes(32, 32))
    assert run_attach([str(plain), str(photo)]) == 1
    assert "gpt-35-turbo takes no image input" in capsys.readouterr().err
    assert plain.read_text() == before


def test_an_unknown_deployment_without_vision_answers_azures_400(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    srv.models["chat-prod"] = AzureModel.gpt35_turbo()  # chatdesk cannot know its model
    path = _file(tmp_path, [{"type": "text", "text": "hi"}, image_part(image_bytes(64, 64))])
    assert _send(srv, path, "chat-prod") == 1
    assert "image_url is only supported by certain models" in capsys.readouterr().err
    assert len(srv.requests) == 1
    assert srv.requests[0].json["messages"][0]["content"][1]["type"] == "image_url"


def test_remote_image_urls_are_sent_as_they_are_and_never_fetched(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    remote = {"type": "image_url", "image_url": {"url": "https://images.example.com/cat.png"}}
    path = _file(tmp_path, [{"type": "text", "text": "hi"}, remote])
    assert _send(srv, path, "gpt-4o") == 0, capsys.readouterr().err
    assert [r.path for r in srv.requests] == ["/openai/v1/chat/completions"]
    assert srv.requests[0].json["messages"][0]["content"][1] == remote


def test_more_images_than_a_request_carries_are_refused_before_sending(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    parts = [image_part(image_bytes(8, 8)) for _ in range(11)]
    path = _file(tmp_path, [{"type": "text", "text": "hi"}, *parts])
    assert _send(srv, path, "gpt-4o") == 1
    assert "The request would carry 11 images; Azure OpenAI takes at most 10" in (
        capsys.readouterr().err
    )
    assert srv.requests == []


def test_attach_refuses_more_images_than_a_request_carries_and_writes_nothing(
    tmp_path, clean_env, capsys  # noqa: F811
):
    # Bad images among good ones: tests/cli/test_attach_some_refused.py.
    path = _file(tmp_path, "hi", model="gpt-4o")
    before = path.read_text()
    good = tmp_path / "ok.png"
    good.write_bytes(image_bytes(16, 16))
    eleven = [str(good)] * 11
    assert run_attach([str(path), *eleven]) == 1
    err = capsys.readouterr().err
    assert "A request carries at most 10 images; only 10 more can be attached." in err
    assert "Nothing was attached." in err
    assert path.read_text() == before


def test_export_writes_the_images_beside_the_markdown(tmp_path, capsys):
    png = image_bytes(40, 30)
    remote = {"type": "image_url", "image_url": {"url": "https://images.example.com/cat.png"}}
    path = _file(tmp_path, [{"type": "text", "text": "Two pictures"}, image_part(png), remote])
    out = tmp_path / "out" / "chat.md"
    out.parent.mkdir()
    assert main(["export", str(path), "-o", str(out)]) == 0
    text = out.read_text()
    assert "![Image 1 (detail auto)](chat_images/image-1.png)" in text
    assert "**Image** from [images.example.com](https://images.example.com/cat.png)" in text
    assert (out.parent / "chat_images" / "image-1.png").read_bytes() == png
    assert "base64" not in text
    # to standard output: the cards, no files
    assert main(["export", str(path)]) == 0
    assert "**Image** (40 × 30 px, embedded; detail auto)" in capsys.readouterr().out


def test_attach_of_a_broken_image_says_so_in_plain_words(tmp_path, clean_env, capsys):  # noqa: F811
    # The tester's broken image: Pillow's "cannot identify image file <_io.BytesIO ...>" leaked.
    path = _file(tmp_path, "hi", model="gpt-4o")
    before = path.read_text()
    broken = tmp_path / "broken.png"
    broken.write_bytes(image_bytes(64, 64)[:60])
    assert run_attach([str(path), str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{broken} is not a readable image" in err
    assert "BytesIO" not in err
    assert "0x" not in err
    assert path.read_text() == before


def test_attach_and_tokens_use_the_environments_deployment_like_send(
    tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):  # fmt: skip
    # The tester's case: a file with no "model", AZURE_OPENAI_DEPLOYMENT=gpt-4o set, and a
    # 3000×2000 image: it was stored as it is and `tokens` said the model was not known.
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o")
    path = _file(tmp_path, "What is in this picture?")
    shot = tmp_path / "shot.png"
    shot.write_bytes(image_bytes(3000, 2000))
    assert run_attach([str(path), str(shot)]) == 0
    assert "downscaled from 3000 × 2000" in capsys.readouterr().out
    sent = json.loads(path.read_text())["messages"][-1]["content"]
    part = next(p for p in sent if p["type"] == "image_url")
    assert decoded_size(part["image_url"]["url"]) == (1152, 768)
    assert main(["tokens", str(path)]) == 0
    out = capsys.readouterr()
    assert "not known" not in out.out + out.err
    assert "limit 128000" in out.out  # gpt-4o's context window


def _after_a_reply(tmp_path, model="reasoner"):
    # The tester's at.json before the attaches: a question answered, a model chatdesk lacks.
    path = tmp_path / "at.json"
    path.write_text(json.dumps(as_conversation({"model": model, "messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "hi"}]})))  # fmt: skip
    big = tmp_path / "big.png"
    big.write_bytes(image_bytes(3000, 2000))
    return path, big


def _shape(path):
    return [
        (m["role"], m["content"] if isinstance(m["content"], str) else
         [(p["type"], p.get("text") or p["image_url"]["detail"]) for p in m["content"]])
        for m in json.loads(path.read_text())["messages"]
    ]  # fmt: skip


def test_a_later_attach_with_text_joins_the_question_the_first_started(
    tmp_path, clean_env, capsys  # noqa: F811
):  # fmt: skip
    # Tester: `attach at.json big.png --detail high`, then `attach at.json big.png --text
    # "What is this?"` made two user messages in a row (user [image], user [text, image]).
    path, big = _after_a_reply(tmp_path)
    assert run_attach([str(path), str(big), "--detail", "high"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[-1] == f"{path}: 1 image added as a new question at its end."
    assert run_attach([str(path), str(big), "--text", "What is this?"]) == 0
    second = capsys.readouterr().out.splitlines()
    assert second[-1] == f"{path}: 1 image and the text added to the question it ends with."
    assert _shape(path)[2:] == [
        ("assistant", "hi"),
        ("user", [("text", "What is this?"), ("image_url", "high"), ("image_url", "auto")]),
    ]


def test_attach_says_an_unknown_model_s_image_is_downscaled_when_sent(
    srv, tmp_path, clean_env, monkeypatch, capsys  # noqa: F811
):
    path, big = _after_a_reply(tmp_path)
    assert run_attach([str(path), str(big), "--detail", "high", "--text", "What is this?"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"{big}: 3000 × 2000 px, ")
    assert line.endswith(
        "; kept as it is, since 'reasoner' is not a model chatdesk knows: sent to a model it "
        "knows, it is downscaled to what that model reads (1152 × 768 px for gpt-4o)"
    )
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    assert _send(srv, path, "gpt-4o") == 0, capsys.readouterr().err
    sent = srv.requests[-1].json["messages"][-1]["content"]
    assert decoded_size(sent[1]["image_url"]["url"]) == (1152, 768)  # as attach said


def test_attach_to_a_known_model_says_where_it_went_and_its_downscaling(
    tmp_path, clean_env, capsys  # noqa: F811
):  # fmt: skip
    path, big = _after_a_reply(tmp_path, model="gpt-4o")
    assert run_attach([str(path), str(big)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{big}: 1152 × 768 px, ")
    assert out[0].endswith(", downscaled from 3000 × 2000 to what gpt-4o reads")
    assert out[1] == f"{path}: 1 image added as a new question at its end."
