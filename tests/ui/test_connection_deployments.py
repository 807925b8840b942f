"""The connection dialog's deployments of a profile (issue 17 item 7): add, name, default, fetch."""

from __future__ import annotations

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import load_settings
from tests.support.connection_dialog import (
    azure,
    on_auth_tab,
    retype,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- issue 17 item 7: a profile's deployments ------------------------------------------------
def rows(d) -> list[str]:
    return [
        d.endpoint_panel.deployments.list.item(i).text()
        for i in range(d.endpoint_panel.deployments.list.count())
    ]


def test_deployments_are_added_named_given_a_model_and_one_made_default(qtbot, make_dialog):
    h = make_dialog([azure(name="Work")])
    d = h.dialog
    assert rows(d) == ["gpt-4o (default)"]
    assert not d.endpoint_panel.deployments.remove_btn.isEnabled()  # a profile keeps one at least
    d.endpoint_panel.deployments.add_btn.click()
    assert rows(d) == ["gpt-4o (default)", "(new deployment)"]
    assert not d.save_btn.isEnabled()  # an unnamed deployment cannot be saved
    assert "Enter the deployment name" in d.save_btn.toolTip()
    retype(qtbot, d.endpoint_panel.deployment_edit, "chat-prod")
    retype(qtbot, d.endpoint_panel.model_edit, "gpt-5")
    assert d.endpoint_panel.model_note.text().startswith("gpt-5: 400,000-token window")
    d.endpoint_panel.deployments.add_btn.click()
    retype(qtbot, d.endpoint_panel.deployment_edit, "fast")
    d.endpoint_panel.deployments.list.setCurrentRow(1)
    assert (d.endpoint_panel.deployment_edit.text(), d.endpoint_panel.model_edit.text()) == (
        "chat-prod",
        "gpt-5",
    )
    d.endpoint_panel.deployments.default_btn.click()
    assert rows(d) == ["gpt-4o", "chat-prod (default)", "fast"]
    d.endpoint_panel.deployments.list.setCurrentRow(0)
    d.endpoint_panel.deployments.remove_btn.click()
    assert rows(d) == ["chat-prod (default)", "fast"]
    assert d.save_btn.isEnabled(), d.save_btn.toolTip()
    d.save_btn.click()
    saved = load_settings().settings.profiles[0]
    assert (saved.deployment, saved.model) == ("chat-prod", "gpt-5")
    listed = [(e.name, e.model) for e in saved.deployments]
    assert listed == [("chat-prod", "gpt-5"), ("fast", None)]


def test_two_deployments_of_one_name_cannot_be_saved(qtbot, make_dialog):
    d = make_dialog([azure()]).dialog
    d.endpoint_panel.deployments.add_btn.click()
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    assert not d.save_btn.isEnabled()
    assert "'gpt-4o' is listed twice" in d.save_btn.toolTip()


def test_fetch_lists_an_openai_compatible_server_s_models(qtbot, make_dialog, azure_server):
    azure_server.listed_models = ["llama3.1:8b", "phi4", "qwen2.5:7b"]
    local = ConnectionProfile(
        "Local", "openai-compatible", azure_server.openai_base_url, "llama3.1:8b"
    )
    d = make_dialog([local]).dialog
    assert d.endpoint_panel.deployments.fetch_btn.isEnabled()
    on_auth_tab(d)
    qtbot.keyClicks(d.key_panel.key_edit, "test-key")  # on screen, not saved: used for the request
    d.endpoint_panel.deployments.fetch_btn.click()
    qtbot.waitUntil(lambda: not d.busy)
    assert rows(d) == ["llama3.1:8b (default)", "phi4", "qwen2.5:7b"]
    assert "The server lists 3" in d.endpoint_panel.fetch_note.text()
    (request,) = azure_server.requests
    assert (request.method, request.path, request.authorized) == ("GET", "/v1/models", True)


def test_fetch_is_not_offered_for_azure_and_says_why(make_dialog):
    d = make_dialog([azure()]).dialog
    assert not d.endpoint_panel.deployments.fetch_btn.isEnabled()
    assert (
        "does not list a resource's deployments" in d.endpoint_panel.deployments.fetch_btn.toolTip()
    )
