"""The settings' remembered profile renames (`renamed_profiles`, core/profile_renames.py)."""

import json

from chatdesk.core.paths import settings_path
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, load_settings, save_settings


def test_remembered_renames_round_trip_and_a_bad_entry_is_dropped_not_the_file():
    work2 = ConnectionProfile("work2", "azure-v1", "https://x.openai.azure.com", "gpt-4o")
    settings = Settings(profiles=[work2], active_profile="work2")
    save_settings(settings)
    assert "renamed_profiles" not in json.loads(settings_path().read_text())  # none yet
    settings.renamed_profiles = {"work": "work2"}
    save_settings(settings)
    assert load_settings().settings.renamed_profiles == {"work": "work2"}
    doc = json.loads(settings_path().read_text())
    doc["renamed_profiles"] = {"work": "work2", "odd": 3}
    settings_path().write_text(json.dumps(doc))
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings.renamed_profiles == {"work": "work2"}
