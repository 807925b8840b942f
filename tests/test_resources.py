from pathlib import Path

import pytest

from chatdesk.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_icon_is_the_one_in_resources():
    shipped = resource_path("icons/chatdesk.svg")
    assert shipped.read_bytes() == (ROOT / "resources" / "icons" / "chatdesk.svg").read_bytes()


def test_unknown_resources_are_refused():
    with pytest.raises(KeyError):
        resource_path("../../etc/passwd")
