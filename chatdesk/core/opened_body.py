"""What opening a bare request body in the window means, said in its status line: it becomes
a new conversation in the library (the file itself stays as it is), sent to the profile's
deployment that serves the model the body names, or, when none does, to the profile's
default, which the sentence names beside the body's model (so a body written for gpt-4.1 is
never sent to a gpt-5 deployment without a word). `chatdesk send` and `attach` follow the same
rule (`cli/body_file.py`) and say it in one line (`saved_body_text`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core.profile_deployments import for_model

if TYPE_CHECKING:
    from chatdesk.core.profiles import ConnectionProfile


def body_deployment(profile: ConnectionProfile | None, model: str | None) -> tuple[str | None, str]:
    """(the deployment of `profile` to record in the conversation, None: its default; where a
    body naming `model` is sent, said after the file's name: 'names model "gpt-4.1": sent to
    deployment "fourone".', "" when there is nothing to say)."""
    if profile is None or not (model or "").strip():
        return None, ""
    entry = for_model(profile.deployments, model)
    if entry is not None:
        chosen = None if entry.name == profile.deployment else entry.name
        return chosen, f'names model "{model}": sent to deployment "{entry.name}".'
    served = profile.model_match().label
    return None, (
        f'names model "{model}", which no deployment of "{profile.name}" serves: sent to '
        f'"{profile.deployment}" ({served}) instead; pick another in the toolbar.'
    )


def opened_body_text(file_name: str, deployment_note: str) -> str:
    """The status line's sentence after opening the request body `file_name`: where it is
    sent first (the line may be cut), then that it is a new library conversation."""
    if not deployment_note:
        return (
            f"{file_name} is a request body: it opened as a new conversation in the library "
            "(the file stays as it is)."
        )
    return (
        f"{file_name} {deployment_note} It opened as a new conversation in the library (the "
        "file stays as it is)."
    )


def saved_body_text(file_name: str, saved_to: str) -> str:
    """What `chatdesk send` and `attach` say (one line, on stderr) after taking the request
    body `file_name` as the window opens one: a new library conversation, at `saved_to`; the
    body itself is never written, so sending it again starts another conversation."""
    return (
        f"{file_name} is a request body: it was saved as a new conversation in the library, "
        f"{saved_to} (go on from that file); {file_name} was left as it was."
    )
