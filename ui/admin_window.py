"""The administrator's window: what an administrator does, and no child's record.

An administrator manages user accounts and referral types and looks up who
accessed a child's record (issue 8: "Administrator: users, teams,
configuration, referral types; no clinical access unless also given a clinical
role"). They have no caseload, so the caseload window is not theirs; this one
is, with the same File menu (lock, sign out, quit) so the idle lock and
sign-out work as for everyone.

The window's body is the list of user accounts (``ui/account_dialogs.py``);
``healthvisitor user`` on the command line does the same for IT.
Hiding a button is never the control: the services refuse what a role may not do.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError
from healthvisitor.ui.access_log_view import DEFAULT_DAYS_BACK, open_access_log
from healthvisitor.ui.account_dialogs import AccountsView
from healthvisitor.ui.main_window import database_location
from healthvisitor.ui.referral_types_admin import AdministrationMenu, ReferralTypesDialog
from healthvisitor.ui.theme import app_icon
from healthvisitor.ui.worker import warn_not_shown

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.ui.access_log_view import AccessLogDialog


class AdministrationWindow(QMainWindow):
    """User accounts, referral types and the access log, for an administrator signed in."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        actor = workspace.actor
        self.setWindowTitle("HealthVisitor — administration")
        self.setWindowIcon(app_icon())
        self.setAccessibleName("HealthVisitor administration window")

        file_menu = self.menuBar().addMenu("&File")
        self.lock_action = file_menu.addAction("&Lock")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.sign_out_action = file_menu.addAction("Sign &out")
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        self.administration = AdministrationMenu(self, workspace)
        self.menuBar().addMenu(self.administration)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        heading = QLabel(f"Signed in as {actor.full_name}, administrator", body)
        heading.setObjectName("heading")
        layout.addWidget(heading)
        explained = QLabel(
            "An administrator has no access to children's records. From here you can "
            "manage who can sign in, the referral types, and answer a family who asks "
            "who looked at their child's record.",
            body,
        )
        explained.setWordWrap(True)
        layout.addWidget(explained)
        self.referral_types_button = QPushButton("&Referral types…", body)
        self.referral_types_button.setAccessibleName("Referral types")
        self.referral_types_button.clicked.connect(self.open_referral_types)
        self.access_log_button = QPushButton("&Who accessed a child's record…", body)
        self.access_log_button.setAccessibleName("Who accessed a child's record")
        self.access_log_button.clicked.connect(self.ask_for_access_log)
        others = QHBoxLayout()
        others.addWidget(self.referral_types_button)
        others.addWidget(self.access_log_button)
        others.addStretch(1)
        layout.addLayout(others)
        self.accounts = AccountsView(workspace, body)
        layout.addWidget(self.accounts, 1)
        self.setCentralWidget(body)
        self.setMinimumSize(900, 520)
        self.resize(1180, 660)

        who = workspace.signed_in()
        self.user_label = QLabel(f"Signed in as {actor.full_name} (administrator)")
        self.user_label.setAccessibleName("Signed in as")
        self.database_label = QLabel(
            f"Database: {database_location(who.database)} ({who.database_source})"
        )
        self.database_label.setAccessibleName("Database")
        self.statusBar().addWidget(self.user_label, 1)
        self.statusBar().addPermanentWidget(self.database_label)

    def status_text(self) -> str:
        """What the status bar says (for tests and screen readers)."""
        return f"{self.user_label.text()}  |  {self.database_label.text()}"

    def open_referral_types(self) -> ReferralTypesDialog:
        return self.administration.open_referral_types()

    def ask_for_access_log(self) -> AccessLogDialog | None:
        """Ask for the child's NHS number, then show who accessed the record."""
        nhs_number, given = QInputDialog.getText(
            self,
            "Who accessed a child's record",
            "The child's NHS number:",
        )
        if not given or not nhs_number.strip():
            return None
        return self.show_access_log(nhs_number)

    def show_access_log(self, nhs_number: str) -> AccessLogDialog | None:
        """The last year's accesses to the record of the child with this NHS number."""
        today = self.workspace.today()
        start = today - dt.timedelta(days=DEFAULT_DAYS_BACK)
        try:
            found = self.workspace.who_accessed(None, start, today, nhs_number=nhs_number)
        except HealthVisitorError as error:
            warn_not_shown(self, "Access log not shown", error)
            return None
        return open_access_log(self, self.workspace, found.child_id, found.child_name, first=found)

    def fit_to_screen(self) -> None:
        """Kept at its own size, which fits a 1366x768 laptop (the caseload window's hook)."""
