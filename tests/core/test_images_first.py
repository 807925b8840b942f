"""Opening a file of large images with the conversation first and the images' data after
(core/images_first.py, core/image_spans.py `find_image_spans`): what it shows first is right,
what it ends with is what reading the file whole gives, and a file changed or damaged on the
way is read whole, loses nothing and says what is wrong."""

from __future__ import annotations

import base64
import json
import os

import pytest

from chatdesk.core import image_spans
from chatdesk.core.disk_state import DiskState
from chatdesk.core.file_steps import read_in_steps
from chatdesk.core.fileformat import (
    FORMAT,
    VERSION,
    ConversationFileError,
    Opened,
    load_conversation,
    save_conversation,
    to_document,
)
from chatdesk.core.image_input import image_refs
from chatdesk.core.images import PendingImage, data_url_bytes, data_url_size
from chatdesk.core.images_first import ImagesRead
from tests.support.images import data_url, image_bytes

NEWEST = 300


def _document(images: list[str], text: str = "What is in this picture?") -> dict:
    messages = [{"role": "system", "content": "You describe images."}]
    for n, url in enumerate(images):
        messages.append({"role": "user", "content": [
            {"type": "text", "text": f"{n}: {text}"},
            {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
        ]})  # fmt: skip
        messages.append({"role": "assistant", "content": f"Picture {n}.", "metadata": {
            "finish_reason": "stop"}})  # fmt: skip
    return {"format": FORMAT, "version": VERSION, "title": "Pictures", "model": "gpt-4o",
            "created_at": "2026-11-30T20:00:00.000+00:00", "messages": messages}  # fmt: skip


@pytest.fixture(scope="module")
def pictures() -> list[tuple[bytes, str]]:
    """(bytes, data URL) of large images of known size: noise, so they do not compress."""
    out = []
    for width, height, kind, mime in [
        (300, 200, "PNG", "image/png"),
        (400, 400, "JPEG", "image/jpeg"),
        (420, 300, "WEBP", "image/webp"),
    ]:
        data = image_bytes(width, height, kind, noise=True)
        out.append((data, data_url(data, mime)))
    assert all(len(url) > image_spans.LIFT_FROM for _, url in out)
    return out


def _steps(path):
    return list(read_in_steps(path, NEWEST))


def _opened(path):
    """The conversation the window ends with: the first step's, its images filled in."""
    conv = None
    for step in _steps(path):
        if isinstance(step, Opened):
            conv = step.conversation
        elif isinstance(step, ImagesRead):
            step.fill()
    return conv


def _urls(conv) -> list[str]:
    return [r.url for r in image_refs([m.to_api() for m in conv.all_messages()])]


def test_the_conversation_comes_first_with_each_image_s_size_then_the_images(tmp_path, pictures):
    path = tmp_path / "pictures.json"
    path.write_text(json.dumps(_document([url for _, url in pictures])), encoding="utf-8")
    steps = _steps(path)
    assert [type(s).__name__ for s in steps] == ["Opened", "ImagesRead", "DiskState"]
    first = steps[0]
    assert first.pending == 3
    shown = _urls(first.conversation)
    assert all(isinstance(url, PendingImage) for url in shown)
    assert sum(len(url) for url in shown) < 3 * 64 * 1024 + 100  # not the megabytes
    # Its size is known from the start (the meter, the card, the placeholder) ...
    assert [data_url_size(url) for url in shown] == [(300, 200), (400, 400), (420, 300)]
    # ... but a pending image has no bytes to decode, send or save.
    assert all(data_url_bytes(url) is None for url in shown)
    steps[1].fill()
    whole = load_conversation(path)
    assert to_document(first.conversation) == to_document(whole.conversation)
    assert [data_url_bytes(url) for url in _urls(first.conversation)] == [d for d, _ in pictures]
    assert not any(isinstance(url, PendingImage) for url in _urls(first.conversation))
    assert steps[2] == whole.disk


def test_a_saved_then_reopened_file_gives_byte_identical_images(tmp_path, pictures):
    path = tmp_path / "pictures.json"
    path.write_text(json.dumps(_document([url for _, url in pictures])), encoding="utf-8")
    conv = _opened(path)
    saved = tmp_path / "saved.chatdesk.json"
    save_conversation(conv, saved)
    again = tmp_path / "again.chatdesk.json"
    reopened = _opened(saved)
    assert [data_url_bytes(u) for u in _urls(reopened)] == [d for d, _ in pictures]
    save_conversation(reopened, again)
    assert again.read_bytes() == saved.read_bytes()


def test_a_file_changed_behind_the_shown_images_is_read_whole_again(tmp_path, pictures):
    path = tmp_path / "pictures.json"
    path.write_text(json.dumps(_document([url for _, url in pictures])), encoding="utf-8")
    steps = read_in_steps(path, NEWEST)
    first = next(steps)
    assert first.pending == 3
    # Another program writes the file meanwhile: other images, other text.
    other = data_url(image_bytes(200, 100, noise=True))
    path.write_text(json.dumps(_document([other], text="changed")), encoding="utf-8")
    rest = list(steps)
    assert isinstance(rest[0], Opened)
    assert not rest[0].pending
    assert _urls(rest[0].conversation) == [other]
    assert rest[-1] == load_conversation(path).disk


def test_an_image_rewritten_in_place_gives_the_new_bytes_never_stale_ones(tmp_path, pictures):
    """Same length, same text around it, the header unchanged: what the whole read holds is
    what the conversation gets, and the disk state is of the same read."""
    path = tmp_path / "pictures.json"
    urls = [url for _, url in pictures]
    path.write_text(json.dumps(_document(urls)), encoding="utf-8")
    steps = read_in_steps(path, NEWEST)
    first = next(steps)
    raw = bytearray(path.read_bytes())
    at = raw.find(urls[0].encode()) + len(urls[0]) - 400  # past its header
    raw[at : at + 4] = b"AAAA" if raw[at : at + 4] != b"AAAA" else b"BBBB"
    path.write_bytes(bytes(raw))
    rest = list(steps)
    assert isinstance(rest[0], ImagesRead)
    rest[0].fill()
    assert _urls(first.conversation) == _urls(load_conversation(path).conversation)
    assert _urls(first.conversation)[0] != urls[0]
    assert rest[-1] == DiskState.read(bytes(raw), os.stat(path).st_mtime_ns, len(raw))


def test_a_file_cut_short_inside_an_image_says_so_and_is_left_as_it_is(tmp_path, pictures):
    path = tmp_path / "cut.json"
    text = json.dumps(_document([url for _, url in pictures]))
    cut = text[: text.index(pictures[1][1]) + 5000]  # in the middle of the second image
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(ConversationFileError) as whole:
        load_conversation(path)
    with pytest.raises(ConversationFileError) as stepwise:
        _steps(path)
    assert str(stepwise.value) == str(whole.value)
    assert "truncated or damaged" in str(stepwise.value)
    assert path.read_text(encoding="utf-8") == cut


@pytest.mark.parametrize("damage", ["!!!!", "é", "\\/"])
def test_a_damaged_data_url_opens_as_a_whole_read_does_and_is_saved_back_unchanged(
    tmp_path, pictures, damage
):
    """Not base64, a non-ASCII character, an escape: the URL is kept exactly (the card then
    says "embedded" without a size or a picture), and saving writes it back."""
    url = pictures[0][1]
    escaped = damage == "\\/"  # as PHP writes "/": an escape JSON reads back as "/"
    broken = url[:5000] + ("/" if escaped else damage) + url[5000:]
    path = tmp_path / "damaged.json"
    document = _document([broken, pictures[1][1]])
    text = json.dumps(document, ensure_ascii=False)
    if escaped:
        text = text.replace(broken, url[:5000] + "\\/" + url[5000:])
    path.write_text(text, encoding="utf-8")
    conv = _opened(path)
    assert to_document(conv) == to_document(load_conversation(path).conversation)
    saved = tmp_path / "saved.chatdesk.json"
    save_conversation(conv, saved)
    reread = json.loads(saved.read_text(encoding="utf-8"))
    assert reread["messages"] == document["messages"]


def test_spans_found_a_window_at_a_time_are_the_strings_a_whole_read_lifts(monkeypatch, pictures):
    """Escaped quotes, backslashes, short URLs and non-ASCII around and inside the strings,
    every one of them cut by a window's edge somewhere: a 4 KB window moved along."""
    big = pictures[0][1]
    texts = [
        big,
        '\\"' + big,  # inside another string: not a string of its own
        "\\\\" + big[:70_000] + "\\\\" + big[70_000:],  # an escape inside
        big[:1000],  # short: stays in the text
        "é" + big,  # a text that starts like one, then goes on
        "data:image/png;base64," + "A" * 70_000,
    ]
    monkeypatch.setattr(image_spans, "_STEP", 4096)
    for shift in (0, 1, 7, 50, 2047, 4090):
        doc = {"pad": "x" * shift, "items": [{"url": t} for t in texts] + [big]}
        raw = json.dumps(doc, ensure_ascii=False).encode()
        path_fd = os.memfd_create("spans")
        try:
            os.write(path_fd, raw)
            found = image_spans.find_image_spans(path_fd, len(raw))
        finally:
            os.close(path_fd)
        _, lifted = image_spans.lift_images(raw)
        assert [raw[s:e].decode() for s, e in found] == list(lifted.values())
        assert all(raw[s - 1 : s] == raw[e : e + 1] == b'"' for s, e in found)


def test_a_file_without_large_images_is_read_as_before(tmp_path):
    small = data_url(image_bytes(40, 30))
    path = tmp_path / "small.json"
    path.write_text(json.dumps(_document([small])), encoding="utf-8")
    steps = _steps(path)
    assert [type(s).__name__ for s in steps] == ["Opened", "DiskState"]
    assert _urls(steps[0].conversation) == [small]
    assert base64.b64decode(small.partition(",")[2])


def test_the_search_gives_up_once_the_text_around_the_images_is_long(pictures):
    """A long conversation is read newest messages first: searching all of its text for
    images (~1.5 ms a MB) would only delay that."""
    url = pictures[0][1]
    raw = json.dumps({"messages": ["words " * 300_000, {"url": url}]}).encode()
    fd = os.memfd_create("long")
    try:
        os.write(fd, raw)
        assert image_spans.find_image_spans(fd, len(raw), 1 << 20) is None
        found = image_spans.find_image_spans(fd, len(raw))
        assert [raw[s:e].decode() for s, e in found] == [url]
        assert image_spans.find_image_spans(fd, len(raw), 4 << 20) == found
    finally:
        os.close(fd)
