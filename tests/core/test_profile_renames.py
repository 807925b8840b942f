"""The rule files naming a renamed profile follow (core/profile_renames.py)."""

from __future__ import annotations

from chatdesk.core.profile_renames import follow_rename, remember_renames


def test_an_existing_name_is_itself_even_when_a_rename_remembers_it():
    assert follow_rename("work", {"work", "work2"}, {"work": "work2"}) == "work"


def test_a_renamed_name_follows_to_the_profile_it_became():
    assert follow_rename("work", {"work2"}, {"work": "work2"}) == "work2"
    assert follow_rename("gone", {"work2"}, {"work": "work2"}) is None
    assert follow_rename(None, {"work2"}, {"work": "work2"}) is None


def test_a_loop_in_a_hand_edited_file_ends():
    assert follow_rename("a", {"c"}, {"a": "b", "b": "a"}) is None


def test_renames_chain_and_collapse_to_the_current_name():
    first = remember_renames({}, [("work", "work2")], {"work2"})
    assert first == {"work": "work2"}
    assert remember_renames(first, [("work2", "work3")], {"work3"}) == {
        "work": "work3",
        "work2": "work3",
    }


def test_a_swap_and_a_rename_back_remember_nothing_that_exists():
    assert remember_renames({}, [("a", "b"), ("b", "a")], {"a", "b"}) == {}
    assert remember_renames({"work": "work2"}, [("work2", "work")], {"work"}) == {"work2": "work"}


def test_a_removed_target_or_a_name_made_again_is_forgotten():
    assert remember_renames({"work": "work2"}, [], set()) == {}
    assert remember_renames({"work": "work2"}, [], {"work", "work2"}) == {}
