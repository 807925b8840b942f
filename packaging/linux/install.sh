#!/bin/sh
# Install chatdesk from this unpacked archive: the app folder, a `chatdesk` command, the desktop
# entry (its Exec is this install's absolute path), the icon in the hicolor sizes and the MIME
# type of conversation files (*.chatdesk.json).
#
#   ./install.sh                    for you: ~/.local (run as root: /usr/local, for everyone)
#   ./install.sh --prefix DIR       somewhere else (DIR/lib/chatdesk, DIR/bin, DIR/share)
#   ./install.sh --uninstall [--prefix DIR]
#
# Needs nothing but a POSIX shell and coreutils; the desktop caches are refreshed when their
# tools (update-desktop-database, update-mime-database, gtk-update-icon-cache) are installed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix="${HOME}/.local"; fi
action=install

while [ "$#" -gt 0 ]; do
    case "$1" in
        --prefix) [ "$#" -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }
                  prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in
    /*) ;;
    *) prefix="$(pwd)/$prefix" ;;  # the desktop entry needs an absolute path
esac

app_dir="$prefix/lib/chatdesk"
bin_link="$prefix/bin/chatdesk"
share="$prefix/share"
desktop="$share/applications/chatdesk.desktop"
mime_xml="$share/mime/packages/chatdesk.xml"

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$share/applications" 2>/dev/null || true
    fi
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$share/mime" >/dev/null 2>&1 || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$share/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$share/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$action" = uninstall ]; then
    # Only what install.sh wrote: never the user's conversations or settings.
    rm -rf "$app_dir"
    if [ -L "$bin_link" ]; then rm -f "$bin_link"; fi
    rm -f "$desktop" "$mime_xml"
    for icon in "$share"/icons/hicolor/*/apps/chatdesk.png "$share"/icons/hicolor/scalable/apps/chatdesk.svg; do
        rm -f "$icon"
    done
    refresh_caches
    echo "chatdesk removed from $prefix"
    exit 0
fi

if [ ! -x "$here/chatdesk/chatdesk" ]; then
    echo "install.sh: $here/chatdesk/chatdesk not found; run me from the unpacked archive" >&2
    exit 1
fi

# A new version replaces the old folder whole, so no file of the old one lingers.
mkdir -p "$prefix/lib" "$prefix/bin" "$share/applications" "$share/mime/packages"
rm -rf "$app_dir.new"
cp -R "$here/chatdesk" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"
ln -sfn "$app_dir/chatdesk" "$bin_link"

# Exec and TryExec name this install, so the menu entry works whatever the session's PATH.
# Quoted as the Desktop Entry Specification asks when the path has a space in it.
exec_path="$app_dir/chatdesk"
case "$exec_path" in
    *[\ \"\`\$\\]*) quoted=$(printf '%s' "$exec_path" | sed 's/[\\"`$]/\\\\&/g'); exec_value="\"$quoted\"" ;;
    *) exec_value=$exec_path ;;
esac
while IFS= read -r line; do
    case "$line" in
        Exec=*) printf 'Exec=%s %%F\n' "$exec_value" ;;
        TryExec=*) printf 'TryExec=%s\n' "$exec_path" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$here/share/applications/chatdesk.desktop" > "$desktop.new"
mv "$desktop.new" "$desktop"
cp "$here/share/mime/packages/chatdesk.xml" "$mime_xml"
(cd "$here/share" && find icons -type f) | while read -r icon; do
    mkdir -p "$share/$(dirname "$icon")"
    cp "$here/share/$icon" "$share/$icon"
done
refresh_caches

echo "chatdesk installed in $app_dir"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH; the menu entry works regardless" ;;
esac
