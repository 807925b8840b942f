"""The Add tool result dialog's title (tester, session 13: "Tool result for get… ather —
chatdesk", cut in the middle by the title bar): short, naming the function and the call, the
dialog wide enough for it, the whole name and id in its text."""

from __future__ import annotations

from chatdesk.ui.tool_result_dialog import title_bar_width
from tests.ui.test_tool_results_window import open_rounds_with_call_9


def _open_dialog(qtbot, window, session):
    row = session.model.rowCount() - 1
    window.transcript.trigger_action("add_result", row)
    dialog = window.tool_result_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_the_title_names_the_call_and_fits_the_dialog(qtbot, window, server, tmp_path):
    session = open_rounds_with_call_9(qtbot, window, server, tmp_path)
    dialog = _open_dialog(qtbot, window, session)
    assert dialog.windowTitle() == "Tool result: get_weather (call_9)"
    assert dialog.width() >= title_bar_width(dialog.windowTitle(), dialog.font())
    assert dialog.width() >= 400  # was 350: "Tool result for get… ather — chatdesk"
    dialog.reject()


def test_a_long_name_and_call_id_are_cut_in_the_title_and_whole_in_the_dialog(
    qtbot, window, server, tmp_path
):
    session = open_rounds_with_call_9(qtbot, window, server, tmp_path)
    from chatdesk.core.tool_results import MissingResult
    from chatdesk.ui.tool_result_dialog import ToolResultDialog

    long = MissingResult(
        session.model.history_index(session.model.rowCount() - 1),
        "call_Xh3kPq9ZbV2mN8rT1wLs5yAe",
        "get_current_weather_for_a_city_by_name",
        '{"city": "Berlin"}',
    )
    dialog = ToolResultDialog(long, window)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Tool result: get_current_weather_for… (call_Xh3k…)"
    assert dialog.function.text() == "get_current_weather_for_a_city_by_name"
    assert dialog.call_id.text() == "call_Xh3kPq9ZbV2mN8rT1wLs5yAe"
    assert dialog.minimumWidth() >= title_bar_width(dialog.windowTitle(), dialog.font())
