"""The system prompt's role, as the request sends it (core/request_params.py): said in words
from the request's own rules, and offered as a choice only where those rules send either role
as given."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import DeploymentNote
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.models import CATALOG
from chatdesk.core.request_params import system_prompt_sent_as, system_role_choices


def said(conv, key, api="chat", note=None):
    return system_prompt_sent_as(
        conv, model=f"my-{key}", family=CATALOG[key], exact=True, api=api, note=note
    )


def test_the_role_said_is_the_one_the_request_sends_and_why():
    conv = Conversation()
    conv.system_prompt = "Be brief."
    assert said(conv, "gpt-4o") == "Sent as the system message."
    assert said(conv, "o1-mini") == (
        "Sent at the start of the first user message: o1-mini takes no system or developer "
        "message."
    )
    assert said(conv, "gpt-4o", note=DeploymentNote(system_role="developer")) == (
        "Sent as the developer message: deployment my-gpt-4o refused the system role."
    )
    assert said(conv, "gpt-4o", api="responses") == (
        "Sent as the Responses API's instructions, ahead of the input."
    )
    conv.set_system_role("developer")
    assert said(conv, "gpt-5") == "Sent as the developer message."
    assert said(conv, "gpt-4o") == "Sent as the system message: gpt-4o takes no developer message."


def test_a_choice_only_where_either_role_is_sent_as_given():
    assert system_role_choices(family=CATALOG["gpt-5"], api="chat") == ("system", "developer")
    assert system_role_choices(family=CATALOG["o3"], api="chat") == ("system", "developer")
    assert system_role_choices(family=CATALOG["gpt-4o"], api="chat") == ()
    assert system_role_choices(family=CATALOG["o1-mini"], api="chat") == ()
    assert system_role_choices(family=CATALOG["gpt-5"], api="responses") == ()
    refused = DeploymentNote(system_role="developer")
    assert system_role_choices(family=CATALOG["gpt-5"], api="chat", note=refused) == ()


def test_the_chosen_role_is_kept_in_the_file_and_with_new_text(tmp_path):
    conv = Conversation()
    conv.system_prompt = "Be brief."
    conv.set_system_role("developer")
    conv.system_prompt = "Be very brief."
    assert conv.system_message().role == "developer"
    save_conversation(conv, tmp_path / "c.json")
    again = load_conversation(tmp_path / "c.json").conversation
    assert (again.system_role, again.system_prompt) == ("developer", "Be very brief.")
