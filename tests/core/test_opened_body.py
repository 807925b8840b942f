"""Where an opened request body is sent: the deployment serving the model it names."""

from __future__ import annotations

from chatdesk.core.opened_body import body_deployment, opened_body_text
from chatdesk.core.profile_deployments import Deployment, for_model
from chatdesk.core.profiles import ConnectionProfile


def profile(*entries):
    endpoint = "https://x.openai.azure.com/openai/v1/"
    listed = [Deployment(*e) for e in entries]
    return ConnectionProfile("work", "azure-v1", endpoint, entries[0][0], deployments=listed)


def test_the_deployment_named_or_serving_the_model():
    entries = [Deployment("reasoner", "gpt-5"), Deployment("chat-prod", "gpt-4.1"),
               Deployment("gpt-4o")]  # fmt: skip
    assert for_model(entries, "gpt-4o").name == "gpt-4o"  # by its name
    assert for_model(entries, "gpt-4.1").name == "chat-prod"  # by its model
    assert for_model(entries, "gpt-4.1-2025-04-14").name == "chat-prod"
    assert for_model(entries, "gpt-4.1-mini") is None
    assert for_model(entries, "my-custom") is None
    assert for_model(entries, None) is None


def test_the_sentence_names_the_files_model_and_the_deployment():
    both = profile(("reasoner", "gpt-5"), ("fourone", "gpt-4.1"))
    assert body_deployment(both, "gpt-4.1") == (
        "fourone", 'names model "gpt-4.1": sent to deployment "fourone".'
    )
    assert body_deployment(both, "gpt-5")[0] is None  # the default already serves it
    chosen, note = body_deployment(profile(("reasoner", "gpt-5")), "gpt-4.1")
    assert chosen is None
    assert note == (
        'names model "gpt-4.1", which no deployment of "work" serves: sent to "reasoner" '
        "(gpt-5) instead; pick another in the toolbar."
    )
    assert body_deployment(both, None) == (None, "")
    assert body_deployment(None, "gpt-4.1") == (None, "")
    assert opened_body_text("a.json", "") == (
        "a.json is a request body: it opened as a new conversation in the library (the file "
        "stays as it is)."
    )
    assert opened_body_text("a.json", note).startswith('a.json names model "gpt-4.1", which')
