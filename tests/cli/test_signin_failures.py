"""`chatdesk signin` when Microsoft Entra ID cannot be reached (tester: a Government-cloud
profile, no internet): one `chatdesk:` message saying what to fix, and none of azure-identity's
or MSAL's raw log lines. The only way out is a dead proxy on loopback, so the test never reaches
the internet; the message names that proxy and where it is set (it named Entra ID's host)."""

from __future__ import annotations

import os
import subprocess
import sys

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from tests.support.netlab import dead_port


def test_an_unreachable_entra_id_is_one_message_naming_the_host():
    gov = ConnectionProfile(
        "gov", "azure-v1", "https://contoso-gov.openai.azure.us/", "gpt-4o",
        auth="entra", entra_mode="device-code",
    )  # fmt: skip
    dead = f"http://127.0.0.1:{dead_port()}"
    save_settings(Settings(profiles=[gov], proxy=dead))
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    if env.get("CHATDESK_KEYRING_SANDBOX") != "1":  # never the developer's own keyring
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "signin", "--profile", "gov", "--device-code"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    # What stands in the way is the proxy: named, with where the command reads it.
    assert lines[0].startswith(f"chatdesk: Sign-in to Microsoft Entra ID failed. The proxy {dead} "
                               "did not accept the connection (connection refused).")  # fmt: skip
    assert "settings.json (in the window: Connections → Gateway & cloud → Proxy)" in lines[0]
    assert "PyGObject" not in done.stderr
    assert done.stdout == ""
