"""Cost: with prices set for the deployment, each reply shows its cost from `usage`, and the
meter the next request's estimate and the conversation's total; without prices, nothing."""

from __future__ import annotations

from decimal import Decimal

from chatdesk.core.pricing import Prices, format_cost, reply_cost
from chatdesk.ui.card_layout import info_text
from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle

PRICES = Prices(Decimal("2000"), Decimal("1000"), Decimal("8000"))  # $/1M: readable cents


def reply_info(window, row):
    model = window.session.model
    return info_text(model.message(row), None, model.reply_cost(model.message(row)))


def test_no_prices_no_cost(qtbot, window, server):
    server.enqueue(Reply(text="hello"))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    assert "$" not in reply_info(window, 1)
    assert window.meter.cost_text == ""


def test_replies_the_conversation_and_the_next_request_show_their_cost(qtbot, window, server):
    profile = window.context.connections.profile("test")
    profile.prices = {"gpt-4o": PRICES}
    window.refresh_profiles()
    qtbot.waitUntil(lambda: window.session.budget is not None)  # counting again after the edit
    assert window.meter.cost_text.startswith("next ≈ $")
    assert window.meter.cost_text.endswith("spent $0")

    server.enqueue(Reply(text="hello there", cached_tokens=4), Reply(text="again"))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    first = window.session.conversation[1]
    cost = reply_cost(PRICES, first.meta.usage)
    usage = first.meta.usage
    # (prompt - 4 cached) × $0.002 + 4 × $0.001 + completion × $0.008, from the wire's usage
    expected = (
        Decimal(usage["prompt_tokens"] - 4) * Decimal("0.002")
        + Decimal(4) * Decimal("0.001")
        + Decimal(usage["completion_tokens"]) * Decimal("0.008")
    )
    assert cost is not None
    assert cost.total == expected
    assert reply_info(window, 1).endswith(format_cost(expected))

    type_and_send(qtbot, window, "more")
    wait_idle(qtbot, window)
    second = reply_cost(PRICES, window.session.conversation[3].meta.usage)
    assert second is not None
    assert window.meter.cost_text.endswith(f"spent {format_cost(expected + second.total)}")
    plan = window.session.plan
    estimate = Decimal(plan.prompt_tokens) * Decimal("0.002")
    assert window.meter.cost_text.startswith(f"next ≈ {format_cost(estimate)}")
    assert "reserved tokens" in window.meter.view.toolTip()

    # Typing changes the estimate, not the total.
    window.composer.set_text("a longer draft " * 50)
    assert window.meter.cost_text != f"next ≈ {format_cost(estimate)}"

    # A new conversation has spent nothing.
    window.new_action.trigger()
    qtbot.waitUntil(lambda: window.session.plan is not None)
    assert window.meter.cost_text.endswith("spent $0")


def test_prices_are_set_in_their_dialog_and_kept_in_the_profile(qtbot, window, server):
    import json

    from PySide6.QtWidgets import QDialogButtonBox

    window.prices_action.trigger()
    dialog = window.prices_dialog
    assert dialog.isVisible()
    assert all(edit.text() == "" for edit in dialog.fields.values())  # empty by default
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.fields["input"].setText("abc")
    assert not ok.isEnabled()
    assert "Input: 'abc' is not a number" in dialog.problem.text()
    dialog.fields["input"].setText("2.50")
    dialog.fields["output"].setText("$10")
    assert ok.isEnabled()
    dialog.accept()
    profile = window.context.connections.profile("test")
    assert profile.deployment_prices() == Prices(Decimal("2.50"), None, Decimal("10"))
    saved = json.loads(window.context.settings_path.read_text())
    assert saved["profiles"][0]["prices"] == {"gpt-4o": {"input": "2.50", "output": "10"}}
    qtbot.waitUntil(lambda: window.meter.cost_text.startswith("next ≈ $"))
    # Emptied again: no cost shown.
    window.prices_action.trigger()
    for edit in window.prices_dialog.fields.values():
        edit.setText("")
    window.prices_dialog.accept()
    assert profile.deployment_prices() is None
    assert window.meter.cost_text == ""


def test_continue_keeps_the_first_parts_cost(qtbot, window, server):
    """The tester's case at gpt-4o's prices: `prompt 9 · completion 6 · $0.000082`, Continue,
    and the merged reply showed only the second request's `prompt 29 · completion 4 ·
    $0.00011` and "spent $0.00011"; both requests were billed."""
    gpt_4o = Prices(Decimal("2.50"), Decimal("1.25"), Decimal("10"))
    profile = window.context.connections.profile("test")
    profile.prices = {"gpt-4o": gpt_4o}
    window.refresh_profiles()
    qtbot.waitUntil(lambda: window.session.budget is not None)
    server.prompt_counter = None  # the usage the tester saw, as the service reported it
    server.enqueue(
        Reply(text="Cut at the length limit", finish_reason="length", prompt_tokens=9,
              completion_tokens=6),
        Reply(text=" and the rest.", prompt_tokens=29, completion_tokens=4, chunk_size=2,
              delay=0.1),
    )  # fmt: skip
    type_and_send(qtbot, window, "Tell me more")
    wait_idle(qtbot, window)
    first = reply_info(window, 1)
    assert "prompt 9 · completion 6 · " in first
    assert first.endswith(" · $0.000082")
    assert window.meter.cost_text.endswith("spent $0.000082")
    window.continue_action.trigger()
    reply = window.session.conversation[1]
    qtbot.waitUntil(lambda: len(reply.content) > len("Cut at the length limit"), timeout=5000)
    assert window.session.busy
    window.session.update_plan()  # the meter while the reply streams: "spent" dropped to $0
    assert window.meter.cost_text.endswith("spent $0.000082")
    wait_idle(qtbot, window)
    assert len(server.requests) == 2
    reply = window.session.conversation[1]
    assert reply.content == "Cut at the length limit and the rest."
    merged = reply_info(window, 1)
    assert "prompt 38 · completion 10 · 2 requests · " in merged
    both = Decimal("0.0000825") + Decimal("0.0001125")
    assert reply_cost(gpt_4o, reply.meta.usage).total == both
    assert merged.endswith(f" · {format_cost(both)}")
    assert window.meter.cost_text.endswith(f"spent {format_cost(both)}")
    assert [(p["prompt_tokens"], p["completion_tokens"]) for p in reply.meta.usage_parts] == [
        (9, 6), (29, 4)
    ]


def test_a_reply_made_with_another_profile_keeps_its_price(qtbot, window, server):
    # Reported: after the conversation moved to another connection profile, its earlier
    # replies were looked up in the new profile's prices, found none, and cost nothing.
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.service.secrets import Secret
    from tests.ui.conftest import KEY

    context = window.context
    context.connections.profile("test").prices = {"gpt-4o": PRICES}
    cheap = Prices(Decimal("100"), None, Decimal("400"))
    other = ConnectionProfile("other", "azure-v1", server.url, "mini", prices={"mini": cheap})
    context.settings.profiles.append(other)
    context.connections.secrets.set("other", Secret(KEY))
    window.refresh_profiles()
    qtbot.waitUntil(lambda: window.session.budget is not None)
    server.enqueue(Reply(text="hello there"))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    reply = window.session.conversation[1]
    cost = reply_cost(PRICES, reply.meta.usage)
    assert cost is not None
    assert reply.meta.profile == "test"
    window.profile_box.setCurrentText("other")
    assert window.session.conversation.profile == "other"
    qtbot.waitUntil(lambda: window.session.budget is not None)
    assert reply_info(window, 1).endswith(format_cost(cost.total))
    qtbot.waitUntil(lambda: window.meter.cost_text.endswith(f"spent {format_cost(cost.total)}"))
    assert window.meter.cost_text.startswith("next ≈ $")  # at the other profile's prices
