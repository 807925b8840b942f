"""The profiles column of the Connections dialog: the profiles being edited (drafts, see
`service/profile_edits.ProfileEdit`), the list that selects one, Add / Duplicate / Remove, and
"Use for new conversations", which makes one the default (the settings' active profile).

Selecting a profile only shows it: the default changes when the person says so, when it is
removed (the first one left takes over, as `Settings.remove_profile` does), or when a profile
is added to an empty list. The list marks the default, so Save never changes it unseen.

Names stay unique across drafts, key entries and removed profiles, so a key can never land on
another profile's entry. Signals: selected(object) — the draft to show, or None;
leaving() — the shown draft is about to go (its sign-in and test must stop);
duplicated(object, object) — a copy was made of a draft (source, copy); added() — a new
draft is shown (its name is to be typed).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec.structs

from chatdesk.core.profile_env import profile_from_env
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.profile_edits import ProfileEdit
from chatdesk.ui.connection_endpoint import check
from chatdesk.ui.connection_widgets import KIND_LABELS
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.gui import QIcon
from chatdesk.ui.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

NEW_PROFILE_NAME = "Azure OpenAI"
DEFAULT_MARK = " (default)"  # after the name of the profile new conversations use
LIST_MAX_WIDTH = 320  # the profile list widens to its names up to this (px), then scrolls


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
        self.default: ProfileEdit | None = None  # the one new conversations use
        self.saved_default: ProfileEdit | None = None  # ... as the settings say (loaded)
        self.remove_box: QMessageBox | None = None  # "Remove profile 'X'?" while it is asked
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
        self.use_btn = self._tool(
            "Use for new conversations",
            "Use for new conversations",
            "New conversations (Ctrl+N) use this profile; the list marks it (default)",
        )
        self.use_btn.setCheckable(True)  # checked: the profile shown is the default already
        self.use_btn.clicked.connect(self.make_default)
        self.add_btn.clicked.connect(self.add)
        self.duplicate_btn.clicked.connect(self.duplicate)
        self.remove_btn.clicked.connect(self.remove)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.add_btn, self.duplicate_btn, self.remove_btn):
            buttons.addWidget(button)
        # What "Use for new conversations" changed, said until Save (or until undone).
        self.notice = QLabel("", self)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Default profile notice")
        self.notice.hide()
        # The buttons over the list: the dialog grows downwards (a test's answer, a note), and
        # buttons under the list moved with it; a click meant for Add landed on "Use for new
        # conversations" (session 14's tester).
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.use_btn)
        layout.addWidget(self.notice)
        layout.addWidget(self.profile_list, 1)
        self._least = max(170, buttons.sizeHint().width(), self.use_btn.sizeHint().width())
        self._set_width(self._least)

    def _set_width(self, width: int) -> None:
        self.profile_list.setFixedWidth(width)
        self.use_btn.setFixedWidth(width)
        self.notice.setFixedWidth(width)

    def _fit_names(self) -> None:
        """Widen the list to show its widest row whole (bold "(default)", a warning icon: the
        first start's "Azure OpenAI (default)" was cut, over a horizontal scroll bar), up to
        `LIST_MAX_WIDTH`, beyond which it scrolls. It never narrows while the dialog is open:
        the fields beside it do not move as a name is typed shorter."""
        rows = self.profile_list.sizeHintForColumn(0)
        needed = rows + 2 * self.profile_list.frameWidth() + 2
        width = min(max(self._least, needed), LIST_MAX_WIDTH)
        if width > self.profile_list.width():
            self._set_width(width)

    def _tool(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def load(
        self,
        saved: list[ConnectionProfile],
        env: Mapping[str, str],
        select: str | None,
        active: str | None = None,
    ) -> None:
        """Drafts of the saved profiles (on first launch: one new profile, from the
        environment variables when they are set); `select` is shown, `active` is the default
        (none saved: the first, as `Connections.active` reads it)."""
        if saved:
            for profile in saved:
                self.drafts.append(
                    ProfileEdit(msgspec.structs.replace(profile), profile.name, profile.name)
                )
        else:
            profile = profile_from_env(env) or ConnectionProfile(
                NEW_PROFILE_NAME, "azure-v1", "", ""
            )
            self.drafts.append(ProfileEdit(profile, None, profile.name))
        originals = [d.original for d in self.drafts]
        self.default = self.drafts[originals.index(active) if active in originals else 0]
        self.saved_default = self.default
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
            default = draft is self.default
            item.setText((draft.profile.name.strip() or "(no name)") + (DEFAULT_MARK * default))
            error = check(draft.profile).error
            tip = error or KIND_LABELS[draft.profile.kind]
            item.setToolTip(tip + ("\nUsed for new conversations" if default else ""))
            item.setIcon(warning if error else QIcon())
            font = item.font()
            font.setBold(default)
            item.setFont(font)
        self._fit_names()
        self._show_default()

    def _show_default(self) -> None:
        """The button checked (and done) for the default, and a word when it is not the saved
        one: one click changes what every new conversation uses."""
        shown_is_default = self.current is not None and self.current is self.default
        self.use_btn.setChecked(shown_is_default)
        self.use_btn.setEnabled(self.current is not None and not shown_is_default)
        changed = self.default is not None and self.default is not self.saved_default
        name = self.default.profile.name.strip() if self.default is not None else ""
        self.notice.setText(f"New conversations will use “{name}” once you save." * changed)
        self.notice.setVisible(changed)

    def make_default(self) -> None:
        """New conversations use the profile shown (on Save)."""
        if self.current is not None:
            self.default = self.current
            self.refresh()

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
        if self.default is None:  # the only profile: new conversations can use no other
            self.default = self.drafts[-1]
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
        self.append(msgspec.structs.replace(source.profile, name=name))
        if self.current is not None and self.current is not source:
            self.duplicated.emit(source, self.current)

    def remove(self) -> None:
        """Ask before removing the profile shown (its key and sign-in go on Save)."""
        draft = self.current
        if draft is None or self.remove_box is not None:
            return
        name = draft.profile.name.strip() or "(no name)"
        # A title the window manager shows whole beside the app's name ("Remove profile"
        # was cut to "Remove p… chatdesk" over this narrow box); the question is the text.
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove",
            f"Remove profile '{name}'?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window(),
        )
        box.setAccessibleName("Remove profile")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setInformativeText(
            "On Save its key and sign-in are removed too. Conversations made with it "
            "say so when opened, and use the default profile until you choose another."
        )

        def answered(result: int) -> None:
            self.remove_box = None
            if result == QMessageBox.StandardButton.Yes and draft in self.drafts:
                self._remove(draft)

        box.finished.connect(answered)
        self.remove_box = box
        box.open()

    def _remove(self, draft: ProfileEdit) -> None:
        if self.current is not draft:
            self.profile_list.setCurrentRow(self.drafts.index(draft))
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
        if self.default is draft:
            self.default = self.drafts[0] if self.drafts else None
        self.current = None
        self.profile_list.takeItem(row)  # may already select the neighbour
        if self.current is None:
            self._row_changed(self.profile_list.currentRow())
            if self.current is None:
                self.selected.emit(None)
        self.refresh()

    def _row_changed(self, row: int) -> None:
        draft = self.drafts[row] if 0 <= row < len(self.drafts) else None
        if draft is not self.current:
            self.current = draft
            self.duplicate_btn.setEnabled(draft is not None)
            self.remove_btn.setEnabled(draft is not None)
            self._show_default()
            self.selected.emit(draft)
