"""`chatdesk attach FILE IMAGE...` with good and bad images: as the window's Attach does
(`service/image_prep.prepare_images`, one rule), the good ones are attached and each bad one
is named; the exit status says some were refused."""

from __future__ import annotations

import json

from chatdesk.cli import main
from tests.cli.test_connections import clean_env  # noqa: F401
from tests.support.images import decoded_size, image_bytes
from tests.support.request_bodies import as_conversation

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>\n'


def test_attach_keeps_the_good_images_and_names_each_bad_one(
    tmp_path, clean_env, capsys  # noqa: F811
):
    path = tmp_path / "chat.json"
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What are these?"}]}
    path.write_text(json.dumps(as_conversation(body)))
    (tmp_path / "big.png").write_bytes(image_bytes(3000, 3000))
    (tmp_path / "red.webp").write_bytes(image_bytes(40, 30, "WEBP"))
    (tmp_path / "corrupt.jpg").write_bytes(image_bytes(64, 64, "JPEG")[:300])  # cut short
    (tmp_path / "logo.svg").write_bytes(SVG)
    names = ["big.png", "red.webp", "corrupt.jpg", "logo.svg"]

    status = main(["attach", str(path), *[str(tmp_path / n) for n in names]])

    out, err = capsys.readouterr()
    assert status == 1  # some were refused
    assert f"{tmp_path / 'corrupt.jpg'} is not a readable image: it starts like a JPEG" in err
    assert f"{tmp_path / 'logo.svg'} is an SVG file; Azure OpenAI takes PNG" in err
    assert "Nothing was attached" not in err
    assert f"{tmp_path / 'big.png'}: 768 × 768 px" in out
    assert f"{tmp_path / 'red.webp'}: 40 × 30 px" in out
    assert f"{path}: 2 images added to the question it ends with." in out
    content = json.loads(path.read_text())["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What are these?"}
    assert [decoded_size(p["image_url"]["url"]) for p in content[1:]] == [(768, 768), (40, 30)]


def test_attach_with_only_bad_images_writes_nothing(tmp_path, clean_env, capsys):  # noqa: F811
    path = tmp_path / "chat.json"
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    path.write_text(json.dumps(as_conversation(body)))
    before = path.read_text()
    (tmp_path / "logo.svg").write_bytes(SVG)
    (tmp_path / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(200))

    images = [str(tmp_path / "logo.svg"), str(tmp_path / "IMG_0001.HEIC")]
    status = main(["attach", str(path), *images])

    err = capsys.readouterr().err
    assert status == 1
    assert "logo.svg is an SVG file" in err
    assert "IMG_0001.HEIC is a HEIC file" in err
    assert "Nothing was attached." in err
    assert path.read_text() == before
