""" "View code": the conversation as a runnable Python script using the openai package.

The script is written the way the Azure OpenAI documentation writes it (the client for the
profile's kind, then ``client.chat.completions.create``), and its request is `request_bodies`',
so it sends exactly what chatdesk would, trimming included. It never holds a key: the key is
read from an environment variable, or Entra ID signs in through azure-identity.
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec.structs

from chatdesk.core.choices import Api
from chatdesk.core.clouds import PUBLIC
from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import DeploymentNote
from chatdesk.core.messages import Message
from chatdesk.core.models import DEFAULT_FAMILY, match_model
from chatdesk.core.profiles import (
    ConnectionProfile,
    Target,
    check_endpoint,
    looks_like_env_name,
    target_for,
)
from chatdesk.core.responses_request import api_of, request_bodies, unsent_for
from chatdesk.core.sending import left_out
from chatdesk.core.trimming import TrimPlan

PLACEHOLDER_BASE_URL = "https://YOUR-RESOURCE-NAME.openai.azure.com/openai/v1/"
PLACEHOLDER_AZURE_ENDPOINT = "https://YOUR-RESOURCE-NAME.openai.azure.com/"
PLACEHOLDER_DEPLOYMENT = "YOUR-DEPLOYMENT-NAME"
AZURE_KEY_ENV = "AZURE_OPENAI_API_KEY"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
ENTRA_SCOPE = PUBLIC.scope  # the public cloud's; a profile's own comes from core/clouds.py
_INDENT = "    "


def python_snippet(
    conv: Conversation,
    profile: ConnectionProfile | None,
    plan: TrimPlan | None = None,
    *,
    draft: str = "",
    note: DeploymentNote | None = None,
) -> str:
    """The script. `plan` limits the history to what the next request sends (all without one);
    a non-blank `draft` is added as the final user message, as Send would; `note` is what the
    deployment taught (the request is written as chatdesk would send it)."""
    if draft.strip():
        conv = _with_draft(conv, draft)
        if plan is not None:
            plan = _extend(plan, len(conv))
    model = (profile.deployment.strip() if profile is not None else "") or PLACEHOLDER_DEPLOYMENT
    if profile is not None:
        match = profile.model_match(conv.model)
    else:
        match = match_model([conv.model, model], DEFAULT_FAMILY)
    family = match.family
    api = api_of(conv, profile.api if profile is not None else Api.CHAT, family)
    plan = _current(plan, conv)
    given: dict[str, Any] = {"model": model, "family": family, "exact": match.exact}
    body = request_bodies(api, conv, plan, stream=False, **given)[0]  # as chatdesk sends it
    if note is not None:
        body = note.apply(body)

    lines = ['"""' + _docstring(profile, api) + '"""', ""]
    lines += [f"# {line}" for line in unsent_for(conv, family, match.exact, api)]
    lines += _client_lines(profile)
    if api == Api.RESPONSES:
        lines += ["", "response = client.responses.create("]
        lines.append(f"{_INDENT}model={_literal(body.pop('model'))},")
        if "instructions" in body:
            lines.append(f"{_INDENT}instructions={_literal(body.pop('instructions'))},")
        lines.append(f"{_INDENT}input={_messages_literal(body.pop('input'), _INDENT)},")
    else:
        lines += ["", "response = client.chat.completions.create("]
        lines.append(f"{_INDENT}model={_literal(body.pop('model'))},")
        lines.append(f"{_INDENT}messages={_messages_literal(body.pop('messages'), _INDENT)},")
    has_tools = "tools" in body
    lines += [f"{_INDENT}{key}={_literal(value)}," for key, value in body.items()]
    if profile is not None and _key_in_header(profile):
        # The key travels in api-key alone; the SDK would otherwise send it as a Bearer too.
        lines.append(f'{_INDENT}extra_headers={{"Authorization": Omit()}},')
    if api == Api.RESPONSES:
        lines += [")", "", *_RESPONSES_OUTPUT]
        lines.append("")
        return "\n".join(lines)
    lines += [")", "", "print(response.choices[0].message.content)"]
    if has_tools:  # the reply may be a tool call: shown, for the script's own code to run
        lines += [
            "for call in response.choices[0].message.tool_calls or []:",
            f"{_INDENT}print(call.function.name, call.function.arguments)",
        ]
    lines.append("")
    return "\n".join(lines)


# A Responses API reply: its reasoning summary (when asked for), its text, its function calls.
_RESPONSES_OUTPUT = [
    "for item in response.output:",
    f'{_INDENT}if item.type == "reasoning":',
    f"{_INDENT * 2}for part in item.summary:",
    f'{_INDENT * 3}print("Reasoning:", part.text)',
    f'{_INDENT}elif item.type == "function_call":',
    f"{_INDENT * 2}print(item.name, item.arguments)",
    "print(response.output_text)",
]


def messages_literal(messages: list[dict[str, Any]]) -> str:
    """A Python list literal of the messages, one dict per line (multi-line texts split)."""
    return _messages_literal(messages, "")


# -- the client ------------------------------------------------------------------------------
def _docstring(profile: ConnectionProfile | None, api: str = Api.CHAT) -> str:
    what = "a Responses API" if api == Api.RESPONSES else "a Chat Completions"
    if profile is None:
        return (
            f"A chatdesk conversation as {what} request.\n\n"
            f"Replace the endpoint and deployment placeholders and set {AZURE_KEY_ENV}.\n"
            "Needs: pip install openai\n"
        )
    if profile.auth == "entra":
        how = "Signs in with Microsoft Entra ID (az login, or any DefaultAzureCredential source)."
        needs = "openai azure-identity"
    else:
        how = f"Reads the key from the {_key_env(profile)} environment variable."
        needs = "openai"
    return (
        f"A chatdesk conversation as {what} request.\n\n"
        f"{how}\nNeeds: pip install {needs}\n"
    )


def _key_env(profile: ConnectionProfile) -> str:
    # A key_env that looks like a pasted key is never written out.
    if profile.key_env and looks_like_env_name(profile.key_env):
        return profile.key_env
    return OPENAI_KEY_ENV if profile.kind == "openai-compatible" else AZURE_KEY_ENV


def _target(profile: ConnectionProfile) -> tuple[Target, str | None]:
    """How the profile's client is built, or a placeholder one and why it cannot be.

    The raw text is never echoed on failure: a pasted URL can carry a key in its query.
    """
    result = check_endpoint(profile.kind, profile.endpoint, sends_secret=False)
    if result.ok:
        return target_for(profile.kind, result.url, profile.api_version, profile.deployment), None
    if profile.kind == "azure-api-version":
        placeholder = Target(
            "AzureOpenAI",
            "",
            azure_endpoint=PLACEHOLDER_AZURE_ENDPOINT,
            api_version=profile.api_version,
        )
    else:
        placeholder = Target("OpenAI", "", base_url=PLACEHOLDER_BASE_URL)
    return placeholder, result.error


def _key_in_header(profile: ConnectionProfile) -> bool:
    """A key sent as `api-key` by the OpenAI class (AzureOpenAI does that by itself)."""
    if profile.auth == "entra" or profile.sends_key_as() != "api-key":
        return False
    return _target(profile)[0].client == "OpenAI"


def header_env(name: str) -> str:
    """The environment variable View code reads a secret header's value from."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "HEADER_VALUE"


def _client_lines(profile: ConnectionProfile | None) -> list[str]:
    if profile is None:
        return [
            "import os",
            "",
            "from openai import OpenAI",
            "",
            "client = OpenAI(",
            f"{_INDENT}base_url={_literal(PLACEHOLDER_BASE_URL)},",
            f'{_INDENT}api_key=os.getenv("{AZURE_KEY_ENV}"),',
            ")",
        ]
    entra = profile.auth == "entra"
    target, problem = _target(profile)
    azure_class = target.client == "AzureOpenAI"
    key_in_header = _key_in_header(profile)
    bearer_key = not entra and profile.sends_key_as() == "bearer" and azure_class
    headers = [(_literal(k), _literal(v)) for k, v in profile.headers.items()]
    headers += [
        (_literal(name), f'os.getenv("{header_env(name)}")') for name in profile.secret_headers
    ]
    if key_in_header:
        headers.append(('"api-key"', f'os.getenv("{_key_env(profile)}")'))
    uses_os = not entra or bool(profile.secret_headers)
    lines: list[str] = ["import os", ""] if uses_os else []
    if entra:
        lines.append("from azure.identity import DefaultAzureCredential, get_bearer_token_provider")
    names = ["AzureOpenAI" if azure_class else "OpenAI"] + (["Omit"] if key_in_header else [])
    lines += [f"from openai import {', '.join(sorted(names))}", ""]
    if entra:
        cloud = profile.azure_cloud()
        authority = "" if cloud.name == "public" else f"authority={_literal(cloud.authority)}"
        lines += [
            "token_provider = get_bearer_token_provider(",
            f"{_INDENT}DefaultAzureCredential({authority}), {_literal(profile.scope())}",
            ")",
            "",
        ]
    if problem is not None:
        lines.append(f"# Replace the endpoint: {_comment(problem)}")
    if entra:
        credential = ("azure_ad_token_provider" if azure_class else "api_key", "token_provider")
    elif bearer_key:
        credential = ("azure_ad_token", f'os.getenv("{_key_env(profile)}")')
    elif key_in_header:
        credential = ("api_key", '"unused"')
    else:
        credential = ("api_key", f'os.getenv("{_key_env(profile)}")')
    lines.append(f"client = {names[0]}(")
    if azure_class:
        lines.append(f"{_INDENT}api_version={_literal(target.api_version)},")
    if target.azure_endpoint is not None:
        lines.append(f"{_INDENT}azure_endpoint={_literal(target.azure_endpoint)},")
    else:
        lines.append(f"{_INDENT}base_url={_literal(target.base_url)},")
    lines.append(f"{_INDENT}{credential[0]}={credential[1]},")
    if target.default_query:
        lines.append(f"{_INDENT}default_query={_literal(target.default_query)},")
    if headers:
        items = ", ".join(f"{k}: {v}" for k, v in headers)
        lines.append(f"{_INDENT}default_headers={{{items}}},")
    lines.append(")")
    return lines


def _comment(text: str) -> str:
    # Any line break would end the comment and turn the rest into code.
    return " ".join(text.split())


# -- the request -----------------------------------------------------------------------------
def _with_draft(conv: Conversation, draft: str) -> Conversation:
    copy = Conversation(
        conv.system_prompt,
        examples=conv.examples,
        history=[*conv.history, Message("user", draft)],
        params=conv.params,
        trimming=conv.trimming,
        profile=conv.profile,
        model=conv.model,
        title=conv.title,
    )
    copy.system_name = conv.system_name
    copy.request_extra = conv.request_extra
    system = conv.system_message()
    if system is not None:
        copy.set_system_message(system)
    return copy


def _extend(plan: TrimPlan, history_len: int) -> TrimPlan:
    return msgspec.structs.replace(plan, history_len=history_len)


def _current(plan: TrimPlan | None, conv: Conversation) -> TrimPlan:
    """The plan's start applied to the history as it is now (a reply may have arrived since)."""
    history_len = len(conv)
    if plan is None:  # the whole history, but what the rule for failed turns leaves out
        return TrimPlan(
            "tokens", 0, 0, 0, 0, 0, history_len, 0, True, left_out=left_out(conv.messages())
        )
    return _extend(plan, history_len) if plan.history_len != history_len else plan


# -- literals --------------------------------------------------------------------------------
def _messages_literal(messages: list[dict[str, Any]], indent: str) -> str:
    if not messages:
        return "[]"
    inner = indent + _INDENT
    rows = [f"{inner}{_message_literal(m, inner)}," for m in messages]
    return "[\n" + "\n".join(rows) + f"\n{indent}]"


def _message_literal(message: dict[str, Any], indent: str) -> str:
    parts = []
    for key, value in message.items():
        if key == "content" and isinstance(value, str) and "\n" in value.rstrip("\n"):
            parts.append(f"{_str(key)}: {_multiline(value, indent)}")
        else:
            parts.append(f"{_str(key)}: {_literal(value)}")
    return "{" + ", ".join(parts) + "}"


def _multiline(text: str, indent: str) -> str:
    # Adjacent literals, one per line of the text: readable, and still exactly the text.
    inner = indent + _INDENT
    pieces = [f"{inner}{_str(line)}" for line in text.splitlines(keepends=True)]
    return "(\n" + "\n".join(pieces) + f"\n{indent})"


def _str(text: str) -> str:
    """A Python string literal of `text`, double-quoted like Microsoft's samples where it can be.

    repr() escapes everything a source file cannot hold literally (control characters, line
    separators, lone surrogates), so the literal is exact whatever the text holds.
    """
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        # repr chose single quotes only because there were none of either kind to avoid.
        return '"' + literal[1:-1] + '"'
    return literal


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return f'float("{value}")'
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_literal(k)}: {_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as a Python literal")
