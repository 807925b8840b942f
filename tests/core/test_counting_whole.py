"""Counting the whole message: tool definitions by OpenAI's cookbook (its API-verified
figures), images by the vision formula read from the image header, tool turns and parts."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.fileformat import loads
from chatdesk.core.images import data_url_size, image_size, image_tokens
from chatdesk.core.models import CATALOG
from tests.support.request_bodies import (
    COOKBOOK_TOOLS_BODY,
    data_url,
    png_header,
    tool_turns_body,
    vision_body,
)


def plan_for(body: dict, model: str):
    conv = loads(json.dumps(body)).conversation
    budget = Budget(conv, model=model)
    return budget.plan()


@pytest.mark.parametrize(
    ("model", "api_count"),
    [("gpt-4o", 101), ("gpt-4o-mini", 101), ("gpt-4", 105), ("gpt-35-turbo", 105)],
)
def test_cookbook_tools_example_matches_the_api(model, api_count):
    plan = plan_for(COOKBOOK_TOOLS_BODY, model)
    assert plan.prompt_tokens == api_count
    assert not plan.estimate  # the figures were confirmed by the API for these models


def test_tools_for_other_models_are_counted_and_labelled_an_estimate():
    plan = plan_for(COOKBOOK_TOOLS_BODY, "gpt-5")
    assert plan.prompt_tokens == 101  # o200k, same constants
    assert plan.estimate
    assert plan.estimate_why == (
        "tool definitions are counted by OpenAI's cookbook rule, itself an estimate"
    )


def test_tools_add_to_the_pinned_tokens():
    body = dict(COOKBOOK_TOOLS_BODY)
    without = plan_for({k: v for k, v in body.items() if k != "tools"}, "gpt-4o")
    with_tools = plan_for(body, "gpt-4o")
    assert with_tools.history_tokens == without.history_tokens
    assert with_tools.pinned_tokens - without.pinned_tokens == 101 - without.prompt_tokens


def square(rule_model: str, width: int, height: int, detail: str) -> int:
    return image_tokens(CATALOG[rule_model].image, (width, height), detail).tokens


def test_gpt4o_vision_formula_published_examples():
    assert square("gpt-4o", 1024, 1024, "high") == 765
    assert square("gpt-4o", 2048, 4096, "high") == 1105
    assert square("gpt-4o", 4096, 8192, "low") == 85
    assert image_tokens(CATALOG["gpt-4o"].image, (1024, 1024), "high").estimate is False


def test_per_model_tile_figures():
    assert square("gpt-4o-mini", 1024, 1024, "high") == 2833 + 4 * 5667
    assert square("gpt-5", 1024, 1024, "high") == 70 + 4 * 140
    assert square("o3", 1024, 1024, "low") == 75
    assert square("gpt-4.1", 512, 512, "high") == 85 + 170


def test_patch_formula_published_examples():
    # OpenAI's examples: 1024 x 1024 is 1024 patches; 1800 x 2400 is scaled to 1452 patches.
    assert square("gpt-4.1-mini", 1024, 1024, "high") == 1659  # ceil(1024 * 1.62)
    assert square("gpt-4.1-mini", 1800, 2400, "high") == 2353  # ceil(1452 * 1.62)
    assert square("o4-mini", 1800, 2400, "high") == 2498  # ceil(1452 * 1.72)
    assert square("gpt-4.1-nano", 32, 32, "low") == 3  # ceil(1 * 2.46)


def test_auto_detail_and_unknown_sizes_are_estimates():
    rule = CATALOG["gpt-4o"].image
    auto = image_tokens(rule, (1024, 1024), "auto")
    assert (auto.tokens, auto.estimate) == (765, True)
    unknown = image_tokens(rule, None, "high")
    assert (unknown.tokens, unknown.estimate) == (85 + 8 * 170, True)  # the most one costs


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif = b"\xff\xe1" + struct.pack(">H", 2 + 5000) + b"\x00" * 5000  # metadata first
    sof = b"\xff\xc2" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + exif + sof + b"\xff\xd9"


def test_sizes_come_from_the_header_of_each_format():
    assert image_size(png_header(1024, 768)) == (1024, 768)
    assert image_size(b"GIF89a" + struct.pack("<HH", 300, 200) + b"\x00" * 8) == (300, 200)
    assert image_size(jpeg(4032, 3024)) == (4032, 3024)
    vp8x = b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x0a\x00\x00\x00" + b"\x00" * 4
    vp8x += (1919).to_bytes(3, "little") + (1079).to_bytes(3, "little")
    assert image_size(vp8x) == (1920, 1080)
    assert image_size(b"not an image") is None
    url = "data:image/jpeg;base64," + base64.b64encode(jpeg(640, 480)).decode()
    assert data_url_size(url) == (640, 480)
    assert data_url_size("https://example.com/a.png") is None
    assert data_url_size("data:image/png;base64,@@@@") is None


def test_a_message_with_images_counts_text_and_each_image():
    body = vision_body()
    conv = loads(json.dumps(body)).conversation
    budget = Budget(conv, model="gpt-4o")
    counter = budget.counter
    user = conv[0]
    text = counter.count_text("What is in these images?")
    audio = counter.count_text(json.dumps(body["messages"][1]["content"][3]))
    expected = 3 + counter.count_text("user") + text + 765 + 85 + audio
    expected += counter.count_text("kept")  # an unknown string field: every value counts
    assert counter.count_message(user) == expected
    assert counter.is_estimate(user)  # the audio part is counted by its JSON


def test_tool_turns_are_counted_and_marked_an_estimate():
    conv = loads(json.dumps(tool_turns_body())).conversation
    budget = Budget(conv, model="gpt-4.1")
    counter = budget.counter
    call, result = conv[1], conv[2]
    args = '{"location": "Boston, MA", "unit": "celsius"}'
    assert counter.count_message(call) == (
        3 + counter.count_text("assistant") + counter.count_text("get_current_weather")
        + counter.count_text(args)
    )  # fmt: skip
    assert counter.is_estimate(call)
    content = '{"temperature": 22, "unit": "celsius", "description": "Sunny"}'
    assert counter.count_message(result) == (
        3 + counter.count_text("tool") + counter.count_text(content)
        + counter.count_text("call_abc123")
    )  # fmt: skip
    assert not counter.is_estimate(result)
    plan = budget.plan()
    assert plan.estimate
    assert plan.history_tokens == sum(budget.ledger.count(i) for i in range(len(conv)))


def test_a_plain_conversation_is_still_exact():
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
    plan = plan_for(body, "gpt-4o")
    assert (plan.estimate, plan.estimate_why) == (False, "")


def test_an_image_message_counts_by_the_deployment_model():
    url = data_url(png_header(1024, 1024))
    body = {"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": url, "detail": "high"}}]}]}  # fmt: skip
    base = plan_for({"messages": [{"role": "user", "content": []}]}, "gpt-4o").prompt_tokens
    assert plan_for(body, "gpt-4o").prompt_tokens - base == 765
    assert plan_for(body, "gpt-5").prompt_tokens - base == 70 + 4 * 140
    assert plan_for(body, "gpt-4.1-mini").prompt_tokens - base == 1659
