"""The small closed sets are enums whose members are their strings: files, settings and
request bodies hold the same text as before, read back as members."""

from __future__ import annotations

import json

import pytest

from chatdesk.core.choices import (
    Api,
    EntraMode,
    FinishReason,
    HistoryKeeper,
    ImageDetail,
    Theme,
    TrimPolicy,
)
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, load_settings, save_settings


@pytest.mark.parametrize(
    "member",
    [Api.RESPONSES, HistoryKeeper.SERVICE, TrimPolicy.TURNS, FinishReason.LENGTH,
     ImageDetail.LOW, Theme.DARK, EntraMode.DEVICE_CODE],
)  # fmt: skip
def test_a_member_is_its_string_wherever_it_goes(member):
    value = member.value
    assert member == value
    assert hash(member) == hash(value)
    assert str(member) == f"{member}" == f"{member:>0}" == value
    assert json.dumps({"x": member}) == json.dumps({"x": value})
    assert type(member)(value) is member


def test_a_conversation_file_keeps_the_same_text(tmp_path):
    conv = Conversation(history=[Message("user", "hi")])
    conv.api, conv.history_keeper = Api.RESPONSES, HistoryKeeper.SERVICE
    conv.trimming.policy = TrimPolicy.TURNS
    path = tmp_path / "c.json"
    save_conversation(conv, path)
    doc = json.loads(path.read_text())
    assert (doc["api"], doc["history"], doc["trimming"]["policy"]) == (
        "responses", "service", "turns",
    )  # fmt: skip
    back = load_conversation(path).conversation
    assert back.api is Api.RESPONSES
    assert back.history_keeper is HistoryKeeper.SERVICE
    assert back.trimming.policy is TrimPolicy.TURNS


def test_settings_and_profiles_read_back_as_members(tmp_path):
    path = tmp_path / "settings.json"
    profile = ConnectionProfile("work", "azure-v1", "https://x.openai.azure.com", "gpt-4o",
                                auth="entra", entra_mode=EntraMode.DEVICE_CODE)  # fmt: skip
    save_settings(Settings(profiles=[profile], theme=Theme.DARK), path)
    doc = json.loads(path.read_text())
    assert doc["theme"] == "dark"
    assert doc["profiles"][0]["entra_mode"] == "device-code"
    loaded = load_settings(path).settings
    assert loaded.theme is Theme.DARK
    assert loaded.profiles[0].entra_mode is EntraMode.DEVICE_CODE
    assert ConnectionProfile.from_json(doc["profiles"][0]).api is Api.CHAT


def test_the_service_uses_the_same_sign_in_modes():
    from chatdesk.service.entra import EntraMode as ServiceEntraMode

    assert ServiceEntraMode is EntraMode  # one type, where there were two of one name
