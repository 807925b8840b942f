"""Model families: which encoding counts their tokens, and their context and output limits.

An Azure deployment name is arbitrary ("prod-chat" can serve gpt-4o), so a name is matched by
its longest known prefix and an unknown one falls back to a family the user picks; the result
says whether the count is exact or an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

O200K = "o200k_base"
CL100K = "cl100k_base"


@dataclass(frozen=True)
class ModelFamily:
    """What chatdesk knows of a family of models: tokenizer, limits and parameters."""

    key: str
    encoding: str
    context_window: int
    max_output: int
    # o-series and gpt-5 take max_completion_tokens and reject max_tokens.
    uses_max_completion_tokens: bool = False
    # Reasoning models accept only the default temperature / top_p.
    fixed_sampling: bool = False


FAMILIES: dict[str, ModelFamily] = {
    f.key: f
    for f in (
        ModelFamily("gpt-4o", O200K, 128_000, 16_384),
        ModelFamily("gpt-4o-mini", O200K, 128_000, 16_384),
        ModelFamily("gpt-4.1", O200K, 1_047_576, 32_768),
        ModelFamily("gpt-4.1-mini", O200K, 1_047_576, 32_768),
        ModelFamily("gpt-4.1-nano", O200K, 1_047_576, 32_768),
        ModelFamily("gpt-5", O200K, 400_000, 128_000, True, True),
        ModelFamily("gpt-5-mini", O200K, 400_000, 128_000, True, True),
        ModelFamily("gpt-5-nano", O200K, 400_000, 128_000, True, True),
        ModelFamily("o1", O200K, 200_000, 100_000, True, True),
        ModelFamily("o1-mini", O200K, 128_000, 65_536, True, True),
        ModelFamily("o3", O200K, 200_000, 100_000, True, True),
        ModelFamily("o3-mini", O200K, 200_000, 100_000, True, True),
        ModelFamily("o4-mini", O200K, 200_000, 100_000, True, True),
        ModelFamily("gpt-35-turbo", CL100K, 16_385, 4_096),
        ModelFamily("gpt-35-turbo-16k", CL100K, 16_385, 4_096),
        ModelFamily("gpt-4", CL100K, 8_192, 4_096),
        ModelFamily("gpt-4-32k", CL100K, 32_768, 4_096),
        ModelFamily("gpt-4-turbo", CL100K, 128_000, 4_096),
    )
}
DEFAULT_FAMILY = "gpt-4o"
# OpenAI's own spellings of the same models.
_ALIASES = {"gpt-3.5-turbo": "gpt-35-turbo", "gpt-3.5-turbo-16k": "gpt-35-turbo-16k"}
# Longest first, so "gpt-4o-mini-2024" matches gpt-4o-mini before gpt-4o.
_PREFIXES = sorted(list(FAMILIES) + list(_ALIASES), key=len, reverse=True)


@dataclass(frozen=True)
class ModelMatch:
    """The family a model name resolved to."""

    family: ModelFamily
    exact: bool  # False: the name is unknown and `family` is the user's fallback

    @property
    def label(self) -> str:
        return self.family.key if self.exact else f"{self.family.key} (estimate)"


def resolve_model(name: str | None, fallback: str = DEFAULT_FAMILY) -> ModelMatch:
    """The family of a model or deployment name; unknown names get `fallback`, not exact."""
    key = (name or "").strip().lower()
    for prefix in _PREFIXES:
        if key == prefix or key.startswith(prefix + "-"):
            return ModelMatch(FAMILIES[_ALIASES.get(prefix, prefix)], exact=True)
    return ModelMatch(FAMILIES.get(fallback, FAMILIES[DEFAULT_FAMILY]), exact=False)
