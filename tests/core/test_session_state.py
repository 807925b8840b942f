"""The session file: round trip, and whatever is wrong in it reads as "nothing open"."""

import json
import os

from chatdesk.core.session_state import (
    OpenConversation,
    ScrollAnchor,
    SessionState,
    load_session_state,
    save_session_state,
    state_path,
)


def test_round_trip_in_the_data_folder():
    state = SessionState(
        [
            OpenConversation("/tmp/a.json", "half a thought", ScrollAnchor(120, 37, False)),
            OpenConversation("/tmp/ß ü.json", "", ScrollAnchor()),
        ],
        selected=1,
    )
    save_session_state(state)
    assert str(state_path()).startswith(os.environ["CHATDESK_HOME"])
    assert load_session_state() == state
    # Written atomically: nothing but the file itself is left in the folder.
    assert [p.name for p in state_path().parent.iterdir()] == ["session.json"]


def test_missing_corrupt_or_foreign_files_read_as_empty(tmp_path):
    path = tmp_path / "session.json"
    assert load_session_state(path) == SessionState()
    for text in ("{not json", "[]", '{"version": 99, "conversations": []}', "null", "\ud800"):
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        assert load_session_state(path) == SessionState()
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert load_session_state(folder) == SessionState()


def test_malformed_entries_are_left_out_and_the_rest_kept(tmp_path):
    path = tmp_path / "session.json"
    path.write_text(json.dumps({
        "version": 1,
        "selected": 7,
        "conversations": [
            {"path": 3},
            "x",
            {"path": "/ok.json", "draft": 5, "scroll": {"index": -4, "offset": "x", "at_end": 0}},
            {"path": "/two.json", "scroll": {"index": 9, "offset": 2, "at_end": False}},
        ],
    }), encoding="utf-8")
    state = load_session_state(path)
    assert state == SessionState(
        [
            # No draft that is text: the file's own draft is shown (None).
            OpenConversation("/ok.json", None, ScrollAnchor(0, 0, True)),
            OpenConversation("/two.json", None, ScrollAnchor(9, 2, False)),
        ],
        selected=0,  # 7 is out of range
    )
