"""Which profile a conversation records when the window opens or starts it
(`Connections.name_profile`): a rule of the connections, not of a window slot."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.connections import Connections
from chatdesk.service.secrets import MemorySecretStore


def connections() -> Connections:
    profiles = [ConnectionProfile(name, "azure-v1", "https://x.openai.azure.com", "gpt-4o")
                for name in ("work", "home")]  # fmt: skip
    settings = Settings(profiles=profiles, active_profile="home")
    return Connections(settings, secrets=MemorySecretStore(), env={})


def test_a_conversation_naming_none_records_the_active_profile():
    conv = Conversation()
    connections().name_profile(conv)
    assert conv.profile == "home"


def test_a_file_naming_another_machine_s_profile_keeps_its_name():
    conv = Conversation(profile="office")
    connections().name_profile(conv)
    assert conv.profile == "office"


def test_a_new_conversation_s_default_since_removed_gives_way_to_the_active_one():
    conv = Conversation(profile="office")
    connections().name_profile(conv, replace_missing=True)
    assert conv.profile == "home"
    conv = Conversation(profile="work")
    connections().name_profile(conv, replace_missing=True)
    assert conv.profile == "work"


def test_without_profiles_nothing_is_named():
    conv = Conversation()
    Connections(Settings(), secrets=MemorySecretStore(), env={}).name_profile(conv)
    assert conv.profile is None


def test_preferences_new_conversation_profile_by_the_rule_new_follows():
    """What Preferences shows for New conversation's profile: the one named, a renamed one by
    its new name, and the active profile's stand-in (the default, None) for one not set up,
    with the note; New itself starts on the same profile (`name_profile`)."""
    c = connections()
    c.settings.renamed_profiles = {"office": "work"}
    assert c.new_conversation_profile("work") == ("work", None)
    assert c.new_conversation_profile("office") == ("work", None)
    assert c.new_conversation_profile(None) == (None, None)
    assert c.new_conversation_profile("gateway") == (
        None,
        "'gateway', chosen before, is not among your profiles: new conversations use the "
        "default, 'home'. OK keeps this.",
    )
    conv = Conversation(profile="gateway")
    c.name_profile(conv, replace_missing=True)
    assert conv.profile == "home"
    empty = Connections(Settings(), secrets=MemorySecretStore(), env={})
    assert empty.new_conversation_profile("gateway") == (
        None,
        "'gateway', chosen before, is not among your profiles; add one in Connections "
        "(Ctrl+K). OK keeps the default.",
    )
