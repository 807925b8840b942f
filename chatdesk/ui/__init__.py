"""The window: PySide6 widgets over the Qt-free core and service.

Window modules import their Qt names from `chatdesk.ui.qt` (`core`, `gui`, `widgets`), which
also holds the start-up rules: what the first painted frame does without, and why.
"""
