"""New (Ctrl+N) starts from the Preferences' defaults, or copies the current prompt when asked."""

from chatdesk.core.messages import Message
from chatdesk.core.preferences import DEFAULT_PROMPT, NewConversationDefaults


def test_new_starts_from_the_defaults_not_the_current_prompt(qtbot, window):
    window.system_editor.set_text("Talk like a pirate.")
    window._system_changed("Talk like a pirate.")
    window.session.conversation.examples = [Message("user", "a"), Message("assistant", "b")]
    window.context.settings.new_conversation = NewConversationDefaults(
        params={"temperature": 0.3}
    )
    window.new_action.trigger()
    conv = window.session.conversation
    assert conv.system_prompt == DEFAULT_PROMPT
    assert window.system_editor.text() == DEFAULT_PROMPT
    assert conv.examples == []
    assert conv.params.temperature == 0.3
    assert conv.profile == "test"  # the default profile
    assert window.composer.input.hasFocus()


def test_new_copies_the_current_prompt_when_the_preference_says_so(qtbot, window):
    window._system_changed("Talk like a pirate.")
    window.context.settings.new_conversation = NewConversationDefaults(copy_current=True)
    window.new_action.trigger()
    assert window.session.conversation.system_prompt == "Talk like a pirate."
    assert len(window.sessions) == 2
