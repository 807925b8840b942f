"""The model catalog decides the request before anything is learnt from a 400: each of the
issue's deployments is right the first time (FakeAzure's models answer wrong requests with
Azure's exact 400s; its log shows one request each)."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import GenerationParams
from chatdesk.core.deployments import DeploymentNotes
from chatdesk.core.profiles import ConnectionProfile
from tests.service.test_adjustments import KEY, conversation, make_service, send
from tests.support.fake_azure import AzureModel, FakeAzure, Reply


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.mark.parametrize(
    ("deployment", "declared", "model"),
    [
        ("chat-prod", "gpt-5", AzureModel.gpt5),  # a neutral name, declared once
        ("o1", None, AzureModel.o1),  # takes no stream
        ("o1-mini", None, AzureModel.o1_mini),  # takes no system or developer message
    ],
)
def test_the_first_request_is_right(srv, deployment, declared, model):
    srv.models[deployment] = model()
    srv.enqueue(Reply("Bonjour."))
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, deployment, model=declared)
    said, text, result = send(
        make_service(DeploymentNotes()), prof, conversation(temperature=0.7, max_tokens=500)
    )
    assert (said, text, result.finish_reason) == ([], "Bonjour.", "stop")
    assert len(srv.requests) == 1
    body = srv.requests[0].json
    assert "temperature" not in body
    assert "max_tokens" not in body
    assert body["max_completion_tokens"] == 500
    if deployment == "o1":
        assert "stream" not in body
    if deployment == "o1-mini":
        assert body["messages"] == [{"role": "user", "content": "Answer in French.\n\nHello"}]


def test_gpt5_chat_keeps_temperature(srv):
    srv.enqueue(Reply("ok"))
    prof = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-5-chat")
    send(make_service(DeploymentNotes()), prof, conversation(temperature=0.7, max_tokens=50))
    body = srv.requests[0].json
    assert (body["temperature"], body["max_completion_tokens"]) == (0.7, 50)
    assert GenerationParams().stream is True
