"""The system prompt editor: the prompt text and the presets it can start from."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from chatdesk.core.presets import BUILTIN_PRESETS, SystemPreset
from chatdesk.ui import roles
from chatdesk.ui.qt.core import QEvent, QObject, Signal
from chatdesk.ui.qt.gui import QKeyEvent, QKeySequence
from chatdesk.ui.qt.widgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from chatdesk.ui.qt.widgets import QInputDialog


class SystemPromptEditor(QWidget):
    """The system message, with built-in and saved presets to start from.

    Signals: textChanged(str) on every edit by the user; roleChosen(str) with the role the user
    chose for the prompt ("system" or "developer"); presetApplied(SystemPreset) when one is
    chosen (the window applies it, prompt, examples and parameters, and shows it with
    set_text); presetSaved(SystemPreset) with
    a new user preset to persist; presetDeleted(str) with the name of a user preset.
    """

    textChanged = Signal(str)
    roleChosen = Signal(str)
    presetApplied = Signal(object)
    presetSaved = Signal(object)
    presetDeleted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._user_presets: list[SystemPreset] = []
        # One entry per combo row (None for the separator), so rows map to presets by index.
        self._rows: list[SystemPreset | None] = []
        self._quiet = False
        self.save_dialog: QInputDialog | None = None
        self.setAccessibleName("System prompt editor")

        self.preset_box = QComboBox(self)
        self.preset_box.setPlaceholderText("Start from a preset…")
        self.preset_box.setAccessibleName("Preset")
        self.preset_box.view().setAccessibleName("Presets")
        self.preset_box.setToolTip(
            "Replace the system prompt with a preset; presets with examples or parameters "
            "set those too"
        )
        self.preset_box.setMinimumContentsLength(16)
        self.preset_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        label = QLabel("&Preset:", self)
        label.setBuddy(self.preset_box)
        # By keyword, here and below: see chatdesk/ui/qt.
        self.delete_button = QPushButton(text="Delete preset", parent=self)
        self.delete_button.setAccessibleName("Delete preset")
        self.delete_button.setToolTip("Delete the selected preset of your own")
        self.delete_button.setEnabled(False)

        self.edit = QPlainTextEdit(self)
        self.edit.setAccessibleName("System prompt")
        self.edit.setAccessibleDescription(
            "Instructions sent first in every request of this conversation"
        )
        self.edit.setToolTip("The system message: instructions, persona, rules and grounding data")
        self.edit.setPlaceholderText(
            "Describe the assistant: who it is, what it may and may not do, and any data it "
            "should answer from."
        )
        self.edit.setTabChangesFocus(True)  # Tab moves on; the prompt rarely needs a tab
        # Undo is the conversation's (a preset, then typing, undone in order): the editor
        # keeps no history of its own and lets Ctrl+Z / Ctrl+Shift+Z reach the Edit menu.
        self.edit.setUndoRedoEnabled(False)
        self.edit.installEventFilter(self)

        # Which role the next request gives the prompt (system, developer, the first user
        # message, Responses' instructions): the window says it from the request's own rule.
        self.sent_as = QLabel(self)
        self.sent_as.setAccessibleName("How the system prompt is sent")
        self.sent_as.setWordWrap(True)
        # Offered only where the rules leave the role to the user (a model taking either).
        self.role_box = QComboBox(self)
        self.role_box.addItems(["system", "developer"])
        self.role_box.setAccessibleName("Send the system prompt as")
        self.role_box.view().setAccessibleName("Roles")
        self.role_box.setToolTip("The role the system prompt is sent (and saved) as")
        self.role_label = QLabel("Send &as:", self)
        self.role_label.setBuddy(self.role_box)
        self.role_box.hide()
        self.role_label.hide()

        self.save_button = QPushButton(text="Save as preset…", parent=self)
        self.save_button.setAccessibleName("Save as preset")
        self.save_button.setToolTip("Keep this system prompt as a preset of your own")
        self.status = QLabel(self)
        self.status.setAccessibleName("Preset status")
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.preset_box, 1)
        top.addWidget(self.delete_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.edit, 1)
        role = QHBoxLayout()
        role.addWidget(self.sent_as, 1)
        role.addWidget(self.role_label)
        role.addWidget(self.role_box)
        layout.addLayout(role)
        layout.addLayout(bottom)
        self.setTabOrder(self.preset_box, self.delete_button)
        self.setTabOrder(self.delete_button, self.edit)
        self.setTabOrder(self.edit, self.save_button)

        self._fill()
        self.preset_box.activated.connect(self._activated)
        self.preset_box.currentIndexChanged.connect(self._update_delete)
        self.edit.textChanged.connect(self._edited)
        self.role_box.activated.connect(lambda _: self.roleChosen.emit(self.role_box.currentText()))
        self.delete_button.clicked.connect(self._delete)
        self.save_button.clicked.connect(self.ask_preset_name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.edit and kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            keys = QKeySequence.StandardKey
            if isinstance(event, QKeyEvent) and (
                event.matches(keys.Undo) or event.matches(keys.Redo)
            ):
                event.ignore()  # not overridden here: the window's Undo / Redo shortcut runs
                return True
        return False

    # -- public ------------------------------------------------------------------------------
    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        """Show `text` without emitting textChanged (the window is loading a conversation)."""
        self._quiet = True
        try:
            self.edit.setPlainText(text)
        finally:
            self._quiet = False
        self._select(next((p.name for p in self._user_presets if p.system_prompt == text), None))

    def show_sent_as(self, text: str, role: str = "system", choices: tuple[str, ...] = ()) -> None:
        """Say how the next request carries the prompt ("Sent as the developer message: …"),
        and offer the roles in `choices` (none: the request decides), `role` the one set."""
        self.sent_as.setText(text)
        self.role_box.setVisible(bool(choices))
        self.role_label.setVisible(bool(choices))
        self.role_box.setCurrentText(role)

    def set_user_presets(self, presets: list[SystemPreset]) -> None:
        current = self.current_preset()
        # Settings may hold presets of an older shape (no params): keep our own copies.
        self._user_presets = [
            SystemPreset(p.name, p.system_prompt, list(p.examples), dict(getattr(p, "params", {})))
            for p in presets
        ]
        self._fill()
        self._select(current.name if current is not None else None)

    def user_presets(self) -> list[SystemPreset]:
        return list(self._user_presets)

    def current_preset(self) -> SystemPreset | None:
        index = self.preset_box.currentIndex()
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def ask_preset_name(self) -> None:
        """Ask for a name with a non-blocking dialog; `save_dialog` is it, for tests."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Save as preset")
        dialog.setLabelText("Name of the preset:")
        dialog.setAccessibleName("Preset name")
        current = self.current_preset()
        if current is not None and current in self._user_presets:
            dialog.setTextValue(current.name)
        dialog.textValueSelected.connect(self.save_preset)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.save_dialog = dialog

    def save_preset(self, name: str) -> SystemPreset | None:
        """Save the current text as the user preset `name` (replacing one of that name)."""
        name = name.strip()
        if not name:
            self._say("A preset needs a name.")
            return None
        if any(p.name == name for p in BUILTIN_PRESETS):
            self._say(f"“{name}” is a built-in preset; choose another name.")
            return None
        preset = SystemPreset(name, self.text())
        self._user_presets = [p for p in self._user_presets if p.name != name] + [preset]
        self._fill()
        self._select(name)
        self._say(f"Saved “{name}”.")
        self.presetSaved.emit(preset)
        return preset

    # -- internals ---------------------------------------------------------------------------
    def _fill(self) -> None:
        box = self.preset_box
        box.blockSignals(True)
        box.clear()
        self._rows = []
        for preset in BUILTIN_PRESETS:
            self._add_row(preset, "Built-in: ")
        if self._user_presets:
            box.insertSeparator(box.count())
            self._rows.append(None)
            for preset in self._user_presets:
                self._add_row(preset, "Yours: ")
        box.setCurrentIndex(-1)
        box.blockSignals(False)
        self._update_delete()

    def _add_row(self, preset: SystemPreset, kind: str) -> None:
        self.preset_box.addItem(preset.name)
        tip = kind + _summary(preset)
        self.preset_box.setItemData(self.preset_box.count() - 1, tip, roles.TOOLTIP)
        self._rows.append(preset)

    def _select(self, name: str | None) -> None:
        """Show the user preset `name` as current, or the placeholder."""
        index = -1
        for i, preset in enumerate(self._rows):
            if preset is not None and preset.name == name and preset in self._user_presets:
                index = i
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(index)
        self.preset_box.blockSignals(False)
        self._update_delete()

    def _activated(self, index: int) -> None:
        preset = self._rows[index] if 0 <= index < len(self._rows) else None
        if preset is None:
            return
        self._say("")
        # A copy, so whoever applies it cannot change the built-ins by accident. The window
        # applies it (asking first over a prompt the user wrote) and shows it with set_text.
        self.presetApplied.emit(copy.deepcopy(preset))

    def _edited(self) -> None:
        if not self._quiet:
            self.textChanged.emit(self.edit.toPlainText())

    def _delete(self) -> None:
        preset = self.current_preset()
        if preset is None or preset not in self._user_presets:
            return
        self._user_presets = [p for p in self._user_presets if p is not preset]
        self._fill()
        self._say(f"Deleted “{preset.name}”. The text stays in the editor.")
        self.presetDeleted.emit(preset.name)

    def _update_delete(self) -> None:
        preset = self.current_preset()
        self.delete_button.setEnabled(preset is not None and preset in self._user_presets)

    def _say(self, text: str) -> None:
        self.status.setText(text)


def _summary(preset: SystemPreset) -> str:
    first = preset.system_prompt.strip().splitlines()[0] if preset.system_prompt.strip() else ""
    extra = []
    if preset.examples:
        extra.append(f"{len(preset.examples)} example pair(s)")
    if preset.params:
        extra.append(", ".join(f"{k}={v}" for k, v in preset.params.items()))
    tail = f" ({'; '.join(extra)})" if extra else ""
    return (first[:120] + ("…" if len(first) > 120 else "")) + tail
