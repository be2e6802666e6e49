"""What cannot be done on the laptop's offline copy, and why, in one place (issue 12).

A window or panel works on the copy when its workspace's engine is the copy's
(``works_offline``): the mark ``open_local_copy`` puts on the engine, the same
one the copy's outbox listens for when it refuses a change, so what the screen
disables and what the services refuse cannot drift apart.

There, what the shared database decides is disabled before it is tried, its
tooltip (and, where a button is the only way to it, a short note beside it)
saying so in one sentence (``offline_reason``): "Not while working offline:
closing or reopening a record needs the shared database. It can be done when
this laptop is back online." ``NEEDS_SERVER`` lists every such action. What
can be done offline stays on: recording a contact with its measurements and
findings, drafting and sending a new referral, deciding the prompts a visit
recorded offline raises, printing, and correcting the details the copy may
change (``healthvisitor.sync.records.EDITABLE_FIELDS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QPushButton, QWidget

from healthvisitor.sync.offline_changes import on_local_copy

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace

#: The one sentence said for everything that cannot be done offline.
NOT_OFFLINE = (
    "Not while working offline: {why} needs the shared database. It can be done when this "
    "laptop is back online."
)

#: What every window on the copy says at its top (the main window's banner, ui/offline_window.py).
WORKING_OFFLINE = (
    "Working offline: changes are kept on this laptop and sent when the shared database "
    "answers again."
)
#: The record window's banner: what works, and where to see why the rest does not.
RECORD_OFFLINE = (
    f"{WORKING_OFFLINE} Contacts, new referrals and printing work as usual; what needs the "
    "shared database is switched off, and says why when you point at it."
)
#: The end of the title of every window on the copy.
TITLE_SUFFIX = " — working offline"
CARRY_ON_TEXT = "Synchronise and carry on &online"
BANNER_STYLE = (
    "QFrame#offlineBanner { background: #FFEB3B; }"
    "QLabel#offlineBannerText { color: #212B32; font-weight: bold; }"
)

#: What cannot be done on the copy, each in the user's words (the start of the sentence).
NEEDS_SERVER: dict[str, str] = {
    # The main window (ui/offline_window.py).
    "records_menu": "registering or transferring records (the shared database decides them)",
    "team_performance_action": "the team's figures (from every laptop's records)",
    "my_figures_action": "your figures (from every laptop's records)",
    "break_glass": "reading another team's record (it is not on this laptop)",
    "conflicts": "resolving conflicts (they are kept on the shared database)",
    # The child's record window (ui/child_record_window.py) and its tabs.
    "record_status": "closing or reopening a record",
    "access_log": "who accessed this record (the audit trail is kept on the shared database)",
    "screening": "recording a screening result or an immunisation",
    "referral_on_server": "changing a referral made before this laptop went offline",
    "prompt_on_server": "deciding a referral prompt raised before this laptop went offline",
    # The "Edit details" forms (ui/edit_details_dialogs.py): the fields that
    # sync/records.py EDITABLE_FIELDS leaves out.
    "details_on_server": (
        "correcting an NHS number, date of birth, sex, gestation or a carer's relationship"
    ),
    # The team board (ui/team_board.py).
    "allocation": (
        "allocating, reallocating, cover and transfers (the shared database decides who "
        "has which child)"
    ),
    "discussion": "recording a discussion asked for before this laptop went offline",
}


def works_offline(workspace: Workspace | None) -> bool:
    """Whether ``workspace`` works on the laptop's offline copy (not the shared database)."""
    engine = getattr(workspace, "engine", None)
    return engine is not None and on_local_copy(engine)


def offline_reason(key: str) -> str:
    """The sentence saying why ``NEEDS_SERVER[key]`` cannot be done offline."""
    return NOT_OFFLINE.format(why=NEEDS_SERVER[key])


def disable_offline(control: QAction | QWidget, key: str) -> str:
    """Switch ``control`` off, its tooltip (and an action's status tip) saying why."""
    words = offline_reason(key)
    control.setEnabled(False)
    control.setToolTip(words)
    if isinstance(control, QAction):
        control.setStatusTip(words)
        for menu in control.associatedObjects():
            if isinstance(menu, QMenu):
                menu.setToolTipsVisible(True)  # a menu shows none unless asked
    return words


class OfflineBanner(QFrame):
    """The yellow strip at the top of a window on the copy (the main window adds the way
    back online: ``button``, hidden until the shared database answers)."""

    def __init__(self, parent: QWidget | None = None, text: str = WORKING_OFFLINE) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.setAutoFillBackground(True)
        self.text = QLabel(text)
        self.text.setObjectName("offlineBannerText")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Working offline")
        self.button = QPushButton(CARRY_ON_TEXT.replace("&", ""))
        self.button.setAccessibleName("Synchronise and carry on online")
        self.button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)


def offline_note(accessible_name: str) -> QLabel:
    """The short visible note beside a button that is the only way to an action (hidden)."""
    note = QLabel()
    note.setObjectName("secondaryText")  # the read-only notes' look
    note.setWordWrap(True)
    note.setAccessibleName(accessible_name)
    note.hide()
    return note


def say_offline(note: QLabel, key: str | None) -> None:
    """Show ``offline_reason(key)`` in ``note``, or hide it (``key`` None)."""
    note.setText(offline_reason(key) if key else "")
    note.setVisible(key is not None)


__all__ = [
    "BANNER_STYLE",
    "CARRY_ON_TEXT",
    "NEEDS_SERVER",
    "NOT_OFFLINE",
    "RECORD_OFFLINE",
    "TITLE_SUFFIX",
    "WORKING_OFFLINE",
    "OfflineBanner",
    "disable_offline",
    "offline_note",
    "offline_reason",
    "say_offline",
    "works_offline",
]
