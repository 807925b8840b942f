"""tiktoken encodings built from the rank files shipped inside the package.

tiktoken downloads its rank files on first use; that fails offline, on locked-down desktops and
in a frozen app's first launch. chatdesk ships the files (gzipped) as package data, checks the
same SHA-256 tiktoken checks, and builds the `Encoding` itself: nothing here touches a network.
Loading o200k takes a few hundred milliseconds, so the window calls this off the GUI thread.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from importlib import resources

import tiktoken

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

# The definitions of tiktoken_ext.openai_public, with the hashes tiktoken itself expects of the
# uncompressed files (a test checks they still agree with the installed tiktoken).
_SPECS: dict[str, dict[str, object]] = {
    "cl100k_base": {
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "pat_str": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
        "special_tokens": {
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
    },
    "o200k_base": {
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "pat_str": "|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        "special_tokens": {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
    },
}
ENCODING_NAMES = tuple(_SPECS)

_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}


class EncodingError(RuntimeError):
    """A shipped rank file is missing or damaged (a broken install, not a user error)."""


def read_ranks(name: str) -> dict[bytes, int]:
    """The BPE ranks of `name` from package data, after checking their SHA-256."""
    spec = _spec(name)
    resource = resources.files("chatdesk") / "data" / "encodings" / f"{name}.tiktoken.gz"
    try:
        raw = gzip.decompress(resource.read_bytes())
    except (OSError, EOFError) as exc:
        raise EncodingError(f"The token table {name} could not be read ({exc}).") from exc
    if hashlib.sha256(raw).hexdigest() != spec["sha256"]:
        raise EncodingError(f"The token table {name} is damaged (checksum mismatch); reinstall.")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def get_encoding(name: str) -> tiktoken.Encoding:
    """The encoding `name`, built once per process from the shipped files."""
    with _lock:
        if name not in _loaded:
            spec = _spec(name)
            _loaded[name] = tiktoken.Encoding(
                name,
                pat_str=str(spec["pat_str"]),
                mergeable_ranks=read_ranks(name),
                special_tokens=dict(spec["special_tokens"]),  # type: ignore[call-overload]
            )
        return _loaded[name]


def is_loaded(name: str) -> bool:
    return name in _loaded


def _spec(name: str) -> dict[str, object]:
    try:
        return _SPECS[name]
    except KeyError:
        raise EncodingError(f"Unknown encoding {name!r}.") from None
