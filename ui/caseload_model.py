"""The caseload table: a thin Qt adapter over the service's ``CaseloadRow`` list.

``CaseloadModel`` shows the rows exactly as the service returned them (by
family name, then given name), with an "Alerts" column (faltering growth)
in words beside a warning icon, never colour alone. ``CaseloadProxy`` sorts
and filters them for the view: sorting uses ``SORT_ROLE`` so dates and ages
sort by date, never as text, and the search line filters by name, NHS number
or postcode as the health visitor types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel, ModelIndex

if TYPE_CHECKING:
    from healthvisitor.services.caseload import CaseloadRow

#: The child's id (a ``uuid.UUID``): what later screens open the record by.
#: The same role as ``LINE_ROLE``: the caseload gives the id, not the whole row.
CHILD_ID_ROLE = LINE_ROLE
#: A value that sorts correctly (dates as day numbers, text case-folded).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

# Month names are spelled out here rather than taken from strftime("%b"):
# QApplication sets the C library locale from the environment on Linux, and
# the record must read "01 Jun 2026" on every machine.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def short_date(day: dt.date) -> str:
    """``01 Jun 2026``: the date format of the caseload (dd Mmm yyyy)."""
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"


def spoken_date(day: dt.date) -> str:
    """``1 June 2026``: the same date as a screen reader should say it."""
    return f"{day.day} {_FULL_MONTHS[day.month - 1]} {day.year}"


def warning_icon() -> QIcon:
    """The platform's warning sign, drawn beside alert text (never instead of it)."""
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def _compact(text: str) -> str:
    """Case-folded with all white space removed: ``"ls7 3ab"`` -> ``"ls73ab"``."""
    return "".join(text.split()).casefold()


def _words(text: str) -> list[str]:
    """Case-folded words; a double-barrelled name is two words ("Jones-Smith")."""
    return text.casefold().replace("-", " ").split()


@dataclass(frozen=True, kw_only=True)
class Column(LineColumn):
    """One caseload column: its heading and how it shows, sorts and reads a row."""

    sort_key: Callable[[CaseloadRow], str | int]
    #: Rows for which the cell carries the warning icon (beside its text, never instead).
    marked: Callable[[CaseloadRow], bool] | None = None


def alerts_text(alerts: Sequence[str]) -> str:
    """The alerts cell: every alert in words (the icon marks the cell; the tooltip lists them)."""
    return "; ".join(alerts)


COLUMNS: tuple[Column, ...] = (
    Column("Name", lambda r: r.name, sort_key=lambda r: r.name.casefold()),
    Column(
        "NHS number",
        lambda r: r.nhs_number,
        sort_key=lambda r: _compact(r.nhs_number),
        # Digit groups read one digit at a time, as the number is said aloud.
        spoken=lambda r: " ".join(_compact(r.nhs_number)),
    ),
    Column(
        "Date of birth",
        lambda r: short_date(r.date_of_birth),
        sort_key=lambda r: r.date_of_birth.toordinal(),
        tooltip=lambda r: f"Born {spoken_date(r.date_of_birth)}",
        spoken=lambda r: spoken_date(r.date_of_birth),
    ),
    Column(
        "Age",
        lambda r: r.age,
        # Oldest first when ascending: an earlier birth is a greater age.
        sort_key=lambda r: -r.date_of_birth.toordinal(),
        tooltip=lambda r: f"{r.age} old (born {short_date(r.date_of_birth)})",
    ),
    Column(
        "Family",
        lambda r: r.family,
        sort_key=lambda r: r.family.casefold(),
        tooltip=lambda r: f"The {r.family} family, {r.postcode}",
    ),
    Column("Postcode", lambda r: r.postcode, sort_key=lambda r: _compact(r.postcode)),
    Column(
        "Alerts",
        lambda r: alerts_text(r.alerts),
        # Ascending puts the children with the most alerts first: they need action.
        sort_key=lambda r: -len(r.alerts),
        tooltip=lambda r: "\n".join(r.alerts) if r.alerts else "No alerts",
        spoken=lambda r: alerts_text(r.alerts) or "No alerts",
        marked=lambda r: bool(r.alerts),
    ),
)
NAME, NHS_NUMBER, DATE_OF_BIRTH, AGE, FAMILY, POSTCODE, ALERTS = range(len(COLUMNS))


class CaseloadModel(LineTableModel):
    """The rows of one caseload, one child a row, in the service's order."""

    columns = COLUMNS

    def set_rows(self, rows: Sequence[CaseloadRow]) -> None:
        self.set_lines(rows)

    def row_at(self, row: int) -> CaseloadRow:
        result: CaseloadRow = self.line_at(row)
        return result

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (CHILD_ID_ROLE, SORT_ROLE, Qt.ItemDataRole.DecorationRole):
            return super().data(index, role)
        row = super().data(index, LINE_ROLE)
        if row is None:
            return None
        column = COLUMNS[index.column()]
        if role == CHILD_ID_ROLE:
            return row.child_id
        if role == SORT_ROLE:
            return column.sort_key(row)
        return warning_icon() if column.marked and column.marked(row) else None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return f"Sort by {COLUMNS[section].title.lower()}"
        return super().headerData(section, orientation, role)


@dataclass(frozen=True)
class CaseloadSearch:
    """What the health visitor typed in the search line, and which rows it matches.

    Digits (with or without spaces) match the NHS number; anything else
    matches the start of a word of the child's name or family name (every
    word typed must match one: "sam smi"), or the start of the postcode
    whatever its spacing ("ls73", "LS7 3A").
    """

    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def matches(self, row: CaseloadRow) -> bool:
        return self.matches_text(
            name=row.name, family=row.family, postcode=row.postcode, nhs_number=row.nhs_number
        )

    def matches_text(self, *, name: str, family: str, postcode: str, nhs_number: str = "") -> bool:
        """The same search over any row's words (a pregnancy's mother has no NHS number here)."""
        if self.is_empty:
            return True
        compact = _compact(self.text)
        if compact.isdigit():
            return bool(nhs_number) and compact in _compact(nhs_number)
        if _compact(postcode).startswith(compact):
            return True
        words = _words(f"{name} {family}")
        return all(any(word.startswith(term) for word in words) for term in _words(self.text))


class CaseloadProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE`` and shows only the rows the search matches."""

    def __init__(self, source: CaseloadModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._search = CaseloadSearch()
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)

    @property
    def search(self) -> CaseloadSearch:
        return self._search

    def set_search_text(self, text: str) -> None:
        if text == self._search.text:
            return
        self.beginFilterChange()
        self._search = CaseloadSearch(text)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        return self._search.matches(self._source.row_at(source_row))
