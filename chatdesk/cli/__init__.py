"""The command line: `chatdesk` and its sub-commands, one module per command.

    entry.py        `main`: the launchers' entry point, `--help`/`--version`, the dispatch
    window.py       `chatdesk [FILE ...]`: the window
    tokens.py       `chatdesk tokens FILE`
    export.py       `chatdesk export FILE`
    send.py         `chatdesk send FILE`
    dry_run.py      `send --dry-run`: what the request would send, secrets masked
    send_connection.py  where `send` sends: the profile its options name, or the environment's
    attach.py       `chatdesk attach FILE IMAGE...`
    signin.py       `chatdesk signin` / `chatdesk signout`
    listing.py      `chatdesk list`
    search.py       `chatdesk search QUERY`
    importing.py    `chatdesk import FILE...`
    library.py      what those three share: the library of the settings and its index
    command.py      what every command shares: the parser, exit statuses, messages on stderr
    connections.py  the user's connections opened for a command
    output.py       stdout that goes away (a closed pipe, a full disk): send's reply is kept

The top of the layers (cli → ui → service → core): nothing below imports from here. Each
command imports what it needs only when it runs, so `chatdesk --version` stays quick.
"""

from chatdesk.cli.entry import main

__all__ = ["main"]
