"""The model catalog: what each model behind a deployment accepts, and its limits, as data.

An Azure deployment name is arbitrary ("chat-prod" can serve gpt-5), so a name is matched by
its longest known prefix ("gpt-4o-mini-2024-07-18" is gpt-4o-mini). For a name that says
nothing the user declares once which model the deployment serves (the profile's `model`);
only when nothing is known does a fallback apply, and then counts are labelled an estimate.

One row per model. The figures come from, unless a row's comment says otherwise:

- [models] https://learn.microsoft.com/azure/ai-foundry/openai/concepts/models
  (context window, max output, image input, per model and version)
- [reasoning] https://learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning
  (max_completion_tokens, no sampling parameters, developer/system messages, streaming,
  reasoning_effort and verbosity values)
- [vision] https://platform.openai.com/docs/guides/images-vision#calculating-costs
  (image tokens: base + tile tokens per 512-px tile, or 32-px patches times a multiplier)

`model_for` is the one function that answers "which model is this?" for a profile, a
deployment or a file; counting, trimming and the request builder all read its answer.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

O200K = "o200k_base"
CL100K = "cl100k_base"
MAX_TOKENS = "max_tokens"
MAX_COMPLETION_TOKENS = "max_completion_tokens"


class ImageRule(msgspec.Struct, frozen=True):
    """How the model counts an image. `tile` set: `base` + `tile` per 512-px tile after
    scaling (detail low: `base` alone). `multiplier` set: 32-px patches (at most 1536) times
    `multiplier`. `documented` False: the figures are assumed from the model's family."""

    base: int = 0
    tile: int = 0
    multiplier: float = 0.0
    documented: bool = True

    @property
    def patches(self) -> bool:
        return self.multiplier > 0


TILES_4O = ImageRule(85, 170)  # [vision] gpt-4o, gpt-4.1, gpt-4.5
TILES_4O_MINI = ImageRule(2833, 5667)  # [vision]
TILES_5 = ImageRule(70, 140)  # [vision] gpt-5, gpt-5-chat-latest
TILES_5_NEWER = ImageRule(70, 140, documented=False)  # gpt-5.x: not in [vision]; gpt-5's
TILES_O = ImageRule(75, 150)  # [vision] o1, o1-pro, o3
TILES_GPT4 = ImageRule(85, 170)  # gpt-4-turbo with vision: the original formula
PATCHES_162 = ImageRule(multiplier=1.62)  # [vision] gpt-4.1-mini, gpt-5-mini
PATCHES_246 = ImageRule(multiplier=2.46)  # [vision] gpt-4.1-nano, gpt-5-nano
PATCHES_172 = ImageRule(multiplier=1.72)  # [vision] o4-mini


class ModelInfo(msgspec.Struct, frozen=True):
    """What chatdesk knows of one model: tokenizer, limits and what its requests may hold.

    `instruction_roles` are the roles it accepts for instructions: ("system",) for chat
    models, both for the o-series and gpt-5 (system is treated as developer), () for o1-mini
    and o1-preview, which take neither (the system prompt goes into the first user turn).
    `max_input` caps the prompt alone where the window is shared with the output (gpt-5:
    272k in, 128k out, 400k in all)."""

    key: str
    encoding: str
    context_window: int
    max_output: int
    limit_param: str = MAX_TOKENS
    sampling: bool = True  # temperature, top_p, presence/frequency penalties, logit_bias
    instruction_roles: tuple[str, ...] = ("system",)
    streaming: bool = True
    image: ImageRule | None = None  # None: no image input
    reasoning_efforts: tuple[str, ...] = ()  # reasoning_effort values; () not settable
    verbosity: tuple[str, ...] = ()  # verbosity values; () not settable
    reasoning: bool = False  # spends completion tokens on hidden reasoning
    max_input: int | None = None
    chat_completions: bool = True  # False: served through the Responses API only

    @property
    def image_input(self) -> bool:
        return self.image is not None

    def request_limit(self, reserve: int) -> int:
        """The tokens a request's prompt and its reply's `reserve` must fit in together: the
        context window; for a model whose prompt alone is capped (`max_input`: gpt-5 reads at
        most 272,000 prompt tokens of its 400,000-token window, [models]) that cap plus the
        reserve, within the window (gpt-5 with the default 4,096 reserve: 276,096). The meter,
        Parameters' "Token limit" default and trimming all use this one rule."""
        if self.max_input is None:
            return self.context_window
        return min(self.context_window, self.max_input + reserve)

    def limits_text(self) -> str:
        """The model's limits in the words every view uses: "gpt-5: 400,000-token context
        window (prompt up to 272,000 tokens), replies up to 128,000 tokens." ([models])"""
        window = f"{self.context_window:,}-token context window"
        if self.max_input is not None:
            window += f" (prompt up to {self.max_input:,} tokens)"
        return f"{self.key}: {window}, replies up to {self.max_output:,} tokens."

    # The names the request builder and the panels used before the catalog.
    @property
    def uses_max_completion_tokens(self) -> bool:
        return self.limit_param == MAX_COMPLETION_TOKENS

    @property
    def fixed_sampling(self) -> bool:
        return not self.sampling

    @property
    def system_role(self) -> str | None:
        """The role the system prompt is sent as; None: folded into the first user turn."""
        if "system" in self.instruction_roles:
            return "system"
        return "developer" if "developer" in self.instruction_roles else None


ModelFamily = ModelInfo  # the name before the catalog

_LOW_HIGH = ("low", "medium", "high")
_GPT5_EFFORT = ("minimal", "low", "medium", "high")
_GPT51_EFFORT = ("none", "low", "medium", "high")
_GPT52_EFFORT = ("none", "low", "medium", "high", "xhigh")
_VERBOSITY = ("low", "medium", "high")
_BOTH = ("system", "developer")


def _reasoning(
    key: str,
    window: int,
    output: int,
    *,
    efforts: tuple[str, ...] = _LOW_HIGH,
    roles: tuple[str, ...] = _BOTH,
    image: ImageRule | None = None,
    streaming: bool = True,
    verbosity: tuple[str, ...] = (),
    max_input: int | None = None,
    chat_completions: bool = True,
) -> ModelInfo:
    return ModelInfo(
        key, O200K, window, output, MAX_COMPLETION_TOKENS, False, roles, streaming, image,
        efforts, verbosity, True, max_input, chat_completions,
    )  # fmt: skip


def _gpt5(key: str, image: ImageRule, efforts: tuple[str, ...], **kw: object) -> ModelInfo:
    # [models] gpt-5 family: 400,000 context = 272,000 input + 128,000 output.
    return _reasoning(
        key, 400_000, 128_000, efforts=efforts, image=image, verbosity=_VERBOSITY,
        max_input=272_000, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


CATALOG: dict[str, ModelInfo] = {
    m.key: m
    for m in (
        # gpt-4o: [models] 2024-11-20 / 2024-08-06 128k in, 16,384 out; 2024-05-13 4,096 out.
        ModelInfo("gpt-4o", O200K, 128_000, 16_384, image=TILES_4O),
        ModelInfo("gpt-4o-2024-05-13", O200K, 128_000, 4_096, image=TILES_4O),
        ModelInfo("gpt-4o-mini", O200K, 128_000, 16_384, image=TILES_4O_MINI),
        # gpt-4.1: [models] 1,047,576 context, 32,768 out.
        ModelInfo("gpt-4.1", O200K, 1_047_576, 32_768, image=TILES_4O),
        ModelInfo("gpt-4.1-mini", O200K, 1_047_576, 32_768, image=PATCHES_162),
        ModelInfo("gpt-4.1-nano", O200K, 1_047_576, 32_768, image=PATCHES_246),
        # gpt-4.5-preview: [models] 128k, 16,384 out.
        ModelInfo("gpt-4.5-preview", O200K, 128_000, 16_384, image=TILES_4O),
        # gpt-5 family: [models], [reasoning] (minimal..high effort, verbosity low..high).
        _gpt5("gpt-5", TILES_5, _GPT5_EFFORT),
        _gpt5("gpt-5-mini", PATCHES_162, _GPT5_EFFORT),
        _gpt5("gpt-5-nano", PATCHES_246, _GPT5_EFFORT),
        # gpt-5-codex: [models] 400k; Responses API only; effort low..high.
        _gpt5("gpt-5-codex", TILES_5_NEWER, _LOW_HIGH, chat_completions=False),
        # gpt-5-chat: [models] 128,000 in, 16,384 out; a chat model: sampling, system role,
        # no reasoning controls.
        ModelInfo("gpt-5-chat", O200K, 128_000, 16_384, MAX_COMPLETION_TOKENS, image=TILES_5),
        # gpt-5.1: [models], [reasoning] effort none (the default)..high.
        _gpt5("gpt-5.1", TILES_5_NEWER, _GPT51_EFFORT),
        _gpt5("gpt-5.1-codex", TILES_5_NEWER, _LOW_HIGH, chat_completions=False),
        _gpt5("gpt-5.1-codex-mini", TILES_5_NEWER, _LOW_HIGH, chat_completions=False),
        # gpt-5.1-chat / gpt-5.2-chat: [models] 128,000 in, 16,384 out; reasoning models
        # that reject temperature (effort: medium only).
        _reasoning("gpt-5.1-chat", 128_000, 16_384, efforts=("medium",), image=TILES_5_NEWER),
        # gpt-5.2: [models], [reasoning] effort none..xhigh.
        _gpt5("gpt-5.2", TILES_5_NEWER, _GPT52_EFFORT),
        _reasoning("gpt-5.2-chat", 128_000, 16_384, efforts=("medium",), image=TILES_5_NEWER),
        # o-series: [models], [reasoning]. o1 takes no stream on Azure; o1-mini and
        # o1-preview take neither a system nor a developer message, no images, no effort.
        _reasoning("o1", 200_000, 100_000, image=TILES_O, streaming=False),
        _reasoning("o1-mini", 128_000, 65_536, efforts=(), roles=(), streaming=False),
        _reasoning("o1-preview", 128_000, 32_768, efforts=(), roles=(), streaming=False),
        _reasoning("o3", 200_000, 100_000, image=TILES_O),
        _reasoning("o3-mini", 200_000, 100_000),
        # o3-pro: Responses API only, no streaming.
        _reasoning(
            "o3-pro", 200_000, 100_000, image=TILES_O, streaming=False, chat_completions=False
        ),
        _reasoning("o4-mini", 200_000, 100_000, image=PATCHES_172),
        # gpt-4 generation, cl100k: [models] (legacy). gpt-4-turbo 2024-04-09 takes images;
        # the dated previews 1106 / 0125 are 128k windows with 4,096 out, text only.
        ModelInfo("gpt-4-turbo", CL100K, 128_000, 4_096, image=TILES_GPT4),
        ModelInfo("gpt-4-1106-preview", CL100K, 128_000, 4_096),
        ModelInfo("gpt-4-0125-preview", CL100K, 128_000, 4_096),
        ModelInfo("gpt-4-turbo-preview", CL100K, 128_000, 4_096),
        ModelInfo("gpt-4-vision-preview", CL100K, 128_000, 4_096, image=TILES_GPT4),
        ModelInfo("gpt-4", CL100K, 8_192, 4_096),
        ModelInfo("gpt-4-32k", CL100K, 32_768, 4_096),
        ModelInfo("gpt-35-turbo", CL100K, 16_385, 4_096),
        ModelInfo("gpt-35-turbo-16k", CL100K, 16_385, 4_096),
    )
}
FAMILIES = CATALOG  # the name before the catalog
DEFAULT_MODEL = DEFAULT_FAMILY = "gpt-4o"
# OpenAI's own spellings of the same models.
_ALIASES = {
    "gpt-3.5-turbo": "gpt-35-turbo",
    "gpt-3.5-turbo-16k": "gpt-35-turbo-16k",
    "gpt-5-chat-latest": "gpt-5-chat",
    "gpt-5.1-chat-latest": "gpt-5.1-chat",
    "gpt-5.2-chat-latest": "gpt-5.2-chat",
    "chatgpt-4o-latest": "gpt-4o",
}
# Longest first, so "gpt-4o-mini-2024" matches gpt-4o-mini before gpt-4o.
_PREFIXES = sorted(list(CATALOG) + list(_ALIASES), key=len, reverse=True)


class ModelMatch(msgspec.Struct, frozen=True):
    """The model a name resolved to."""

    family: ModelInfo
    exact: bool  # False: no name was known and `family` is the fallback
    name: str | None = None  # the name that matched

    @property
    def info(self) -> ModelInfo:
        return self.family

    @property
    def label(self) -> str:
        return self.family.key if self.exact else f"{self.family.key} (estimate)"


def known_model(name: str | None) -> ModelInfo | None:
    """The catalog row a model or deployment name matches, or None."""
    key = (name or "").strip().lower()
    for prefix in _PREFIXES:
        if key == prefix or key.startswith(prefix + "-"):
            return CATALOG[_ALIASES.get(prefix, prefix)]
    return None


def match_model(names: Iterable[str | None], fallback: str | None = DEFAULT_MODEL) -> ModelMatch:
    """The first of `names` the catalog knows (exact), else `fallback` (an estimate).

    Pass the names in order of authority: the model the user declared for the deployment,
    then the deployment or file's model name."""
    for name in names:
        info = known_model(name)
        if info is not None:
            return ModelMatch(info, exact=True, name=name)
    info = known_model(fallback) or CATALOG[DEFAULT_MODEL]
    return ModelMatch(info, exact=False)


def resolve_model(name: str | None, fallback: str = DEFAULT_MODEL) -> ModelMatch:
    """The model of one name; unknown names get `fallback`, not exact."""
    return match_model([name], fallback)


def model_for(*names: str | None, fallback: str | None = DEFAULT_MODEL) -> ModelInfo:
    """The model behind a deployment: the first known of `names` (declared model first,
    then deployment name), else `fallback`'s. Profiles and deployments both ask this."""
    return match_model(names, fallback).family


def describe(match: ModelMatch) -> str:
    """One line on what chatdesk takes a deployment for, for the connection editor."""
    info = match.family
    kind = "reasoning model" if info.reasoning else "chat model"
    window = f"{info.context_window:,}-token window"
    if info.max_input is not None:  # as limits_text says it
        window += f" (prompt up to {info.max_input:,})"
    facts = [window, f"{info.max_output:,} out", kind]
    if not info.streaming:
        facts.append("no streaming")
    if not info.chat_completions:
        facts.append("Responses API only")
    text = f"{info.key}: " + ", ".join(facts)
    if not match.exact:
        return f"Unknown model; counted as {text} (an estimate). Name the model to be exact."
    return text
