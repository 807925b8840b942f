#!/bin/sh
# Run a command with a throw-away Secret Service: a private D-Bus session bus and an unlocked
# gnome-keyring whose files live in a temporary HOME, removed afterwards. The developer's own
# keyring, session bus and home are never touched.
#
#   .ci/with-keyring.sh python -m pytest -m keyring
#
# Needs dbus-run-session (Debian/Ubuntu: dbus-daemon or dbus-bin) and gnome-keyring-daemon
# (gnome-keyring). Sets CHATDESK_KEYRING_SANDBOX=1, which the keyring tests require.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: $0 command [args...]" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool not found (apt-get install gnome-keyring dbus-daemon)" >&2
        exit 127
    fi
done

sandbox=$(mktemp -d "${TMPDIR:-/tmp}/chatdesk-keyring.XXXXXX")
trap 'rm -rf "$sandbox"' EXIT HUP INT TERM
mkdir -p "$sandbox/home" "$sandbox/config" "$sandbox/data" "$sandbox/cache" "$sandbox/runtime"
chmod 700 "$sandbox" "$sandbox/runtime"

# The keyring files go to $XDG_DATA_HOME/keyrings, the control socket to $XDG_RUNTIME_DIR.
export HOME="$sandbox/home"
export XDG_CONFIG_HOME="$sandbox/config"
export XDG_DATA_HOME="$sandbox/data"
export XDG_CACHE_HOME="$sandbox/cache"
export XDG_RUNTIME_DIR="$sandbox/runtime"
export CHATDESK_KEYRING_SANDBOX=1
# Never reach the outer session: no desktop bus, no GUI prompts.
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

# gnome-keyring refuses to create a login keyring with an empty password, hence "pass".
# Its stdout (environment assignments) is not needed: the secrets component is found on the
# bus. Not exec'd: the trap above must run to delete the sandbox.
status=0
dbus-run-session -- sh -c '
    printf pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 125
    exec "$@"
' chatdesk-keyring "$@" || status=$?
exit "$status"
