"""The service tests' loopback Azure and a chat service holding its key for profile "work"."""

from __future__ import annotations

from pathlib import Path

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


@pytest.fixture
def record_path(tmp_path: Path) -> Path:
    """Where EntraSession keeps its authentication record (tests/service/test_entra*.py)."""
    return tmp_path / "config" / "entra-auth-record.json"
