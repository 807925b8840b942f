import gzip
import hashlib
import random
import subprocess
import sys
from importlib import resources

import pytest
import tiktoken
import tiktoken_ext.openai_public as openai_public

from chatdesk.core import encodings
from chatdesk.core.messages import Message
from chatdesk.core.models import resolve_model
from chatdesk.core.text_tally import TARGET
from chatdesk.core.tokens import TokenCounter
from tests.support.seed_reference import num_tokens_from_messages

SEED = [
    Message("system", "Assistant is a large language model trained by OpenAI."),
    Message("user", "Who were the founders of Microsoft?"),
]


@pytest.fixture(scope="module", params=["o200k_base", "cl100k_base"])
def counter(request):
    return TokenCounter(request.param)


def test_seed_example_is_the_29_prompt_tokens_the_api_reported(counter):
    assert counter.count_prompt(SEED) == 29


def test_hand_checked_counts():
    o200k = TokenCounter("o200k_base")
    assert o200k.count_text("Hello, world!") == 4  # Hello , world !
    assert o200k.count_text("") == 0
    # 3 per message + "user" (1) + content; a name adds its tokens and 1 more.
    assert o200k.count_message(Message("user", "Hello")) == 3 + 1 + 1
    named = Message("system", "Hi", name="example_user")
    assert o200k.count_message(named) == 3 + 1 + 1 + o200k.count_text("example_user") + 1


@pytest.mark.parametrize("name", encodings.ENCODING_NAMES)
def test_shipped_encodings_equal_tiktokens_own_definition(name, monkeypatch):
    """Same ranks, pattern and special tokens as tiktoken_ext builds (fed our verified file)."""
    monkeypatch.setattr(
        openai_public, "load_tiktoken_bpe", lambda *a, **k: encodings.read_ranks(name)
    )
    official = getattr(openai_public, name)()
    ours = encodings.get_encoding(name)
    assert ours._pat_str == official["pat_str"]
    assert ours._special_tokens == official["special_tokens"]
    assert ours._mergeable_ranks == official["mergeable_ranks"]


@pytest.mark.parametrize("name", encodings.ENCODING_NAMES)
def test_shipped_file_hash_is_the_one_tiktoken_expects(name):
    source = __import__("inspect").getsource(getattr(openai_public, name))
    raw = gzip.decompress(
        (resources.files("chatdesk") / "data" / "encodings" / f"{name}.tiktoken.gz").read_bytes()
    )
    digest = hashlib.sha256(raw).hexdigest()
    assert digest in source


def test_damaged_table_is_refused(monkeypatch):
    monkeypatch.setitem(encodings._SPECS["cl100k_base"], "sha256", "0" * 64)
    with pytest.raises(encodings.EncodingError, match="damaged"):
        encodings.read_ranks("cl100k_base")


def test_counting_never_touches_the_network():
    """In a fresh process with tiktoken's downloader broken, counting still works."""
    code = (
        "import tiktoken.load as l\n"
        "def no(*a, **k): raise RuntimeError('network used')\n"
        "l.read_file = l.read_file_cached = no\n"
        "import socket\n"
        "socket.socket.connect = no\n"
        "from chatdesk.core.tokens import TokenCounter\n"
        "from chatdesk.core.messages import Message\n"
        "print(TokenCounter('o200k_base').count_prompt([Message('user', 'hi')]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(3 + 1 + 1 + 3)


@pytest.mark.parametrize(
    "text", ["<|endoftext|>", "<|im_start|>user\nhi<|im_end|>", "<|fim_prefix|>"]
)
def test_special_token_text_is_counted_as_ordinary_text(counter, text):
    expected = len(counter.encoding.encode(text, disallowed_special=()))
    assert counter.count_text(text) == expected > 1


def test_matches_the_seed_formula_on_random_messages(counter):
    rng = random.Random(7)
    words = ["hello", "world", "\n", "  ", "<|endoftext|>", "über", "42", "!!", "\n\n", "日本語"]
    for _ in range(50):
        msgs = [
            Message(rng.choice(["user", "assistant", "system"]),
                    "".join(rng.choice(words) for _ in range(rng.randint(0, 40))),
                    rng.choice([None, None, "example_user"]))
            for _ in range(rng.randint(1, 6))
        ]  # fmt: skip
        expected = num_tokens_from_messages([m.to_api() for m in msgs], counter.encoding)
        assert counter.count_prompt(msgs) == expected


def test_message_count_is_cached_until_content_changes(counter, monkeypatch):
    message = Message("user", "some words here")
    first = counter.count_message(message)
    calls = []
    real = counter.encoding.encode_ordinary
    monkeypatch.setattr(counter.encoding, "encode_ordinary", lambda t: calls.append(t) or real(t))
    assert counter.count_message(message) == first
    assert calls == []
    message.content += " and more"
    assert counter.count_message(message) > first
    assert calls == ["some words here and more"]


def _random_text(rng: random.Random, size: int) -> str:
    pieces = ["word", " ", "\n", "\n\n", "  \n", "x.\n", "/", "1", "23", "\t", "é", "_", "A", "'s",
              "!\n/", " \n a", "\r\n", "ü", "中文", "\u0301", "\n1", "\n_"]  # fmt: skip
    return "".join(rng.choice(pieces) for _ in range(size))


def test_paragraph_split_counting_is_exact(counter):
    """The draft counter splits long text at newlines before letters/digits: never off by one."""
    rng = random.Random(11)
    for _ in range(200):
        text = _random_text(rng, rng.randint(500, 1500))
        assert counter.count_draft(text) == len(counter.encoding.encode_ordinary(text))


def test_draft_typing_reencodes_only_the_changed_paragraph(counter, monkeypatch):
    paragraphs = [f"Paragraph {i} " + "lorem ipsum dolor sit amet " * 20 for i in range(30)]
    draft = "\n".join(paragraphs)
    counter.count_draft(draft)
    encoded = []
    real = counter.encoding.encode_ordinary
    monkeypatch.setattr(counter.encoding, "encode_ordinary", lambda t: encoded.append(t) or real(t))
    typed = draft + "x"
    assert counter.count_draft(typed) == len(real(typed))
    # About one ~1 KB span: short paragraphs are joined into spans of about TARGET characters.
    assert sum(map(len, encoded)) < TARGET + len(paragraphs[-1]) + 10


@pytest.mark.parametrize(
    ("name", "family", "exact"),
    [
        ("gpt-4o", "gpt-4o", True),
        ("gpt-4o-2024-08-06", "gpt-4o", True),
        ("GPT-4o-mini", "gpt-4o-mini", True),
        ("gpt-4.1", "gpt-4.1", True),
        ("gpt-5", "gpt-5", True),
        ("o3-mini", "o3-mini", True),
        ("o4-mini-2025-04-16", "o4-mini", True),
        ("gpt-35-turbo", "gpt-35-turbo", True),
        ("gpt-3.5-turbo-0613", "gpt-35-turbo", True),
        ("gpt-4", "gpt-4", True),
        ("gpt-4-0613", "gpt-4", True),
        ("gpt-4-32k", "gpt-4-32k", True),
        ("prod-chat", "gpt-4o", False),
        (None, "gpt-4o", False),
    ],
)
def test_model_names_map_to_families(name, family, exact):
    match = resolve_model(name)
    assert (match.family.key, match.exact) == (family, exact)
    assert match.label.endswith("(estimate)") != exact


def test_encodings_by_family():
    assert resolve_model("gpt-4o").family.encoding == "o200k_base"
    assert resolve_model("o1").family.encoding == "o200k_base"
    assert resolve_model("gpt-4-32k").family.encoding == "cl100k_base"
    assert resolve_model("gpt-35-turbo").family.encoding == "cl100k_base"


def test_unknown_deployment_uses_the_family_the_user_picked():
    match = resolve_model("my-deployment", fallback="gpt-4")
    assert (match.family.encoding, match.exact) == ("cl100k_base", False)


def test_encoding_is_tiktoken_compatible():
    assert isinstance(encodings.get_encoding("o200k_base"), tiktoken.Encoding)
