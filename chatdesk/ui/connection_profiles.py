"""The profiles column of the Connections dialog: the profiles being edited (drafts, see
`service/profile_edits.ProfileEdit`), the list that selects one, and Add / Duplicate / Remove.

Names stay unique across drafts, key entries and removed profiles, so a key can never land on
another profile's entry. Signals: selected(object) — the draft to show, or None;
leaving() — the shown draft is about to go (its sign-in and test must stop);
duplicated(object, object) — a copy was made of a draft (source, copy); added() — a new
draft is shown (its name is to be typed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from chatdesk.core.profile_env import profile_from_env
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.profile_edits import ProfileEdit
from chatdesk.ui.connection_endpoint import check
from chatdesk.ui.connection_widgets import KIND_LABELS
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.gui import QIcon
from chatdesk.ui.qt.widgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

NEW_PROFILE_NAME = "Azure OpenAI"


class ProfileList(QWidget):
    selected = Signal(object)
    leaving = Signal()
    duplicated = Signal(object, object)
    added = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.drafts: list[ProfileEdit] = []
        self.removed: list[str] = []  # original names of removed profiles
        self.discarded: list[str] = []  # key names of removed new drafts (a key may be saved)
        # key name of each removed profile → its secret headers, whose keyring values go too
        self.gone_headers: dict[str, list[str]] = {}
        self.current: ProfileEdit | None = None
        self.profile_list = QListWidget(self)
        self.profile_list.setAccessibleName("Profiles")
        self.profile_list.setToolTip("Your connection profiles; select one to edit it")
        self.profile_list.currentRowChanged.connect(self._row_changed)
        self.add_btn = self._tool("Add", "Add profile", "Add a new connection profile")
        self.duplicate_btn = self._tool(
            "Duplicate",
            "Duplicate profile",
            "Copy the selected profile; you are asked whether the copy uses the same key",
        )
        self.remove_btn = self._tool(
            "Remove",
            "Remove profile",
            "Remove the selected profile; on Save its key is removed from the keyring too",
        )
        self.add_btn.clicked.connect(self.add)
        self.duplicate_btn.clicked.connect(self.duplicate)
        self.remove_btn.clicked.connect(self.remove)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.add_btn, self.duplicate_btn, self.remove_btn):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.profile_list, 1)
        layout.addLayout(buttons)
        self.profile_list.setFixedWidth(max(170, buttons.sizeHint().width()))

    def _tool(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def load(
        self, saved: list[ConnectionProfile], env: Mapping[str, str], select: str | None
    ) -> None:
        """Drafts of the saved profiles (on first launch: one new profile, from the
        environment variables when they are set); `select` is shown."""
        if saved:
            for profile in saved:
                self.drafts.append(
                    ProfileEdit(dataclasses.replace(profile), profile.name, profile.name)
                )
        else:
            profile = profile_from_env(env) or ConnectionProfile(
                NEW_PROFILE_NAME, "azure-v1", "", ""
            )
            self.drafts.append(ProfileEdit(profile, None, profile.name))
        for draft in self.drafts:
            self.profile_list.addItem(QListWidgetItem(draft.profile.name))
        names = [d.profile.name for d in self.drafts]
        self.profile_list.setCurrentRow(names.index(select) if select in names else 0)
        self.refresh()

    def refresh(self) -> None:
        """Each item shows its draft's current name, and a warning when it cannot be saved."""
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for row, draft in enumerate(self.drafts):
            item = self.profile_list.item(row)
            if item is None:
                continue
            item.setText(draft.profile.name.strip() or "(no name)")
            error = check(draft.profile).error
            item.setToolTip(error or KIND_LABELS[draft.profile.kind])
            item.setIcon(warning if error else QIcon())

    def fresh_name(self, base: str) -> str:
        """A name no draft, key entry or removed profile uses, so keys cannot collide."""
        taken = {d.profile.name for d in self.drafts} | {d.key_name for d in self.drafts}
        taken |= set(self.removed) | set(self.discarded)
        name, n = base, 2
        while name in taken:
            name, n = f"{base} {n}", n + 1
        return name

    def append(self, profile: ConnectionProfile) -> None:
        self.drafts.append(ProfileEdit(profile, None, profile.name))
        self.profile_list.addItem(QListWidgetItem(profile.name))
        self.profile_list.setCurrentRow(len(self.drafts) - 1)
        self.refresh()
        self.added.emit()

    def add(self) -> None:
        self.append(ConnectionProfile(self.fresh_name(NEW_PROFILE_NAME), "azure-v1", "", ""))

    def duplicate(self) -> None:
        source = self.current
        if source is None:
            return
        name = self.fresh_name(f"{source.profile.name.strip()} (copy)")
        self.append(dataclasses.replace(source.profile, name=name))
        if self.current is not None and self.current is not source:
            self.duplicated.emit(source, self.current)

    def remove(self) -> None:
        draft = self.current
        if draft is None:
            return
        row = self.drafts.index(draft)
        self.leaving.emit()
        if draft.original is not None:
            self.removed.append(draft.original)
        else:
            self.discarded.append(draft.key_name)
        self.gone_headers[draft.key_name] = [
            *draft.profile.secret_headers, *draft.dropped_headers
        ]
        self.drafts.pop(row)
        self.current = None
        self.profile_list.takeItem(row)  # may already select the neighbour
        if self.current is None:
            self._row_changed(self.profile_list.currentRow())
            if self.current is None:
                self.selected.emit(None)

    def _row_changed(self, row: int) -> None:
        draft = self.drafts[row] if 0 <= row < len(self.drafts) else None
        if draft is not self.current:
            self.current = draft
            self.duplicate_btn.setEnabled(draft is not None)
            self.remove_btn.setEnabled(draft is not None)
            self.selected.emit(draft)
