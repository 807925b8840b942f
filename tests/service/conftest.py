"""The service tests' loopback Azure and a chat service holding its key for profile "work"."""

from __future__ import annotations

import pytest

from chatdesk.service.chat import ChatService
from chatdesk.service.client import Credentials
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure

KEY = "test-key"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.fixture
def service():
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return ChatService(Credentials(store, env={}), retry=RetryPolicy(base_delay=0.01))
