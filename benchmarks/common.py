"""What every benchmark shares: statistics, the result shape, test data, a real window.

Nothing here copies chatdesk code: windows are the real `MainWindow` built on an `AppContext`
whose `ChatService` talks to the loopback `FakeAzure` of the tests, with the key in a memory
store (as `tests/ui/conftest.py` does).
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEY = "k3y-for-benchmarks-0123456789abcdef"

_WORD_TEXT = (
    "the a of to and in is it that for on with as was be by this are or from at an which "
    "model token context window reply stream request azure deployment endpoint latency "
    "conversation message system prompt example history limit reserve budget trimming "
    "python function return value list dictionary string parse file json error retry "
    "because however therefore although meanwhile usually rarely quickly carefully "
    "customer invoice refund policy account password settings network server client"
)
_WORDS = _WORD_TEXT.split()


def log(*parts: object) -> None:
    """Progress goes to stderr; stdout carries only the JSON result."""
    print("[bench]", *parts, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def ratio_result(
    name_a: str, a: list[float], name_b: str, b: list[float], target: str, limit: float,
    *, higher_is_better: bool = False, **extra: Any,
) -> dict[str, Any]:
    """{ratio, target, met, <a>_ms, <b>_ms, runs}: ratio is median(a) / median(b)."""
    ma, mb = median(a), median(b)
    ratio = ma / mb if mb > 0 else float("inf")
    met = ratio >= limit if higher_is_better else ratio <= limit
    return {
        "ratio": round(ratio, 3),
        "target": target,
        "met": met,
        f"{name_a}_ms": ms(ma),
        f"{name_b}_ms": ms(mb),
        "runs": min(len(a), len(b)),
        **extra,
    }


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the collector out of the timed region (it runs between samples instead)."""
    gc.collect(0)
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- data ------------------------------------------------------------------------------------
def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[:1].upper() + text[1:] + "."


def message_text(rng: random.Random, role: str) -> str:
    """A plausible message: user messages short, replies longer, some with a code block."""
    if role == "user":
        return " ".join(sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(1, 2)))
    paragraphs = [
        " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.randint(1, 3))
    ]
    if rng.random() < 0.15:
        paragraphs.append("```python\nvalue = compute(items)\nprint(value)\n```")
    return "\n\n".join(paragraphs)


_CODE_LINES = (
    "def total(items):", "    result = 0", "    for item in items:",
    "        if item.price > limit:", "            result += item.price * item.quantity",
    "    return round(result, 2)", "", "print(total(load_invoices(\"2024.json\")))",
)  # fmt: skip


def reply_with_code(size: int, seed: int = 3) -> str:
    """A Markdown reply of at least `size` characters, as a model writes a long answer:
    paragraphs, a list, and a highlighted Python block every ~1.2 KB (169 in 200 KB)."""
    rng = random.Random(seed)
    parts: list[str] = []
    length, n = 0, 0
    while length < size:
        n += 1
        unit = [
            " ".join(sentence(rng, rng.randint(10, 20)) for _ in range(5)),
            "\n".join(f"- {sentence(rng, rng.randint(4, 9))}" for _ in range(3)),
            "```python\n" + "\n".join(_CODE_LINES[: rng.randint(5, 8)]) + f"\n# step {n}\n```",
            " ".join(sentence(rng, rng.randint(12, 24)) for _ in range(2)),
        ]
        text = "\n\n".join(unit) + "\n\n"
        parts.append(text)
        length += len(text)
    return "".join(parts)


def paste_code(size: int) -> str:
    """About `size` characters of Python source, as pasted from a file."""
    lines = []
    length, i = 0, 0
    while length < size:
        line = _CODE_LINES[i % len(_CODE_LINES)].replace("total", f"total_{i // 8}")
        lines.append(line)
        length += len(line) + 1
        i += 1
    return "\n".join(lines)


def prose_text(size: int, seed: int = 5) -> str:
    """About `size` characters of prose: paragraphs of 3-8 sentences, as a pasted document."""
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < size:
        paragraph = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(3, 8)))
        out.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(out)


def words_text(size: int, seed: int = 5) -> str:
    """`size` characters of words and spaces, on one line."""
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(_WORDS)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:size].rstrip()


def api_messages(n: int, seed: int = 7, system: str | None = None) -> list[dict[str, str]]:
    """n Chat Completions messages alternating user/assistant (after an optional system one)."""
    rng = random.Random(seed)
    out = [{"role": "system", "content": system}] if system is not None else []
    for i in range(n - len(out)):
        role = "user" if i % 2 == 0 else "assistant"
        out.append({"role": role, "content": message_text(rng, role)})
    return out


def history(n: int, seed: int = 7) -> list:
    from chatdesk.core.messages import Message

    return [Message(m["role"], m["content"]) for m in api_messages(n, seed)]


def history_of_tokens(tokens: int, seed: int = 11) -> list:
    """Alternating messages whose prompt share adds up to about `tokens` (o200k_base)."""
    from chatdesk.core.messages import Message
    from chatdesk.core.tokens import TokenCounter

    counter = TokenCounter("o200k_base")
    rng = random.Random(seed)
    out, total, i = [], 0, 0
    while total < tokens:
        role = "user" if i % 2 == 0 else "assistant"
        message = Message(role, message_text(rng, role))
        total += counter.message_cost(message.role, message.content)
        out.append(message)
        i += 1
    if out[-1].role != "assistant":  # end on a reply: the draft is the next question
        out.append(Message("assistant", "Done."))
    return out


# -- the real window -------------------------------------------------------------------------
def prompt_counter() -> Callable[[list[dict]], int]:
    from chatdesk.core.messages import Message
    from chatdesk.core.tokens import TokenCounter

    counter = TokenCounter("o200k_base")

    def count(messages: list[dict]) -> int:
        return counter.count_prompt(
            [Message(m["role"], m.get("content") or "", m.get("name")) for m in messages]
        )

    return count


def fake_server():
    from tests.support.fake_azure import FakeAzure

    return FakeAzure(api_key=KEY, prompt_counter=prompt_counter())


def profile_for(server):
    from chatdesk.core.profiles import ConnectionProfile

    return ConnectionProfile(
        name="bench", kind="azure-v1", endpoint=server.url, deployment="gpt-4o"
    )


def app_context(server):
    """The context a returning user's window has: one profile, its key in the store."""
    from chatdesk.core.settings import Settings
    from chatdesk.service.chat import ChatService
    from chatdesk.service.connections import Connections
    from chatdesk.service.secrets import MemorySecretStore, Secret
    from chatdesk.ui.context import AppContext

    profile = profile_for(server)
    settings = Settings(profiles=[profile], active_profile=profile.name)
    store = MemorySecretStore()
    store.set(profile.name, Secret(KEY))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(connections.credentials)
    home = Path(os.environ["CHATDESK_HOME"])
    return AppContext(settings, connections, service, settings_path=home / "settings.json")


def qt_app():
    from chatdesk.ui.app import make_app

    return make_app()


def pump(app, seconds: float = 0.0) -> None:
    app.processEvents()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()


def wait_until(app, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("condition not reached in time")
        app.processEvents()
        time.sleep(0.001)


def make_window(context, size: tuple[int, int] = (1180, 780)):
    """The real MainWindow, shown offscreen, with its blank conversation counted."""
    from chatdesk.ui.main_window import MainWindow

    app = qt_app()
    window = MainWindow(context)
    window.open_paths([])
    window.resize(*size)
    window.show()
    wait_until(app, lambda: window.session is not None and window.session.budget is not None)
    pump(app, 0.05)
    return window


def close_window(window) -> None:
    for session in window.sessions:
        session.set_modified(False)
        session.shutdown()
    window.hide()
    window.deleteLater()
    qt_app().processEvents()
