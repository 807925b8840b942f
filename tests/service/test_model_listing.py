"""A profile's deployments fetched from the server's /models (issue 17, item 7), against the
loopback server: one GET with the profile's key and headers; refusals in words; Azure says why
it has no such list."""

from __future__ import annotations

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.client import Credentials
from chatdesk.service.events import ChatError
from chatdesk.service.model_listing import AZURE_NO_LISTING, list_deployments
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure

KEY = "sk-local-0123456789"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def local(srv: FakeAzure, **kw) -> ConnectionProfile:
    return ConnectionProfile("local", "openai-compatible", srv.openai_base_url, "llama3.1:8b", **kw)


def credentials(key: str | None = KEY) -> Credentials:
    store = MemorySecretStore()
    if key is not None:
        store.set("local", Secret(key))
    return Credentials(store, env={})


def test_the_models_an_openai_compatible_server_lists(srv):
    srv.listed_models = ["qwen2.5:7b", "llama3.1:8b", "llama3.1:8b", "phi4"]
    profile = local(srv, headers={"X-Team": "blue"})
    assert list_deployments(profile, credentials()) == ["llama3.1:8b", "phi4", "qwen2.5:7b"]
    (request,) = srv.requests
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.auth_kind == "bearer"
    assert request.authorized
    assert request.headers["x-team"] == "blue"


def test_a_wrong_key_is_said_and_never_shown(srv):
    srv.listed_models = ["phi4"]
    with pytest.raises(ChatError) as info:
        list_deployments(local(srv), credentials("sk-wrong-key-999"))
    assert info.value.status == 401
    assert "sk-wrong-key-999" not in info.value.text
    assert len(srv.requests) == 1


def test_a_server_without_a_list_says_so(srv):
    srv.listed_models = None  # answers 404
    with pytest.raises(ChatError) as info:
        list_deployments(local(srv), credentials())
    assert info.value.status == 404
    assert [r.path for r in srv.requests] == ["/v1/models"]


def test_azure_has_no_list_of_deployments_and_sends_nothing(srv):
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "chat-prod")
    with pytest.raises(ChatError) as info:
        list_deployments(profile, credentials())
    assert info.value.message == AZURE_NO_LISTING
    assert srv.requests == []
