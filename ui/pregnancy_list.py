"""The pregnancies on a caseload, beside its children: where the antenatal review is recorded.

Issue 3: the antenatal health promoting review is due from 28 weeks, before
there is a child's record to open it from. The caseload panel shows this
list on its "Pregnancies" tab, for the health visitor chosen in its combo;
Enter or a double-click on a row (or the panel's button) asks for the
antenatal contact form for that pregnancy. "Record birth…" (the table's
context menu, or Records > Record the birth, Ctrl+Shift+B) asks for the
birth of the chosen pregnancy's baby (issue 4). "Referral prompts and
referrals…" (the context menu, or Ctrl+R in the table) asks for the mother's
referral prompts still to decide and her referrals (issue 5): a prompt raised
at the antenatal review has no child's record to wait on. It asks the
``Workspace`` for plain rows and never touches the database itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.ui.pregnancy_model import (
    COLUMNS,
    MOTHER,
    PREGNANCY_ROLE,
    PregnancyModel,
    PregnancyProxy,
)

if TYPE_CHECKING:
    from healthvisitor.services.pregnancies import PregnancyRow


def pregnancies(count: int) -> str:
    return f"{count} pregnancy" if count == 1 else f"{count} pregnancies"


class PregnancyList(QWidget):
    """One caseload's ongoing pregnancies, filtered by the caseload's search."""

    #: The ``PregnancyRow`` whose antenatal review the user asked to record.
    review_requested = Signal(object)
    #: The chosen pregnancy changed (the panel enables its button).
    current_changed = Signal()
    #: The ``PregnancyRow`` whose baby's birth the user asked to record.
    birth_requested = Signal(object)
    #: The ``PregnancyRow`` that ended otherwise (miscarriage, moved away...).
    outcome_requested = Signal(object)
    #: The ``PregnancyRow`` whose mother's referral prompts and referrals were asked for.
    referrals_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PregnancyModel(self)
        self.proxy = PregnancyProxy(self.model, self)
        self.owner = ""  # whose caseload, for the empty state
        self.search_text = ""

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Pregnancies")
        self.table.setAccessibleDescription(
            "Ongoing pregnancies on this caseload; Enter records the antenatal review"
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
        self.table.setSortingEnabled(True)
        # -1: the service's own order (estimated date of delivery) until a heading is chosen.
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.empty_state = QLabel()
        self.empty_state.setObjectName("emptyState")
        self.empty_state.setWordWrap(True)
        self.empty_state.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.empty_state)
        layout.addWidget(self.table, 1)

        # The table's context menu (right click, or the menu key): what can be done
        # with the chosen pregnancy. No shortcut here: the Records menu has it.
        self.antenatal_action = QAction("Record the &antenatal review…", self.table)
        self.antenatal_action.triggered.connect(self.request_review)
        self.birth_action = QAction("Record the &birth…", self.table)
        self.birth_action.triggered.connect(self.request_birth)
        self.outcome_action = QAction("Record how the pregnancy &ended otherwise…", self.table)
        self.outcome_action.triggered.connect(self.request_outcome)
        self.referrals_action = QAction("Referral &prompts and referrals…", self.table)
        # Only while the table has the focus: the window's own Ctrl+R is not taken.
        self.referrals_action.setShortcut(QKeySequence("Ctrl+R"))
        self.referrals_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.referrals_action.triggered.connect(self.request_referrals)
        self.table.addAction(self.antenatal_action)
        self.table.addAction(self.birth_action)
        self.table.addAction(self.outcome_action)
        self.table.addAction(self.referrals_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.current_changed.connect(self._enable_actions)
        self._enable_actions()

        # activated: Enter on a row, or a double-click (Qt emits it for both).
        self.table.activated.connect(self._row_activated)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)

    # --- Rows -------------------------------------------------------------------

    def show_rows(self, rows: Sequence[PregnancyRow], owner: str) -> None:
        chosen = self.current_pregnancy_id()
        self.owner = owner
        self.model.set_lines(rows)
        self._size_columns()
        self._update_empty_state()
        if chosen is not None:
            self.choose(chosen)
        self.current_changed.emit()

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.resizeSection(column, header.sectionSize(column) + 24)
        header.resizeSection(MOTHER, max(header.sectionSize(MOTHER), 220))

    def set_search_text(self, text: str) -> None:
        self.search_text = text
        self.proxy.set_search_text(text)
        self._update_empty_state()
        self.current_changed.emit()

    def counts(self) -> tuple[int, int]:
        """(pregnancies shown, pregnancies on the caseload)."""
        return self.proxy.rowCount(), self.model.rowCount()

    def _update_empty_state(self) -> None:
        shown, total = self.counts()
        if total == 0:
            self.empty_state.setText(f"No ongoing pregnancies are allocated to {self.owner}.")
        elif shown == 0:
            self.empty_state.setText(
                f"No pregnancy on this caseload matches “{self.search_text.strip()}”. "
                "Search by the mother's name, family name or postcode."
            )
        self.empty_state.setVisible(shown == 0)

    # --- The chosen pregnancy ------------------------------------------------------

    def current_row(self) -> PregnancyRow | None:
        index = self.table.currentIndex()
        row: PregnancyRow | None = index.data(PREGNANCY_ROLE) if index.isValid() else None
        return row

    def current_pregnancy_id(self) -> uuid.UUID | None:
        row = self.current_row()
        return row.pregnancy_id if row is not None else None

    def choose(self, pregnancy_id: uuid.UUID) -> bool:
        for row in range(self.proxy.rowCount()):
            line = self.proxy.index(row, MOTHER).data(PREGNANCY_ROLE)
            if line is not None and line.pregnancy_id == pregnancy_id:
                self.table.selectRow(row)
                return True
        return False

    def request_review(self) -> None:
        row = self.current_row()
        if row is not None:
            self.review_requested.emit(row)

    def request_birth(self) -> None:
        row = self.current_row()
        if row is not None:
            self.birth_requested.emit(row)

    def request_outcome(self) -> None:
        row = self.current_row()
        if row is not None:
            self.outcome_requested.emit(row)

    def request_referrals(self) -> None:
        row = self.current_row()
        if row is not None:
            self.referrals_requested.emit(row)

    def _enable_actions(self) -> None:
        row = self.current_row()
        actions = (
            self.antenatal_action,
            self.birth_action,
            self.outcome_action,
            self.referrals_action,
        )
        for action in actions:
            action.setEnabled(row is not None)
        if row is not None and row.prompts_to_decide:
            self.referrals_action.setText(
                f"Referral &prompts ({row.prompts_to_decide} to decide) and referrals…"
            )
        else:
            self.referrals_action.setText("Referral &prompts and referrals…")

    def _row_activated(self, _index: object) -> None:
        self.request_review()

    def _current_row_changed(self, _current: object, _previous: object) -> None:
        self.current_changed.emit()
