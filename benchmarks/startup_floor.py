"""The startup floor: chatdesk's first frame built from plain PySide6 widgets, no chatdesk code.

Not gated. It splits `startup_ratio` in two: what the window's widgets cost Qt and PySide6
(this floor against the empty QMainWindow of startup_baseline.py) and what chatdesk's own code
adds on top (chatdesk against this floor: its modules, settings, records, session). It mirrors
the first frame of a returning user's empty conversation (compared side by side under Xvfb):
the menu bar with 25 actions and their shortcuts, the toolbar with the
connection and deployment boxes, the library sidebar (search field, list, Trash), the
transcript list, the token meter, the composer with Attach and Send, the right-hand tabs
(system prompt with its preset box, examples, parameters) and the status bar. When the window
changes, this file should follow it.

It is built under chatdesk's start-up rules (chatdesk/ui/qt): constructors by keyword and
shortcuts through `setShortcuts`, so that, like chatdesk's first frame, it never builds the `Qt`
namespace's 93 enums or `QIcon` (~20 ms), which written the plain way it would (session 12: a
plain-written floor measured 1.36× the empty window, this one 1.25×).

It reports its first paint with startup_baseline.py's own hook (imported from it).
"""

import sys

from PySide6.QtCore import QStringListModel
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from startup_baseline import FirstPaint  # the same hook, the same mark

MENUS = {"&File": 8, "&Edit": 6, "&Chat": 6, "&View": 3, "&Help": 2}  # 25 actions


def sidebar() -> QWidget:
    side = QWidget()
    column = QVBoxLayout(side)
    search = QLineEdit(placeholderText="Search all conversations")
    search.setClearButtonEnabled(True)
    column.addWidget(search)
    conversations = QListView()
    conversations.setModel(QStringListModel([]))
    column.addWidget(conversations)
    column.addWidget(QPushButton(text="Trash"))
    return side


def chat_column() -> QWidget:
    page = QWidget()
    column = QVBoxLayout(page)
    transcript = QListView()
    transcript.setWordWrap(True)
    column.addWidget(transcript, 1)
    meter = QGridLayout()
    meter.addWidget(QProgressBar(textVisible=False), 0, 0)
    meter.addWidget(QLabel("13 + 4,096 reserved / 128,000 tokens"), 1, 0)
    meter.addWidget(QPushButton(text="What will be sent"), 0, 1)
    column.addLayout(meter)
    row = QHBoxLayout()
    composer = QPlainTextEdit(placeholderText="Message — Enter to send, Shift+Enter for a new line")
    row.addWidget(composer, 1)
    buttons = QVBoxLayout()
    buttons.addStretch()
    buttons.addWidget(QPushButton(text="Attach…"))
    buttons.addWidget(QPushButton(text="Send"))
    row.addLayout(buttons)
    column.addLayout(row)
    return page


def setup_tabs() -> QTabWidget:
    tabs = QTabWidget()
    prompt = QWidget()
    column = QVBoxLayout(prompt)
    presets = QHBoxLayout()
    presets.addWidget(QLabel("Preset:"))
    presets.addWidget(QComboBox(placeholderText="Start from a preset…"), 1)
    presets.addWidget(QPushButton(text="Delete preset"))
    column.addLayout(presets)
    column.addWidget(QPlainTextEdit(plainText="You are a helpful assistant."))
    column.addWidget(QPushButton(text="Save as preset…"))
    tabs.addTab(prompt, "System prompt")
    tabs.addTab(QWidget(), "Examples")
    tabs.addTab(QWidget(), "Parameters")
    return tabs


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.installEventFilter(FirstPaint(window))
    window.setWindowTitle("New conversation — chatdesk")
    number = 0
    for title, count in MENUS.items():
        menu = window.menuBar().addMenu(title)
        for _ in range(count):
            number += 1
            action = QAction(text=f"Action {number}", parent=window)
            action.setShortcuts([QKeySequence(f"Ctrl+Shift+{chr(ord('A') + number)}")])
            window.addAction(action)
            menu.addAction(action)
    bar = QToolBar("Main", window)
    bar.setMovable(False)
    window.addToolBar(bar)
    for action in window.actions()[:3]:
        bar.addAction(action)
    bar.addWidget(QLabel("Connection:"))
    connection = QComboBox()
    connection.addItem("work")
    bar.addWidget(connection)
    deployment = QComboBox()
    deployment.addItem("gpt-4o (default)")
    bar.addWidget(deployment)
    bar.addAction(window.actions()[3])
    split = QSplitter(parent=window)
    split.addWidget(sidebar())
    split.addWidget(chat_column())
    split.addWidget(setup_tabs())
    window.setCentralWidget(split)
    window.statusBar()
    window.resize(1180, 780)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
