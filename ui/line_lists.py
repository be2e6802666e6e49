"""A list to act on: a read-only table, one row chosen at a time, and buttons for that row.

The administrator's accounts (``account_dialogs.AccountsView``), the referral
types (``referral_types_admin.ReferralTypesDialog``) and a team lead's
break-glass review (``break_glass_review.BreakGlassReviewDialog``) are each a
``LineTableModel`` shown by ``line_table``, whose buttons follow the row
chosen. A button acts on the chosen line through ``attempt``: a refusal goes
to the screen's own way of saying it, and only a success reads the list again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from healthvisitor.errors import HealthVisitorError
from healthvisitor.ui.line_table_model import LINE_ROLE


def line_table(
    model: QAbstractItemModel,
    name: str,
    chosen_changed: Callable[[], None],
    *,
    stretch_column: int | None = None,
) -> QTableView:
    """A table of ``model``'s lines, read-only, one row chosen at a time.

    ``name`` is what a screen reader calls it. The columns fit their contents
    and ``stretch_column`` (the last one if None) takes the width left.
    ``chosen_changed`` runs whenever the chosen row changes, to enable the
    buttons that act on it.
    """
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)  # Tab goes on to the buttons
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch_column is None:
        header.setStretchLastSection(True)
    else:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    # The selection, not the current row: Qt moves the current row before it selects.
    table.selectionModel().selectionChanged.connect(lambda _selected, _deselected: chosen_changed())
    return table


def chosen_line(table: QTableView) -> Any:
    """The line of the row chosen in ``table`` (through any proxy), None if none is."""
    rows = table.selectionModel().selectedRows()
    return rows[0].data(LINE_ROLE) if rows else None


def attempt(action: Callable[[], object], refused: Callable[[HealthVisitorError], None]) -> bool:
    """Do ``action``; True if done, else False with the refusal handed to ``refused``."""
    try:
        action()
    except HealthVisitorError as error:
        refused(error)
        return False
    return True
