"""On a low screen the Connections dialog stays on it: a long Test connection answer grows the
dialog only down to the bottom of the screen's available geometry, then its form scrolls, with
Save and Cancel on screen and every note still given all its lines (7c5fb28's guarantee:
`cut`). Found by helper connect on a 1280×600 screen: a long endpoint's notes and an untrusted
certificate's advice made the dialog 668 px tall, Save and Cancel below the screen's edge.

The offscreen screen is 800×800: the dialog is placed 600 px above its bottom, the room a
600-px screen gives it."""

from __future__ import annotations

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service import network
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.connection_dialog import cut
from tests.support.fake_azure import FakeAzure
from tests.support.netlab import TestCA, clear_proxy_env

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ROOM = 600
KEY = "scroll-test-key"


def after_a_test(qtbot, make_dialog, server: FakeAzure, top: int | None):
    """The dialog for a profile whose pasted endpoint takes two notes (helper connect's), its
    frame's top at `top` (None: where it opens), after Test connection met an untrusted
    certificate."""
    url = server.url + "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    profile = ConnectionProfile("Work", "azure-api-version", url, "gpt-4o")
    d = make_dialog([profile], secrets=store).dialog
    d.show()
    qtbot.waitExposed(d)
    if top is not None:
        d.move(d.x(), top)
        qtbot.waitUntil(lambda: d.frameGeometry().top() == top)
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=10_000)
    qtbot.waitUntil(lambda: not d.busy, timeout=10_000)
    qtbot.wait(100)  # the layout settles
    assert d.test_panel.test_error.text().startswith("Untrusted certificate")
    return d


def bottom_on_screen(widget) -> int:
    return widget.mapToGlobal(widget.rect().bottomLeft()).y()


@pytest.fixture
def server(monkeypatch):
    """An endpoint on loopback whose certificate is of a CA nothing trusts."""
    clear_proxy_env(monkeypatch)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    azure = FakeAzure(api_key=KEY)
    azure.ssl_context = TestCA("Contoso Inspection Root").server_context("localhost")
    azure.host = "localhost"
    with azure:
        yield azure
    network.configure(None)


def test_a_long_answer_on_a_low_screen_scrolls_the_form(qtbot, make_dialog, server):
    d = after_a_test(qtbot, make_dialog, server, top=800 - ROOM)
    screen = d.screen().availableGeometry()
    assert screen.bottom() + 1 - d.frameGeometry().top() == ROOM
    # The dialog grew to the screen's bottom and no further (it grew to 668 px, 72 px below).
    assert d.frameGeometry().bottom() == screen.bottom()
    assert bottom_on_screen(d.save_btn) < screen.bottom()
    assert bottom_on_screen(d.cancel_btn) < screen.bottom()
    # The form scrolls, down only, and every note in it keeps all its lines.
    bar = d.form_scroll.verticalScrollBar()
    assert bar.isVisible()
    assert bar.maximum() > 0
    assert not d.form_scroll.horizontalScrollBar().isVisible()
    assert cut(d) == []
    # The answer was scrolled into view: all of it shows, and the button under it.
    error = d.test_panel.test_error
    assert error.visibleRegion().boundingRect().height() == error.height()
    button = d.test_panel.test_btn
    assert button.visibleRegion().boundingRect().height() == button.height()
    # Every tab's notes are whole too.
    for tab in range(d.tabs.count()):
        d.tabs.setCurrentIndex(tab)
        qtbot.wait(50)
        assert cut(d) == [], d.tabs.tabText(tab)


def test_with_room_the_dialog_grows_and_nothing_scrolls(qtbot, make_dialog, server):
    # Where it opens, 682 px above the screen's bottom: room for all 668 px (as before).
    d = after_a_test(qtbot, make_dialog, server, top=None)
    screen = d.screen().availableGeometry()
    assert d.height() > 560
    assert d.frameGeometry().bottom() <= screen.bottom()
    assert not d.form_scroll.verticalScrollBar().isVisible()
    assert cut(d) == []


def test_the_wheel_scrolls_the_form_and_changes_no_field_it_passes(qtbot, make_dialog, server):
    # The form scrolls now: a notch over the kind box changed the profile's kind (as over the
    # Parameters panel's fields: ui/wheel_guard.py).
    from tests.ui.test_wheel_guard import notch

    d = after_a_test(qtbot, make_dialog, server, 800 - ROOM)
    combo = d.endpoint_panel.kind_combo
    kind = combo.currentIndex()
    bar = d.form_scroll.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    notch(combo)
    assert combo.currentIndex() == kind
    assert bar.value() > 0
