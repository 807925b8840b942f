"""Images as a request carries them: the model's reading size, the vision counts the issue
gives, the types Azure takes and refuses, the draft's images in the meter and the file."""

from __future__ import annotations

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.image_input import (
    MAX_IMAGES_PER_REQUEST,
    image_problem,
    image_refs,
    image_type,
    other_type,
    view_size,
)
from chatdesk.core.images import image_tokens
from chatdesk.core.messages import Message
from chatdesk.core.models import PATCHES_162, TILES_4O, known_model
from chatdesk.core.tokens import TokenCounter
from tests.support.images import image_bytes, image_part


@pytest.mark.parametrize(
    ("size", "detail", "tokens"),
    [((1024, 1024), "high", 765), ((2048, 4096), "high", 1105), ((4000, 3000), "low", 85),
     ((64, 64), "low", 85), ((1024, 1024), "low", 85)],
)  # fmt: skip
def test_gpt_4o_counts_the_issue_figures(size, detail, tokens):
    counter = TokenCounter("o200k_base", known_model("gpt-4o"))
    part = image_part(image_bytes(*size), detail=detail)
    assert counter.part_cost(part) == (tokens, ())  # exact: no reason to call it an estimate


def test_the_size_the_model_reads_costs_what_the_original_costs():
    for size in [(1024, 1024), (2048, 4096), (4000, 3000), (300, 200), (1000, 3000), (9000, 40)]:
        for rule in (TILES_4O, PATCHES_162):
            for detail in ("low", "high"):
                seen = view_size(rule, size, detail)
                assert seen[0] <= size[0]
                assert seen[1] <= size[1]
                cost = image_tokens(rule, size, detail).tokens
                assert image_tokens(rule, seen, detail).tokens == cost
    assert view_size(TILES_4O, (2048, 4096), "high") == (768, 1536)
    assert view_size(TILES_4O, (4000, 3000), "low") == (512, 384)
    assert view_size(TILES_4O, (300, 200), "high") == (300, 200)  # small: sent whole
    assert view_size(None, (5000, 5000), "high") == (5000, 5000)


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_four_types_azure_takes_are_recognised(kind):
    data = image_bytes(8, 8, kind)
    assert image_type(data) == f"image/{kind.lower()}".replace("jpeg", "jpeg")
    assert other_type(data) is None


@pytest.mark.parametrize(
    ("head", "name"),
    [(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"), (b"%PDF-1.7\n", "PDF"),
     (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
     (b"<svg width='1'/>", "SVG"), (b"\x00\x00\x00\x1cftypavif", "AVIF"), (b"BM\x00\x00", "BMP")],
)  # fmt: skip
def test_types_azure_refuses_are_named(head, name):
    assert image_type(head) is None
    assert other_type(head) == name


def test_a_model_without_image_input_is_named_and_too_many_images_refused():
    gpt35 = known_model("gpt-35-turbo")
    problem = image_problem(1, gpt35, exact=True)
    assert problem is not None
    assert "gpt-35-turbo takes no image input" in problem.text
    assert image_problem(1, gpt35, exact=False) is None  # an unknown model: the service decides
    assert image_problem(0, gpt35, exact=True) is None
    gpt4o = known_model("gpt-4o")
    assert image_problem(MAX_IMAGES_PER_REQUEST, gpt4o, True) is None
    too_many = image_problem(MAX_IMAGES_PER_REQUEST + 1, gpt4o, True)
    assert too_many is not None
    assert "at most 10" in too_many.text


def test_image_refs_find_parts_in_order():
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "user", "content": [{"type": "text", "text": "x"},
                                     {"type": "image_url", "image_url": {"url": "https://a/b.png"}},
                                     {"type": "image_url", "image_url": "data:image/png;base64,"}]},
    ]  # fmt: skip
    refs = list(image_refs(messages))
    assert [(r.message, r.part, r.remote, r.detail) for r in refs] == [
        (1, 1, True, "auto"), (1, 2, False, "auto")
    ]  # fmt: skip


def test_the_meter_counts_an_attached_image_before_any_text(tmp_path):
    conv = Conversation(model="gpt-4o")
    budget = Budget(conv)
    empty = budget.plan()
    part = image_part(image_bytes(1024, 1024), detail="high")
    with_image = budget.plan("", draft_images=[part])
    assert with_image.draft_tokens - empty.draft_tokens == 3 + 1 + 765  # message, role, image
    text_only = budget.plan("What is this?")
    both = budget.plan("What is this?", draft_images=[part])
    assert both.draft_tokens - text_only.draft_tokens == 765
    budget.close()


def test_attached_images_are_an_estimate_exactly_when_the_same_images_sent_are(tmp_path):
    # Reported: two images with detail auto read "1,145 + 4,096 reserved" while attached and
    # "≈1,238 … (estimate)" once sent. Detail auto is counted as high: an estimate (README).
    conv = Conversation(model="gpt-4o")
    budget = Budget(conv)
    auto = [image_part(image_bytes(1024, 768)), image_part(image_bytes(300, 200))]
    attached = budget.plan("What colours are these?", draft_images=auto)
    assert attached.estimate
    assert "auto" in attached.estimate_why  # why: the detail
    conv.append(Message.new("user", "What colours are these?").with_images(auto))  # sent
    sent = budget.plan()
    assert sent.estimate
    assert sent.estimate_why == attached.estimate_why
    assert sent.history_tokens == attached.draft_tokens  # the same count, before and after
    budget.close()
    # Detail high or low is the published formula for a known model: exact, either way.
    conv = Conversation(model="gpt-4o")
    budget = Budget(conv)
    high = [image_part(image_bytes(1024, 768), detail="high")]
    assert not budget.plan("Look", draft_images=high).estimate
    conv.append(Message.new("user", "Look").with_images(high))
    assert not budget.plan().estimate
    budget.close()


def test_draft_images_are_saved_with_the_draft(tmp_path):
    conv = Conversation(model="gpt-4o")
    conv.draft = "look"
    part = image_part(image_bytes(10, 10))
    conv.draft_images = [part]
    path = tmp_path / "c.json"
    save_conversation(conv, path)
    again = load_conversation(path).conversation
    assert again.draft == "look"
    assert again.draft_images == [part]
    conv.draft_images = []
    save_conversation(conv, path)
    assert "draft_images" not in path.read_text()


def test_a_message_with_images_keeps_its_text_first():
    part = image_part(image_bytes(4, 4))
    message = Message.new("user", "What is this?").with_images([part])
    assert message.to_api()["content"] == [{"type": "text", "text": "What is this?"}, part]
    assert message.content == "What is this?"
    assert Message.new("user", "").with_images([part]).to_api()["content"] == [part]


def test_a_question_edited_in_place_loses_only_the_images_taken_out():
    red, blue = image_part(image_bytes(20, 10)), image_part(image_bytes(10, 10))
    question = Message.from_raw({"role": "user", "content": [
        red, {"type": "text", "text": "Between"}, blue]})  # fmt: skip
    edited = question.edited("Only blue", {0})
    assert edited is not None
    assert edited.to_api()["content"] == [{"type": "text", "text": "Only blue"}, blue]
    assert question.edited("", {0, 1}).to_api()["content"] == [blue]  # text parts too
    assert question.edited("Words", {0, 2}).to_api() == {"role": "user", "content": "Words"}
    assert question.edited("  ", {0, 2}) is None  # nothing left to send
    assert Message.new("user", "plain").edited("") is None
    kept = question.edited("Between")
    assert kept is not None
    assert kept.to_api() == question.to_api()


def test_a_file_full_of_images_reads_as_json_reads_it(tmp_path):
    import base64
    import json

    from chatdesk.core.fileformat import loads
    from chatdesk.core.image_spans import lift_images

    big = "data:image/png;base64," + base64.b64encode(image_bytes(300, 300, noise=True)).decode()
    tricky = '\\"' + big  # inside another string, after an escaped quote: not a string of its own
    doc = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "see"},
                                         {"type": "image_url", "image_url": {"url": big}}]},
            {"role": "tool", "tool_call_id": "c", "content": big},
            {"role": "user", "content": "quoted: " + tricky + " \ud800 done"},
        ],
        "model": "gpt-4o",
    }  # fmt: skip
    raw = json.dumps(doc).encode()
    compact, lifted = lift_images(raw)
    assert len(lifted) == 2  # the part and the tool result; the quoted one stays text
    assert len(compact) < len(raw) - 2 * len(big) + 200
    conv = loads(raw).conversation
    expected = loads(json.dumps(doc))  # text: parsed whole, nothing lifted
    assert [m.to_api() for m in conv] == [m.to_api() for m in expected.conversation]
    assert conv[0].to_api()["content"][1]["image_url"]["url"] == big
    assert conv[1].content == big
    assert conv[2].content.startswith('quoted: \\"data:image/png;base64,')
    assert conv[2].content.endswith(" \ufffd done")  # the lone surrogate, replaced as always
