"""What chatdesk learned about a deployment from the service itself, and its time limits.

A deployment's name need not say which model it serves, and a model's rules change with API
versions, so when Azure answers 400 that a parameter, a value, a role or streaming is not
supported, the request is adjusted and sent once more (`adjust`), and the adjustment is
remembered per deployment (`DeploymentNote`, kept in the settings file, never in a
conversation) so that the next request is right the first time (`DeploymentNote.apply`).

The 400s this reads are Azure's OpenAI-style bodies, for example
``{"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model.
Use 'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens",
"code": "unsupported_parameter"}}``, and the older ``Unrecognized request argument supplied: X``.
The Responses API nests two of those parameters (`reasoning: {effort}`, `text: {verbosity}`)
and its refusals name them by their path ("param": "reasoning.effort"): a note knows each by
its one name (`NESTED`), so what either API taught holds for both, and Parameters offers it.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec.structs import replace

from chatdesk.core.patterns import LazyPattern

if TYPE_CHECKING:
    from chatdesk.core.profiles import ConnectionProfile

SYSTEM_ROLES = ("system", "developer")
LIMIT_PARAMS = ("max_tokens", "max_completion_tokens")
# Seconds without a byte from the service before a request counts as dead. A chat model
# streams something every few hundred ms; a reasoning model may think for minutes before its
# first byte (o3-pro and high reasoning effort: several minutes).
READ_TIMEOUT = 60.0
REASONING_READ_TIMEOUT = 600.0
# The whole request, first byte to last, whatever trickles in between.
REQUEST_DEADLINE = 1200.0

_ROLE_PARAM = LazyPattern(r"^messages\[(\d+)\]\.role$")
_QUOTED = LazyPattern(r"'([^']+)'")
_UNRECOGNIZED = LazyPattern(r"Unrecognized request argument supplied: ([A-Za-z_]+)")
# "Supported values are: 'low', 'medium'." (and "..., and 'high'."): the values quoted after it.
_SUPPORTED = LazyPattern(r"Supported values are:?(.*)$")
# Parameters the Responses API takes nested (core/responses_request.py): name -> its path.
NESTED = {"reasoning_effort": ("reasoning", "effort"), "verbosity": ("text", "verbosity")}
_BY_PATH = {".".join(path): name for name, path in NESTED.items()}


def parameter_name(param: str) -> str:
    """The parameter's one name: a Responses refusal's "reasoning.effort" is "reasoning_effort"."""
    return _BY_PATH.get(param, param)


def parameters(body: dict[str, Any]) -> dict[str, Any]:
    """The fields of request `body`, with the nested parameters of a Responses body under
    their one names too (`NESTED`): what a note's rules read."""
    out = dict(body)
    for name, (outer, inner) in NESTED.items():
        group = body.get(outer)
        if isinstance(group, dict) and inner in group:
            out.setdefault(name, group[inner])
    return out


def _leave_out(body: dict[str, Any], name: str) -> None:
    """Take parameter `name` out of `body` (a copy the caller owns), nested or not; a group
    left empty goes too (`reasoning: {}` says nothing)."""
    body.pop(name, None)
    outer, inner = NESTED.get(name, ("", ""))
    group = body.get(outer)
    if isinstance(group, dict) and inner in group:
        rest = {k: v for k, v in group.items() if k != inner}
        if rest:
            body[outer] = rest
        else:
            del body[outer]


class Rejection(msgspec.Struct, frozen=True):
    """What a 400 said is not supported: `param` (e.g. "temperature", "messages[0].role",
    "stream"), the rejected `value` when it was a value, and whether only the default value is
    accepted (sampling parameters of reasoning models)."""

    param: str
    value: str | None = None
    only_default: bool = False
    instead: str | None = None  # "Use 'max_completion_tokens' instead."
    supported: tuple[str, ...] = ()  # "Supported values are: 'low', 'medium'."


def read_rejection(code: str | None, param: str | None, message: str) -> Rejection | None:
    """The unsupported thing a 400's `error.code`, `error.param` and `error.message` name, or
    None when the 400 is about something else."""
    if code not in ("unsupported_parameter", "unsupported_value"):
        found = _UNRECOGNIZED.search(message)
        return Rejection(found.group(1)) if found else None
    quoted = _QUOTED.findall(message)
    name = param or (quoted[0] if quoted else None)
    if not name:
        return None
    name = parameter_name(name)
    value = None
    if code == "unsupported_value":
        # "Unsupported value: 'messages[0].role' does not support 'system' with this model."
        found = re.search(r"does not support (\S+?) with", message)
        value = found.group(1).strip("'\"") if found else None
    instead = re.search(r"Use '([^']+)' instead", message)
    listed = _SUPPORTED.search(message) if value is not None else None
    return Rejection(
        name,
        value,
        only_default="only the default" in message.lower(),
        instead=instead.group(1) if instead else None,
        supported=tuple(_QUOTED.findall(listed.group(1))) if listed else (),
    )


class DeploymentNote(msgspec.Struct):
    """What one deployment takes, as learned from its answers, and its time limit.

    JSON: {"limit_param": "max_completion_tokens", "dropped": ["temperature"],
    "system_role": "developer" | "user", "stream": false, "read_timeout": 300,
    "values": {"reasoning_effort": ["low", "medium"]}}
    (`system_role` "user": the system prompt is folded into the first user turn; `values`:
    the only values a parameter takes, as the service listed them when it refused another).
    """

    limit_param: str | None = None
    dropped: list[str] = msgspec.field(default_factory=list)
    system_role: str | None = None
    stream: bool | None = None
    read_timeout: float | None = None  # seconds; None: the model's default
    values: dict[str, list[str]] = msgspec.field(default_factory=dict)

    def is_empty(self) -> bool:
        return self == DeploymentNote()

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """`body` as this deployment takes it (a new dict; the messages copied if changed)."""
        out = dict(body)
        if self.limit_param in LIMIT_PARAMS:
            other = LIMIT_PARAMS[1 - LIMIT_PARAMS.index(self.limit_param)]
            if other in out:
                out[self.limit_param] = out.pop(other)
        for name in self.dropped:
            _leave_out(out, name)
        for name, taken in self.values.items():  # a value the service said it does not take
            sent = parameters(out)
            if name in sent and sent[name] not in taken:
                _leave_out(out, name)
        if self.stream is False:
            out.pop("stream", None)
            out.pop("stream_options", None)
        if self.system_role in ("system", "developer", "user") and "messages" in out:
            out["messages"] = _with_system_role(out["messages"], self.system_role)
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.limit_param is not None:
            out["limit_param"] = self.limit_param
        if self.dropped:
            out["dropped"] = list(self.dropped)
        if self.system_role is not None:
            out["system_role"] = self.system_role
        if self.stream is not None:
            out["stream"] = self.stream
        if self.read_timeout is not None:
            out["read_timeout"] = self.read_timeout
        if self.values:
            out["values"] = {name: list(taken) for name, taken in sorted(self.values.items())}
        return out

    def not_taken(self, name: str, value: Any, deployment: str) -> str | None:
        """Why the request leaves parameter `name` set to `value` out, as learned from the
        deployment's answers ("gpt-5 does not take stop: not sent."), or None when it is
        sent. The one rule `apply` follows, in words for Parameters and "What will be sent"."""
        if value is None or value == [] or name in ("model", "messages"):
            return None
        if name in self.dropped:
            return f"{deployment} does not take {name}: not sent."
        taken = self.values.get(name)
        if taken is not None and value not in taken:
            return f"{deployment} takes {name} {_either(taken)}: {_shown(value)} is not sent."
        return None

    def left_out(self, body: dict[str, Any], deployment: str) -> list[str]:
        """One line per parameter of `body` that `apply` leaves out, and why."""
        sent = parameters(body)
        lines = [why for k, v in sent.items() if (why := self.not_taken(k, v, deployment))]
        if self.stream is False and body.get("stream"):
            lines.append(
                f"{deployment} does not stream replies: asked for the whole reply at once."
            )
        return lines

    @classmethod
    def from_json(cls, data: Any) -> DeploymentNote:
        """Raises ValueError naming the field that is wrong."""
        if not isinstance(data, dict):
            raise ValueError("must be an object")
        limit = data.get("limit_param")
        if limit is not None and limit not in LIMIT_PARAMS:
            raise ValueError(f"limit_param must be one of {', '.join(LIMIT_PARAMS)}")
        dropped = data.get("dropped", [])
        if not isinstance(dropped, list) or not all(isinstance(d, str) for d in dropped):
            raise ValueError("dropped must be a list of parameter names")
        role = data.get("system_role")
        if role is not None and role not in ("system", "developer", "user"):
            raise ValueError("system_role must be system, developer or user")
        stream = data.get("stream")
        if stream is not None and not isinstance(stream, bool):
            raise ValueError("stream must be true or false")
        timeout = data.get("read_timeout")
        if timeout is not None and not _positive_seconds(timeout):
            raise ValueError("read_timeout must be a number of seconds between 1 and 86400")
        values = data.get("values", {})
        if not isinstance(values, dict) or not all(
            isinstance(v, list) and v and all(isinstance(x, str) for x in v)
            for v in values.values()
        ):
            raise ValueError("values must map parameter names to lists of the values taken")
        return cls(
            limit,
            list(dropped),
            role,
            stream,
            float(timeout) if timeout else None,
            {str(k): list(v) for k, v in values.items()},
        )


def _positive_seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value <= 86_400


def valid_seconds(value: Any) -> bool:
    """Whether `value` is a usable time limit in seconds (1 s to a day)."""
    return _positive_seconds(value)


def _with_system_role(messages: list[Any], role: str) -> list[Any]:
    if role in SYSTEM_ROLES:
        return [
            {**m, "role": role} if isinstance(m, dict) and m.get("role") in SYSTEM_ROLES else m
            for m in messages
        ]
    # Neither role is taken: the instructions lead the first user turn instead.
    texts = [
        _text(m.get("content"))
        for m in messages
        if isinstance(m, dict) and m.get("role") in SYSTEM_ROLES
    ]
    rest = [m for m in messages if not (isinstance(m, dict) and m.get("role") in SYSTEM_ROLES)]
    instructions = "\n\n".join(t for t in texts if t)
    if not instructions:
        return rest
    for i, message in enumerate(rest):
        if isinstance(message, dict) and message.get("role") == "user":
            folded = dict(message)
            content = message.get("content")
            if isinstance(content, list):  # content parts: the instructions as the first part
                folded["content"] = [
                    {"type": "text", "text": instructions},
                    *copy.deepcopy(content),
                ]
            else:
                folded["content"] = f"{instructions}\n\n{content or ''}".rstrip()
            rest[i] = folded
            return rest
    return [{"role": "user", "content": instructions}, *rest]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


class Adjustment(msgspec.Struct, frozen=True):
    """One change made after a 400: the note to remember, and the line that tells the user."""

    note: DeploymentNote
    said: str  # one line, e.g. "chat-prod does not take temperature: sent without it."
    remember: bool = True  # False: a value-specific fix for this request only


def adjust(
    rejection: Rejection,
    body: dict[str, Any],
    note: DeploymentNote,
    deployment: str,
    refused: Collection[str] = (),
) -> Adjustment | None:
    """The adjustment that answers `rejection`, or None when there is none left to make (the
    same thing rejected again, or nothing chatdesk can change): the caller then reports the
    400 as it is. Never suggests a change already in `note`, nor a parameter the service
    refused earlier in this request (`refused`), so retrying cannot loop."""
    param = rejection.param
    sent = parameters(body)
    role = _ROLE_PARAM.match(param)
    if role is not None:
        return _adjust_role(rejection, note, deployment)
    if param == "stream":
        if note.stream is False or not body.get("stream"):
            return None
        return Adjustment(
            replace(note, stream=False),
            f"{deployment} does not stream replies: asked for the whole reply at once.",
        )
    if param in LIMIT_PARAMS:
        other = rejection.instead or LIMIT_PARAMS[1 - LIMIT_PARAMS.index(param)]
        if other not in LIMIT_PARAMS or note.limit_param == other or param not in body:
            return None
        if other in refused:  # both names refused (a gateway and a model that disagree)
            return None
        return Adjustment(
            replace(note, limit_param=other),
            f"{deployment} takes {other}, not {param}: sent the response limit as {other}.",
        )
    if param not in sent or param in ("model", "messages") or param in note.dropped:
        return None
    if rejection.value is not None and not rejection.only_default:
        shown = _shown(sent[param])
        taken = [v for v in rejection.supported if v != sent[param]]
        if taken:  # the service listed what it takes: remembered, so no later send asks again
            return Adjustment(
                replace(note, values={**note.values, param: taken}),
                f"{deployment} takes {param} {_either(taken)}, not {shown}: sent without it, "
                f"so the service's default {param} was used.",
            )
        # One value refused (reasoning_effort 'minimal'): leave it out this time only.
        return Adjustment(
            replace(note, dropped=[*note.dropped, param]),
            f"{deployment} does not take {param} {shown}: sent without it this time.",
            remember=False,
        )
    return Adjustment(
        replace(note, dropped=[*note.dropped, param]),
        f"{deployment} does not take {param}: sent without it.",
    )


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def _either(values: list[str]) -> str:
    """ "'low' or 'medium'", "'low', 'medium' or 'high'"."""
    shown = [_shown(v) for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _adjust_role(rejection: Rejection, note: DeploymentNote, deployment: str) -> Adjustment | None:
    rejected = rejection.value
    if rejected not in SYSTEM_ROLES:
        return None  # a user, assistant or tool role refused: nothing chatdesk can stand in
    current = note.system_role
    if current == "user":
        return None
    if current is None and rejected == "system":
        target = "developer"
    elif current is None and rejected == "developer":
        target = "system"
    else:  # the stand-in was refused too
        target = "user"
    said = (
        f"{deployment} does not take the {rejected} role: sent the system prompt as {target}."
        if target != "user"
        else f"{deployment} takes neither the system nor the developer role: the system "
        "prompt now leads the first user message."
    )
    return Adjustment(replace(note, system_role=target), said)


class DeploymentNotes:
    """Notes per deployment, keyed by `key(endpoint, deployment)`; thread-safe (the service
    learns on its worker thread while the window saves settings on its own)."""

    def __init__(self, notes: dict[str, DeploymentNote] | None = None) -> None:
        self._notes: dict[str, DeploymentNote] = dict(notes or {})
        self._lock = threading.Lock()

    @staticmethod
    def key(endpoint: str, deployment: str) -> str:
        """'<endpoint without query> <deployment>': the deployment on that resource."""
        return f"{endpoint.split('?', 1)[0].split('#', 1)[0].rstrip('/')} {deployment.strip()}"

    def get(self, key: str) -> DeploymentNote:
        with self._lock:
            note = self._notes.get(key)
            if note is None:
                return DeploymentNote()
            values = {k: list(v) for k, v in note.values.items()}
            return replace(note, dropped=list(note.dropped), values=values)

    def put(self, key: str, note: DeploymentNote) -> None:
        with self._lock:
            if note.is_empty():
                self._notes.pop(key, None)
            else:
                self._notes[key] = note

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {k: v.to_json() for k, v in sorted(self._notes.items())}

    @classmethod
    def from_json(cls, data: Any) -> DeploymentNotes:
        """Raises ValueError naming the entry that is wrong."""
        if not isinstance(data, dict):
            raise ValueError(" must be an object keyed by endpoint and deployment")
        notes = {}
        for key, value in data.items():
            try:
                notes[str(key)] = DeploymentNote.from_json(value)
            except ValueError as exc:
                raise ValueError(f"[{key!r}]: {exc}") from None
        return cls(notes)

    def __len__(self) -> int:
        with self._lock:
            return len(self._notes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeploymentNotes):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"DeploymentNotes({self.to_json()!r})"


def note_key(profile: ConnectionProfile) -> str:
    """The deployment's key in `DeploymentNotes`: its normalised endpoint and its name."""
    check = profile.check(sends_secret=False)
    return DeploymentNotes.key(check.url or profile.endpoint, profile.deployment)


def read_timeout_for(profile: ConnectionProfile, note: DeploymentNote, model: str | None) -> float:
    """Seconds of silence allowed: the deployment's own setting, else its model's default
    (reasoning models, known by the catalog or by a deployment that asked for
    max_completion_tokens, may think for minutes before their first byte)."""
    if note.read_timeout is not None:
        return note.read_timeout
    match = profile.model_match(model)
    if (match.exact and match.family.reasoning) or note.limit_param == "max_completion_tokens":
        return REASONING_READ_TIMEOUT
    return READ_TIMEOUT


def describe(note: DeploymentNote) -> list[str]:
    """What the note changes in each request, one sentence a line (for the window)."""
    lines = []
    if note.limit_param is not None:
        lines.append(f"The response limit is sent as {note.limit_param}.")
    if note.dropped:
        lines.append(f"Left out: {', '.join(note.dropped)}.")
    for name, taken in sorted(note.values.items()):
        lines.append(f"Only {_either(taken)} is sent as {name}; other values are left out.")
    if note.system_role == "user":
        lines.append("The system prompt leads the first user message.")
    elif note.system_role is not None:
        lines.append(f"The system prompt is sent as a {note.system_role} message.")
    if note.stream is False:
        lines.append("Replies are not streamed.")
    return lines
