"""The connection dialog's endpoint panel: URL feedback, kinds and their hints, the model field."""

from __future__ import annotations

import msgspec.structs
import pytest
from PySide6.QtGui import QPalette

from chatdesk.core.settings import Settings, load_settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.secrets import MemorySecretStore
from chatdesk.ui.connection_dialog import ConnectionDialog
from chatdesk.ui.token_meter import status_color
from tests.support.connection_dialog import (
    azure,
    retype,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- endpoint feedback -----------------------------------------------------------------------
def test_endpoint_feedback_notes_url_and_suggestion(qtbot, make_dialog):
    d = make_dialog([azure()]).dialog
    retype(
        qtbot,
        d.endpoint_panel.endpoint_edit,
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21",
    )
    assert "deployment path for 'gpt-4o-mini'" in d.endpoint_panel.notes_label.text()
    assert "api-version" in d.endpoint_panel.notes_label.text()
    assert (
        d.endpoint_panel.url_label.text()
        == "Requests go to: https://contoso.openai.azure.com/openai/v1/"
    )
    assert not d.endpoint_panel.endpoint_error.isVisible()
    assert d.endpoint_panel.suggest_btn.isVisible()
    d.endpoint_panel.suggest_btn.click()
    assert d.endpoint_panel.deployment_edit.text() == "gpt-4o-mini"
    assert not d.endpoint_panel.suggest_btn.isVisible()
    # Notes are muted and errors use the palette's error colour, not hard-coded light colours.
    palette = d.palette()
    muted = d.endpoint_panel.notes_label.palette().color(QPalette.ColorRole.WindowText)
    assert muted == palette.color(QPalette.ColorRole.PlaceholderText)
    assert d.save_btn.isEnabled()


def test_an_endpoint_error_disables_save_with_the_reason(qtbot, make_dialog):
    d = make_dialog([azure(), azure("Other")]).dialog
    retype(qtbot, d.endpoint_panel.endpoint_edit, "http://contoso.openai.azure.com/")
    assert "plain http://" in d.endpoint_panel.endpoint_error.text()
    assert d.endpoint_panel.endpoint_error.isVisible()
    error = d.endpoint_panel.endpoint_error.palette().color(QPalette.ColorRole.WindowText)
    assert error == status_color("error", d.palette())
    assert not d.endpoint_panel.url_label.text()
    assert not d.save_btn.isEnabled()
    assert "Work: " in d.save_btn.toolTip()
    assert "plain http://" in d.save_btn.toolTip()
    assert not d.test_panel.test_btn.isEnabled()
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://contoso.openai.azure.com/")
    assert d.save_btn.isEnabled()
    # A problem in another field is shown too, and names the field's rule.
    retype(qtbot, d.endpoint_panel.deployment_edit, "https://contoso.openai.azure.com/")
    assert "looks like a URL" in d.endpoint_panel.problem_label.text()
    assert not d.save_btn.isEnabled()


def test_kind_changes_labels_and_the_api_version_row(qtbot, make_dialog):
    d = make_dialog([azure()]).dialog
    assert d.endpoint_panel.deployment_label.text() == "&Deployment"
    assert not d.endpoint_panel.form.isRowVisible(d.endpoint_panel.api_version_edit)
    d.endpoint_panel.kind_combo.setCurrentIndex(
        d.endpoint_panel.kind_combo.findData("azure-api-version")
    )
    assert d.endpoint_panel.form.isRowVisible(d.endpoint_panel.api_version_edit)
    assert (
        "openai/deployments/gpt-4o/chat/completions?api-version="
        in d.endpoint_panel.url_label.text()
    )
    d.endpoint_panel.kind_combo.setCurrentIndex(
        d.endpoint_panel.kind_combo.findData("openai-compatible")
    )
    assert d.endpoint_panel.deployment_label.text() == "Model na&me"
    assert d.endpoint_panel.deployment_edit.accessibleName() == "Model"
    assert not d.endpoint_panel.form.isRowVisible(d.endpoint_panel.api_version_edit)
    assert d.endpoint_panel.kind_combo.currentText() == "OpenAI-compatible"


def test_the_model_field_says_what_a_neutral_deployment_is_taken_for(qtbot, make_dialog):
    from chatdesk.core.models import CATALOG, describe, match_model

    d = make_dialog([msgspec.structs.replace(azure(), deployment="chat-prod")]).dialog
    assert d.endpoint_panel.model_note.text().startswith("Unknown model; counted as gpt-4o")
    d.endpoint_panel.model_edit.setText("gpt-5")
    d.endpoint_panel.model_edit.textEdited.emit("gpt-5")
    assert d.endpoint_panel.model_note.text().startswith("gpt-5: 400,000-token window")
    d.save_btn.click()
    saved = load_settings().settings.profiles[0]
    assert (saved.deployment, saved.model) == ("chat-prod", "gpt-5")
    assert saved.model_info().limit_param == "max_completion_tokens"
    assert describe(match_model(["chat-prod"])).startswith("Unknown model; counted as gpt-4o")
    assert describe(match_model(["gpt-5"])) == (
        "gpt-5: 400,000-token window (prompt up to 272,000), 128,000 out, reasoning model"
    )
    assert "no streaming" in describe(match_model(["o1"]))
    assert set(CATALOG) >= {"gpt-5-chat", "gpt-4-1106-preview", "o1-mini", "gpt-5.2-chat"}


@pytest.mark.parametrize(
    ("kind", "example"),
    [
        ("azure-v1", "https://my-resource.openai.azure.com/"),
        ("azure-api-version", "2024-10-21"),
        ("openai-compatible", "http://localhost:11434/v1"),
    ],
)
def test_each_kind_shows_its_own_hint(make_dialog, kind, example):
    d = make_dialog([azure(kind=kind)]).dialog
    assert example in d.endpoint_panel.kind_hint.text()
    if kind == "openai-compatible":
        assert "azure.com" not in d.endpoint_panel.kind_hint.text()


def test_a_pasted_deployment_url_keeps_buttons_whole_and_notes_uncut(qtbot):
    # Tester-55: with a deployment URL as the Endpoint (and a failed test's lines below), the
    # Remove / Make default / Fetch list buttons were ~8 px tall and the note's last line,
    # "…?api-version=2024-10-21 was removed", was cut off.
    profile = azure("Azure OpenAI (copy)", endpoint="http://127.0.0.1:8798/")
    connections = Connections(Settings(profiles=[profile]), secrets=MemorySecretStore(), env={})
    d = ConnectionDialog(connections, ChatService(connections.credentials), lambda: None)
    qtbot.addWidget(d)
    d.resize(760, 560)
    d.show()
    qtbot.waitExposed(d)
    test = d.test_panel
    test.test_error.setText(
        "Cannot reach the server\n127.0.0.1 refused the connection.\n"
        "Check the endpoint URL and port, and that the server is running."
    )
    test.test_details.setText(
        "Requests go to: http://127.0.0.1:8798/openai/v1/\nAuthentication: bearer (key)"
    )
    test.sync()
    retype(
        qtbot,
        d.endpoint_panel.endpoint_edit,
        "https://myres.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21",
    )
    qtbot.wait(50)  # the layout settles
    panel = d.endpoint_panel
    deployments = panel.deployments
    for button in (deployments.add_btn, deployments.remove_btn, deployments.default_btn,
                   deployments.fetch_btn):  # fmt: skip
        assert button.height() >= button.sizeHint().height(), button.text()
    notes = panel.notes_label
    assert notes.text().endswith("?api-version=2024-10-21 was removed.")
    assert notes.height() >= notes.heightForWidth(notes.width())
    # Nothing overlaps the note, and the form fits its tab.
    assert notes.geometry().bottom() < panel.suggest_btn.geometry().top()
    assert panel.model_note.geometry().bottom() <= panel.contentsRect().bottom()


def test_a_gateway_request_url_offers_the_kind_deployment_and_api_version(qtbot, make_dialog):
    # The rule `chatdesk send --endpoint URL` shares (core.endpoints.fields_in_url): the v1 kind
    # cannot use this URL, and "Use …" takes all three.
    d = make_dialog([azure(api_version="2024-06-01")]).dialog
    panel = d.endpoint_panel
    retype(
        qtbot,
        panel.endpoint_edit,
        "http://127.0.0.1:8801/aoai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
    )
    assert "Azure (api-version) kind" in panel.endpoint_error.text()
    assert panel.suggest_btn.text() == (
        "Use the Azure OpenAI (api-version) kind, deployment 'gpt-4o-mini' and "
        "api-version 2024-10-21"
    )
    panel.suggest_btn.click()
    assert panel.kind_combo.currentData() == "azure-api-version"
    assert panel.deployment_edit.text() == "gpt-4o-mini"
    assert panel.api_version_edit.text() == "2024-10-21"
    assert not panel.suggest_btn.isVisible()
    assert not panel.endpoint_error.text()
    assert panel.url_label.text() == (
        "Requests go to: http://127.0.0.1:8801/aoai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21"
    )
