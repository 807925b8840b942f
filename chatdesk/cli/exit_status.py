"""The exit statuses every `chatdesk` command shares (its `--help` ends with those it uses).

A module of their own, without argparse: the window's launch (`chatdesk` with no arguments)
needs them and nothing of the parser (~2 ms of imports before the first paint).
"""

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_DOES_NOT_FIT = 3
EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl+C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)
