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


def test_a_file_written_after_the_state_opens_with_its_own_draft(tmp_path):
    older, newer = tmp_path / "older.json", tmp_path / "newer.json"
    older.write_text("{}")
    state = SessionState([OpenConversation(str(older), "kept"), OpenConversation(str(newer), "")])
    save_session_state(state)
    newer.write_text("{}")  # written after the state: its draft is the newer one
    written = state_path().stat().st_mtime_ns
    os.utime(older, ns=(written - 10**9, written - 10**9))
    os.utime(newer, ns=(written + 10**9, written + 10**9))
    loaded = load_session_state()
    assert loaded.written_ns == written
    assert [loaded.draft_to_open(item) for item in loaded.conversations] == ["kept", None]
    gone = OpenConversation(str(tmp_path / "gone.json"), "kept")
    assert loaded.draft_to_open(gone) == "kept"
    assert SessionState().draft_to_open(OpenConversation(str(newer), "x")) == "x"  # never read


def test_a_state_written_at_a_proper_close_says_so(tmp_path):
    target = tmp_path / "session.json"
    save_session_state(SessionState([OpenConversation("/x/q.json", "d")], closed=True), target)
    assert load_session_state(target).closed
    save_session_state(SessionState([OpenConversation("/x/q.json", "d")]), target)
    assert not load_session_state(target).closed
