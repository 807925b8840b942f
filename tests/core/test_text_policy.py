"""The one sentence that says characters UTF-8 cannot hold were replaced (window, file, CLI)."""

from chatdesk.core.text_policy import replaced_notice


def test_one_replaced_character_is_said_in_the_singular():
    assert replaced_notice(1) == (
        "1 character that UTF-8 cannot hold (half of an emoji) was replaced with \ufffd."
    )
    assert replaced_notice(1200, of=" of the reply").startswith("1,200 characters of the reply")
    assert replaced_notice(2).endswith("were replaced with \ufffd.")
