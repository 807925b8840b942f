"""Edits of the open conversation go through its session (the window only wires them): the
parameters panel's API choice, the connection profile and deployment, a rename or pin from the
library. One rule each, whatever calls it."""

from __future__ import annotations

from chatdesk.core.conversation import GenerationParams, TrimSettings


def ready(qtbot, window):
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    return window.session


def test_the_parameters_and_the_api_choice_are_set_together(qtbot, window):
    session = ready(qtbot, window)
    session.set_modified(False)
    session.set_params(GenerationParams(max_tokens=300), TrimSettings(policy="turns"),
                       ("responses", "service"))  # fmt: skip
    conv = session.conversation
    assert (conv.api, conv.history_keeper) == ("responses", "service")
    assert (conv.params.max_tokens, conv.trimming.policy) == (300, "turns")
    assert session.modified
    session.set_params(GenerationParams(), TrimSettings())  # no mode given: the API stays
    assert conv.api == "responses"


def test_the_api_box_in_the_panel_reaches_the_conversation(qtbot, window):
    session = ready(qtbot, window)
    box = window.params_panel.api_mode.api
    box.setCurrentIndex(box.findData("responses"))
    qtbot.waitUntil(lambda: session.conversation.api == "responses", timeout=5000)


def test_choosing_a_deployment_is_recorded_once(qtbot, window):
    session = ready(qtbot, window)
    session.set_modified(False)
    assert session.use_deployment("gpt-4o-mini")
    assert session.conversation.deployment == "gpt-4o-mini"
    assert session.modified
    session.set_modified(False)
    assert not session.use_deployment("gpt-4o-mini")  # the same again: nothing changes
    assert not session.modified
    ready(qtbot, window)  # counted again, with that deployment's model


def test_choosing_a_profile_starts_from_its_default_deployment(qtbot, window):
    session = ready(qtbot, window)
    session.use_deployment("gpt-4o-mini")
    window._profile_chosen("test")
    assert (session.conversation.profile, session.conversation.deployment) == ("test", None)
    assert session.modified


def test_a_removed_profile_is_replaced_without_marking_the_conversation_modified(qtbot, window):
    session = ready(qtbot, window)
    session.conversation.profile = "removed since"
    session.set_modified(False)
    window.refresh_profiles()
    assert session.conversation.profile == "test"  # the active one stands in
    assert not session.modified
    ready(qtbot, window)


def test_rename_and_pin_go_through_the_session(qtbot, window):
    session = ready(qtbot, window)
    session.set_title("Trip plans")
    session.set_pinned_in_list(True)
    assert (session.conversation.title, session.conversation.pinned_in_list) == (
        "Trip plans", True,
    )  # fmt: skip
