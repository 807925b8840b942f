"""trim_speedup: count and trim a 500-message conversation to 4,096 tokens, 250 reserved.

The baseline is the seeds' loop (`tests/support/seed_reference.py`): `num_tokens_from_messages`
and `del conversation[1]` until it fits, recounting everything each time. chatdesk counts the
same fresh messages (no cached counts: new `Message` objects every run) with its `Budget`, whose
ledger keeps running sums, and plans with `TrimSettings(whole_turns=False)`, which trims exactly
as the seed does. Both use the same encoding object; the totals must be equal.
"""

from __future__ import annotations

from common import api_messages, gc_paused, log, ms, timed


def run(quick: bool) -> dict:
    from chatdesk.core.budget import Budget
    from chatdesk.core.conversation import Conversation, TrimSettings
    from chatdesk.core.encodings import get_encoding
    from chatdesk.core.messages import Message
    from tests.support.seed_reference import seed_trim

    limit, reserve = 4096, 250
    data = api_messages(500, seed=3, system="You are a helpful assistant.")
    encoding = get_encoding("o200k_base")

    def fresh() -> Conversation:
        conv = Conversation(system_prompt=data[0]["content"], model="gpt-4o")
        conv.trimming = TrimSettings(whole_turns=False, limit=limit)
        for m in data[1:]:
            conv.append(Message(m["role"], m["content"]))
        return conv

    seed_out: dict = {}
    desk_out: dict = {}

    def seed() -> None:
        kept, total = seed_trim(data, encoding, limit, reserve)
        seed_out.update(kept=len(kept), total=total)

    def chatdesk(conv: Conversation) -> None:
        budget = Budget(conv, model="gpt-4o")
        plan = budget.plan(limit=limit, reserve=reserve)
        budget.close()
        desk_out.update(kept=1 + len(plan.sent), total=plan.prompt_tokens)

    seed_runs, desk_runs = (3, 15) if quick else (7, 41)
    seed_times, desk_times = [], []
    for i in range(seed_runs):
        with gc_paused():
            seed_times.append(timed(seed))
        log(f"trim seed {i + 1}/{seed_runs}: {seed_times[-1] * 1000:.0f} ms")
    for _ in range(desk_runs):
        conv = fresh()  # building the messages is not counting: outside the timer
        with gc_paused():
            desk_times.append(timed(lambda c=conv: chatdesk(c)))
    assert desk_out["total"] == seed_out["total"], (desk_out, seed_out)
    assert desk_out["kept"] == seed_out["kept"], (desk_out, seed_out)
    from statistics import median

    speedup = median(seed_times) / median(desk_times)
    return {
        "ratio": round(speedup, 1),
        "target": ">= 100",
        "met": speedup >= 100,
        "chatdesk_ms": ms(median(desk_times)),
        "baseline_ms": ms(median(seed_times)),
        "runs": min(len(seed_times), len(desk_times)),
        "baseline_runs": len(seed_times),
        "chatdesk_runs": len(desk_times),
        "messages": len(data),
        "kept_messages": desk_out["kept"],
        "chatdesk_total_tokens": desk_out["total"],
        "baseline_total_tokens": seed_out["total"],
        "totals_equal": desk_out["total"] == seed_out["total"],
    }
