"""The one rule for "this edit in place has changes": its text is not the question's, or an
image was taken out of it (the editor's Esc, Quit and Close, and recovery copies go by it)."""

from __future__ import annotations

from chatdesk.core.edit_in_place import EditInPlace, changes
from chatdesk.core.messages import Message
from tests.support.images import image_bytes, image_part

RED, BLUE = image_part(image_bytes(20, 10)), image_part(image_bytes(10, 10))
QUESTION = Message.from_raw(
    {"role": "user", "content": [{"type": "text", "text": "Compare"}, RED, BLUE]}
)


def test_an_image_taken_out_is_a_change_as_text_typed_is():
    assert not EditInPlace(0, "Compare").changes(QUESTION)
    assert EditInPlace(0, "Compare them").changes(QUESTION)
    assert EditInPlace(0, "Compare", frozenset({1})).changes(QUESTION)
    assert changes("Compare", "Compare", {2})
    assert not changes("Compare", "Compare", ())


def test_an_edit_keeps_only_removals_of_its_questions_images():
    edit = EditInPlace(0, "Compare", frozenset({0, 2, 5}))
    assert edit.fitted_to(QUESTION) == EditInPlace(0, "Compare", frozenset({2}))
    assert EditInPlace(0, "x", frozenset({1})).fitted_to(Message.new("user", "plain")).removed == (
        frozenset()
    )
    kept = EditInPlace(0, "Compare", frozenset({1, 2}))
    assert kept.fitted_to(QUESTION) is kept
