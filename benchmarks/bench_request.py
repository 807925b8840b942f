"""request_overhead: time to the first streamed token, chatdesk's service vs. the bare SDK.

Same loopback FakeAzure, same deployment, same body. The server runs in its own process
(`python -m tests.support.fake_azure`), as a real endpoint would: in this process its threads
would compete for the GIL with the client's, which has nothing to do with either client.
chatdesk: from `ChatService.prepare` (the real one, with the conversation's Budget) through
`ChatService.stream` to its first `ReplyDelta`. Baseline:
`openai.OpenAI(...).chat.completions.create(stream=True, **body)` to its first chunk with
content, with one client built once and reused, as an SDK user would. Runs alternate between
the two; the rest of each stream is read to the end outside the timing.

Measured twice: against a server that keeps connections open, as Azure does (the figure), and
against one that closes every connection, so that both sides connect for every request and the
ratio holds only the service's own cost (`new_connection_each`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace

from common import KEY, ROOT, gc_paused, log, ms, profile_for, ratio_result


@contextlib.contextmanager
def server_process(*, close_connections: bool = False) -> Iterator[SimpleNamespace]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extra = ["--close-connections"] if close_connections else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_azure", "--port", str(port),
         "--api-key", KEY, "--quiet", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ,
    )
    try:
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"the fake server did not start: {line!r}")
        url = line.split("listening on")[1].split()[0]
        yield SimpleNamespace(url=url, v1_base_url=url.rstrip("/") + "/openai/v1/")
    finally:
        proc.terminate()
        proc.wait(10)


def run(quick: bool) -> dict:
    runs = 21 if quick else 61
    # As against Azure: the server keeps connections open. chatdesk reuses its connection; the
    # synchronous SDK closes each stream's before reading the body's end, so it cannot.
    desk, base = measure(runs, close_connections=False)
    result = ratio_result("chatdesk", desk, "baseline", base, "<= 1.1", 1.1)
    result["overhead_ms"] = round(result["chatdesk_ms"] - result["baseline_ms"], 3)
    # Every connection closed by the server: both sides connect for every request, which
    # leaves the service's own cost (prepare, trimming plan, auth, Stop's guard) in the ratio.
    desk, base = measure(runs, close_connections=True)
    fresh = ratio_result("chatdesk", desk, "baseline", base, "<= 1.1", 1.1)
    result["new_connection_each"] = {
        "ratio": fresh["ratio"],
        "met": fresh["met"],
        "chatdesk_ms": fresh["chatdesk_ms"],
        "baseline_ms": fresh["baseline_ms"],
        "overhead_ms": round(fresh["chatdesk_ms"] - fresh["baseline_ms"], 3),
    }
    return result


def measure(runs: int, *, close_connections: bool) -> tuple[list[float], list[float]]:
    import openai

    from chatdesk.core.budget import Budget
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message
    from chatdesk.service.chat import ChatService
    from chatdesk.service.client import Credentials
    from chatdesk.service.events import ReplyDelta
    from chatdesk.service.secrets import MemorySecretStore, Secret

    with server_process(close_connections=close_connections) as server:
        profile = profile_for(server)
        store = MemorySecretStore()
        store.set(profile.name, Secret(KEY))
        service = ChatService(Credentials(store, env={}))
        conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4o")
        conv.append(Message("user", "What is the capital of France?"))
        budget = Budget(conv, model="gpt-4o")
        body = service.prepare(conv, profile, budget=budget).body
        client = openai.OpenAI(base_url=server.v1_base_url, api_key=KEY, max_retries=0)

        def chatdesk() -> float:
            start = time.perf_counter()
            prepared = service.prepare(conv, profile, budget=budget)
            events = service.stream(prepared)
            first = None
            for event in events:
                if first is None and isinstance(event, ReplyDelta):
                    first = time.perf_counter() - start
            assert first is not None
            return first

        def sdk() -> float:
            start = time.perf_counter()
            stream = client.chat.completions.create(**body)
            first = None
            for chunk in stream:
                if first is None and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - start
            assert first is not None
            return first

        for _ in range(3):  # warm-up: imports, first connections
            chatdesk()
            sdk()
        desk, base = [], []
        for i in range(runs):
            with gc_paused():
                if i % 2 == 0:
                    desk.append(chatdesk())
                    base.append(sdk())
                else:
                    base.append(sdk())
                    desk.append(chatdesk())
        log(f"request ({'new connection each' if close_connections else 'kept'}): "
            f"chatdesk {ms(sorted(desk)[runs // 2])} ms, sdk {ms(sorted(base)[runs // 2])} ms")
        client.close()
        budget.close()
        service.close()
    return desk, base
