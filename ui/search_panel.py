"""Find a child in the team (issue 4): a search box one keystroke away, results as you type.

The box sits in the window's banner and Ctrl+F reaches it from anywhere in
the main window. Each pause in typing (``DEBOUNCE_MS``) asks the
``Workspace`` for the team's children that the text finds (an NHS number
with any spacing, a date of birth, a postcode or the start of names) and
``TeamSearch`` shows them in place of the caseload: active records first,
then those no longer active, each saying its record status in words. Enter
or a double-click on a row opens the child's record; Enter in the box opens
the only child found, or moves to the list; Down moves to the list; Esc in
the list goes back to the box, and Esc in the box clears it and returns to
the caseload.

Ongoing pregnancies are found too (the mother's name, the family's name or
the postcode; issue 4), listed after the active children: each row says
"Pregnancy" and the date the baby is due, in place of a child's record
status and date of birth. Enter on one opens the pregnancy where it is
worked on: the "Pregnancies" tab of its health visitor's caseload, that
pregnancy chosen (``open_pregnancy_requested``).

The search runs on the GUI thread: it is one indexed query, a few
milliseconds at team scale and under about 30 ms with 100,000 children in
the database (``bench/bench_search.py``), shorter than the pause that starts
it, so a worker thread would add more than it saves.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.search import PregnancySearchRow
from healthvisitor.ui.caseload_model import short_date, spoken_date
from healthvisitor.ui.line_table_model import LineColumn, LineTableModel

if TYPE_CHECKING:
    from healthvisitor.services.search import SearchResult, SearchRow
    from healthvisitor.services.workspace import Workspace

#: The pause in typing after which the search runs (issue 4: results as you type).
DEBOUNCE_MS = 200
SEARCH_HINT = "Find a child or an expectant mother: name, NHS number, date of birth or postcode"
#: In the box, beside its label "Find a child".
PLACEHOLDER = "Name, NHS number, date of birth or postcode"
#: NHS mid grey: a record no longer active (its status column says so in words too).
INACTIVE_COLOUR = "#4C6272"


#: What a pregnancy's "Record" cell says (words, never colour alone).
PREGNANCY = "Pregnancy"


def _status_tooltip(row: SearchRow | PregnancySearchRow) -> str:
    if isinstance(row, PregnancySearchRow):
        return (
            f"An ongoing pregnancy, due {spoken_date(row.estimated_delivery_date)}: the baby "
            "is not born yet. Enter shows it on its health visitor's Pregnancies tab"
        )
    if row.active:
        return "An active record"
    return f"{row.status}: no longer on a caseload; the record can still be opened and read"


def _inactive(row: SearchRow | PregnancySearchRow) -> str | None:
    return None if isinstance(row, PregnancySearchRow) or row.active else INACTIVE_COLOUR


def _name(row: SearchRow | PregnancySearchRow) -> str:
    return f"{row.mother_name} (pregnant)" if isinstance(row, PregnancySearchRow) else row.name


def _name_tooltip(row: SearchRow | PregnancySearchRow) -> str:
    if isinstance(row, PregnancySearchRow):
        return f"Press Enter to show {row.mother_name}'s pregnancy"
    return f"Press Enter to open {row.name}'s record"


def _nhs_number(row: SearchRow | PregnancySearchRow) -> str:
    return "—" if isinstance(row, PregnancySearchRow) else row.nhs_number


def _spoken_nhs_number(row: SearchRow | PregnancySearchRow) -> str:
    if isinstance(row, PregnancySearchRow):
        return "None yet: the baby is not born"
    # Digit groups read one digit at a time, as the number is said aloud.
    return " ".join(row.nhs_number.replace(" ", ""))


def _born(row: SearchRow | PregnancySearchRow) -> str:
    if isinstance(row, PregnancySearchRow):
        return f"Due {short_date(row.estimated_delivery_date)}"
    return short_date(row.date_of_birth)


def _spoken_born(row: SearchRow | PregnancySearchRow) -> str:
    if isinstance(row, PregnancySearchRow):
        return f"Due {spoken_date(row.estimated_delivery_date)}"
    return spoken_date(row.date_of_birth)


def _age(row: SearchRow | PregnancySearchRow) -> str:
    return row.gestation if isinstance(row, PregnancySearchRow) else row.age


def _record(row: SearchRow | PregnancySearchRow) -> str:
    return PREGNANCY if isinstance(row, PregnancySearchRow) else row.status


RESULT_COLUMNS: tuple[LineColumn, ...] = (
    LineColumn("Name", _name, tooltip=_name_tooltip, colour=_inactive),
    LineColumn("NHS number", _nhs_number, spoken=_spoken_nhs_number),
    LineColumn("Date of birth", _born, spoken=_spoken_born),
    LineColumn("Age", _age),
    LineColumn("Family", lambda r: r.family),
    LineColumn("Postcode", lambda r: r.postcode),
    LineColumn("Health visitor", lambda r: r.health_visitor),
    LineColumn("Record", _record, tooltip=_status_tooltip, colour=_inactive),
)
NAME, NHS_NUMBER, DATE_OF_BIRTH, AGE, FAMILY, POSTCODE, HEALTH_VISITOR, RECORD = range(
    len(RESULT_COLUMNS)
)


def found_lines(result: SearchResult) -> list[SearchRow | PregnancySearchRow]:
    """The active children, then the ongoing pregnancies, then the records no longer active."""
    active = [row for row in result.rows if row.active]
    closed = [row for row in result.rows if not row.active]
    return [*active, *result.pregnancies, *closed]


class SearchResultsModel(LineTableModel):
    """The children and pregnancies a search found (``found_lines``' order)."""

    columns = RESULT_COLUMNS

    def child_id_at(self, row: int) -> uuid.UUID | None:
        line: SearchRow | PregnancySearchRow = self.line_at(row)
        return None if isinstance(line, PregnancySearchRow) else line.child_id

    def pregnancy_at(self, row: int) -> PregnancySearchRow | None:
        line: SearchRow | PregnancySearchRow = self.line_at(row)
        return line if isinstance(line, PregnancySearchRow) else None


class TeamSearch(QWidget):
    """The search box (``box``, placed in the banner) and the results page it fills."""

    #: The child (a ``uuid.UUID``) whose record the user asked to open.
    open_record_requested = Signal(object)
    #: The ongoing pregnancy (a ``PregnancySearchRow``) the user asked to open.
    open_pregnancy_requested = Signal(object)
    #: The results page should be shown (True) or the caseload again (False).
    showing_changed = Signal(bool)
    #: The user left the search (Esc in the box, or "Back to the caseload").
    left = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.result: SearchResult | None = None
        self.model = SearchResultsModel(self)

        self.box = QLineEdit()
        self.box.setObjectName("teamSearch")
        self.box.setPlaceholderText(PLACEHOLDER)
        self.box.setClearButtonEnabled(True)
        self.box.setAccessibleName("Find a child in the team")
        self.box.setAccessibleDescription(
            "Type a name, NHS number, date of birth or postcode: the team's children, "
            "and expectant mothers by name or postcode, who match are listed as you type"
        )
        self.box.setToolTip(f"{SEARCH_HINT}, in the whole team (Ctrl+F)")
        self.box.setMinimumWidth(380)
        self.label = QLabel("Fin&d a child")
        self.label.setObjectName("teamSearchLabel")
        self.label.setBuddy(self.box)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)

        self.summary = QLabel(SEARCH_HINT)
        self.summary.setObjectName("searchSummary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Search results")

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Children found in the team")
        self.table.setAccessibleDescription(
            "Press Enter to open the chosen child's record, Escape to go back to the search"
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.open_button = QPushButton("&Open record")
        self.open_button.setAccessibleName("Open the chosen child's record")
        self.open_button.setToolTip("Open the chosen child's record (Enter)")
        self.open_button.setAutoDefault(False)
        self.open_button.setEnabled(False)
        self.back_button = QPushButton("Back to the &caseload")
        self.back_button.setAccessibleName("Clear the search and go back to the caseload")
        self.back_button.setToolTip("Clear the search and go back to the caseload (Esc)")
        self.back_button.setAutoDefault(False)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.summary, 1)
        top.addWidget(self.open_button)
        top.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.table, self.open_button)
        self.setTabOrder(self.open_button, self.back_button)

        self.box.textChanged.connect(self._text_changed)
        self.box.returnPressed.connect(self._enter_in_box)
        self.box.installEventFilter(self)
        self.table.installEventFilter(self)
        # activated: Enter on a row, or a double-click (Qt emits it for both).
        self.table.activated.connect(self._row_activated)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.open_button.clicked.connect(self.open_current_record)
        self.back_button.clicked.connect(self.leave)

    # --- Searching ---------------------------------------------------------------

    def _text_changed(self, text: str) -> None:
        if not text.strip():
            self.timer.stop()
            self._show(None)
            self.showing_changed.emit(False)
            return
        self.timer.start()  # restarts: the search waits for a pause in typing

    def search_now(self) -> None:
        """Search for what the box holds now (the pause is over, or Enter was pressed)."""
        self.timer.stop()
        text = self.box.text()
        if not text.strip():
            return
        try:
            result = self._workspace.search_records(text)
        except HealthVisitorError as exc:
            self._show(None, f"The search could not be done: {exc}")
        else:
            self._show(result)
        self.showing_changed.emit(True)

    def _show(self, result: SearchResult | None, problem: str = "") -> None:
        self.result = result
        self.model.set_lines(found_lines(result) if result else ())
        self.summary.setText(problem or (result.summary() if result else SEARCH_HINT))
        if self.model.rowCount():
            self._size_columns()
        self._current_changed(None, None)

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount() - 1):
            header.resizeSection(column, header.sectionSize(column) + 24)

    def clear(self) -> None:
        """Empty the box: the caseload shows again."""
        self.box.clear()

    def leave(self) -> None:
        """Clear the search and hand the keyboard back to the caseload."""
        self.clear()
        self.left.emit()

    def showing(self) -> bool:
        return bool(self.box.text().strip())

    def focus_box(self) -> None:
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def status_text(self) -> str:
        return self.summary.text()

    # --- Moving and opening -----------------------------------------------------

    def current_child_id(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        return self.model.child_id_at(index.row()) if index.isValid() else None

    def current_pregnancy(self) -> PregnancySearchRow | None:
        index = self.table.currentIndex()
        return self.model.pregnancy_at(index.row()) if index.isValid() else None

    def open_current_record(self) -> None:
        """Open the chosen child's record, or show the chosen pregnancy."""
        child_id = self.current_child_id()
        if child_id is not None:
            self.open_record_requested.emit(child_id)
            return
        pregnancy = self.current_pregnancy()
        if pregnancy is not None:
            self.open_pregnancy_requested.emit(pregnancy)

    def _row_activated(self, _index: object) -> None:
        self.open_current_record()

    def _current_changed(self, _current: object, _previous: object) -> None:
        pregnancy = self.current_pregnancy()
        self.open_button.setEnabled(pregnancy is not None or self.current_child_id() is not None)
        what = "pregnancy" if pregnancy is not None else "record"
        self.open_button.setText(f"&Open {what}")
        self.open_button.setAccessibleName(
            "Show the chosen pregnancy on its caseload"
            if pregnancy is not None
            else "Open the chosen child's record"
        )

    def go_to_results(self) -> bool:
        """Move to the first child found; False if none was."""
        if self.model.rowCount() == 0:
            return False
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.table.selectRow(0)
        return True

    def _enter_in_box(self) -> None:
        """Enter: search now if a pause is still awaited; open the only child, or go to the list."""
        if self.timer.isActive() or self.result is None:
            self.search_now()
        if self.model.rowCount() == 1:
            self.table.selectRow(0)
            self.open_current_record()
        else:
            self.go_to_results()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if watched is self.box:
            if key == Qt.Key.Key_Escape:
                self.leave()
                return True
            if key == Qt.Key.Key_Down:
                if self.timer.isActive():
                    self.search_now()
                return self.go_to_results()
        elif watched is self.table and key == Qt.Key.Key_Escape:
            self.focus_box()
            return True
        return super().eventFilter(watched, event)
