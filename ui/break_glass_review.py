"""Break-glass access to a team's records, flagged to its lead (issue 8).

A team lead's main window shows, in its banner, how many break-glass
openings of their team's records they have not yet reviewed
(``BreakGlassNotice``, hidden when there are none); it and View > "Break-glass
access to your team's records…" open ``BreakGlassReviewDialog``: who, when,
which child, why and from which computer, each marked reviewed in turn (the
service audits the review).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.policy import Permission, may
from healthvisitor.ui.break_glass import local_time
from healthvisitor.ui.form_fields import WARNING_SIGN
from healthvisitor.ui.line_lists import attempt, chosen_line, line_table
from healthvisitor.ui.line_table_model import LineColumn, LineTableModel
from healthvisitor.ui.window_modal import open_window_modal

if TYPE_CHECKING:
    from healthvisitor.services.break_glass import BreakGlassOpening
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.ui.main_window import MainWindow

TITLE = "Break-glass access to your team's records"
#: The column that takes the width left (the reason, word-wrapped).
REASON_COLUMN = 5
#: How often the lead's notice asks again (someone may break the glass at any time).
NOTICE_REFRESH_MS = 5 * 60 * 1000


def notice_text(count: int) -> str:
    """What the notice says, short enough for the banner of a 1366-pixel laptop."""
    return f"{WARNING_SIGN} Break-glass: {count} to review"


def notice_words(count: int) -> str:
    """The notice in full (its tooltip, and what a screen reader says)."""
    return (
        f"{count} break-glass access{'es' if count != 1 else ''} to your team's records "
        "to review: who opened them, and why"
    )


class BreakGlassModel(LineTableModel):
    """The openings still to review, oldest first."""

    columns = (
        LineColumn(
            "When",
            lambda o: f"{o.granted_at.astimezone():%d %b %Y %H:%M}",
            spoken=lambda o: f"{o.granted_at.astimezone():%d %B %Y at %H:%M}",
        ),
        LineColumn("Who", lambda o: f"{o.who} ({o.who_role.lower()})"),
        LineColumn("Their team", lambda o: o.who_team or "No team"),
        LineColumn("Child", lambda o: o.child_name),
        LineColumn("NHS number", lambda o: o.nhs_number),
        LineColumn("Reason", lambda o: o.reason, tooltip=lambda o: o.reason),
        LineColumn("Computer", lambda o: o.machine),
    )

    def opening_at(self, row: int) -> BreakGlassOpening:
        opening: BreakGlassOpening = self.line_at(row)
        return opening


class BreakGlassReviewDialog(QDialog):
    """Who opened the team's records by break-glass, and why; each marked reviewed."""

    #: The list changed (an opening marked reviewed): the notice counts again.
    reviewed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle(TITLE)
        self.resize(1200, 460)  # a 1366x768 laptop: the reasons readable in the table
        intro = QLabel(
            "People of other teams opened these records of your team by break-glass. "
            "Check each reason; if one is not a real need, take it up with them or with "
            "information governance. Marking one reviewed takes it off this list (the audit "
            "trail keeps it)."
        )
        intro.setWordWrap(True)
        intro.setObjectName("formNote")
        self.model = BreakGlassModel(self)
        self.table = line_table(
            self.model,
            "Break-glass openings to review",
            self._chosen_changed,
            stretch_column=REASON_COLUMN,
        )
        self.table.setWordWrap(True)  # the reason, in full
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("The chosen opening")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty = QLabel("Nothing to review: no break-glass access to your team's records.")
        self.empty.setObjectName("emptyState")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #D5281B; font-weight: bold;")
        self.problem.hide()
        self.mark_button = QPushButton("&Mark as reviewed")
        self.mark_button.setAccessibleName("Mark the chosen opening as reviewed")
        self.mark_button.setAutoDefault(False)
        self.mark_button.clicked.connect(lambda: self.mark_reviewed())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.mark_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        try:
            openings = self.workspace.break_glass_to_review()
        except HealthVisitorError as error:
            self._say(str(error))
            openings = ()
        self.model.set_lines(openings)
        self.empty.setVisible(not openings)
        self.table.setVisible(bool(openings))
        if openings:
            self.table.selectRow(0)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._chosen_changed()

    def chosen(self) -> BreakGlassOpening | None:
        opening: BreakGlassOpening | None = chosen_line(self.table)
        return opening

    def _chosen_changed(self) -> None:
        opening = self.chosen()
        self.mark_button.setEnabled(opening is not None)
        if opening is None:
            self.detail.clear()
            return
        granted = opening.granted_at.astimezone()
        self.detail.setText(
            f"{opening.who} ({opening.who_role.lower()}, {opening.who_team or 'no team'}) "
            f"opened {opening.child_name}'s record ({opening.nhs_number}) on "
            f"{granted:%d %b %Y} at {granted:%H:%M} from "
            f"{opening.machine or 'an unnamed computer'}, read-only until "
            f'{local_time(opening.expires_at, granted.date())}, because: "{opening.reason}"'
        )

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def mark_reviewed(self) -> bool:
        """Mark the chosen opening reviewed (audited), and show the rest."""
        opening = self.chosen()
        if opening is None or not attempt(
            lambda: self.workspace.mark_break_glass_reviewed(opening.id),
            lambda error: self._say(str(error)),
        ):
            return False
        self._say("")
        self.load()
        self.reviewed.emit()
        return True


class BreakGlassNotice(QPushButton):
    """The lead's notice in the banner: how many openings to review; hidden when none."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.count = 0
        self.dialog: BreakGlassReviewDialog | None = None
        self.setObjectName("breakGlassNotice")
        self.setAutoDefault(False)
        self.setFlat(True)
        self.setStyleSheet(
            "QPushButton#breakGlassNotice { color: #FFFFFF; background: #D5281B;"
            " font-weight: bold; padding: 2px 10px; border-radius: 3px; }"
        )
        self.clicked.connect(lambda: self.open_review())
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(NOTICE_REFRESH_MS)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.count = len(self.workspace.break_glass_to_review())
        except HealthVisitorError:
            return  # offline: the connection indicator says so; the notice keeps its count
        self.setText(notice_text(self.count))
        self.setAccessibleName(notice_words(self.count))
        self.setToolTip(notice_words(self.count))
        self.setMinimumWidth(self.sizeHint().width())  # never squeezed by the search box
        self.setVisible(self.count > 0)

    def open_review(self) -> BreakGlassReviewDialog:
        """The review dialog, window-modal over the main window."""
        if self.dialog is not None:
            self.dialog.activateWindow()
            return self.dialog
        dialog = BreakGlassReviewDialog(self.workspace, self.window())
        dialog.reviewed.connect(self.refresh)
        self.dialog = dialog
        return open_window_modal(dialog, self._closed)

    def _closed(self, _result: int) -> None:
        self.dialog = None
        self.refresh()


def add_break_glass_notice(menu: QMenu, window: MainWindow) -> BreakGlassNotice | None:
    """A team lead's notice in the window's banner, and its menu item (None for anyone else)."""
    if not may(window.workspace.actor.role, Permission.REVIEW_BREAK_GLASS):
        return None
    notice = BreakGlassNotice(window.workspace, window)
    # In the banner along the top, before the team's name, where a lead looks first
    # (the status bar of a 1366-pixel laptop is full); the status bar if there is none.
    banner = window.findChild(QFrame, "banner")
    row = banner.layout() if banner is not None else None
    if isinstance(row, QHBoxLayout) and row.count() > 0:
        row.insertWidget(row.count() - 1, notice)
        row.insertSpacing(row.count() - 1, 12)
    else:
        window.statusBar().addPermanentWidget(notice)
    action = menu.addAction("Break-glass access to your &team's records…")
    action.triggered.connect(notice.open_review)
    return notice
