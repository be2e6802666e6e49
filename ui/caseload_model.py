"""The caseload table: a thin Qt adapter over the service's ``CaseloadRow`` list.

``CaseloadModel`` shows the rows exactly as the service returned them (by
family name, then given name): the worklist of issue 4 (next review, its
target date, the days left and its status, overdue reviews, flags, service
level, last contact) and an "Alerts" column (faltering growth) in words
beside a warning icon. Nothing is said by colour alone: a status has words
and a symbol, the days have words in the tooltip and for screen readers.
``CaseloadProxy`` sorts and filters them for the view: sorting uses
``SORT_ROLE`` so dates sort by date and days by number, never as text; the
search line filters by name, NHS number or postcode as the health visitor
types, and ``CaseloadFilter`` answers the questions a health visitor asks
of a caseload ("what is overdue?").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from healthvisitor.domain.enums import ContactKind, ReviewStatus, ServiceLevel
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel, ModelIndex
from healthvisitor.ui.review_status import STATUS_LOOK, status_text

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


#: Sorts after every real value: rows with nothing to show go last when ascending.
_LAST = 10**9


def days_words(row: CaseloadRow) -> str:
    """The days to the next review's target in words: "3 days overdue", "in 5 days"."""
    days = row.days_to_target
    if days is None:
        return "No review open"
    plural = "" if abs(days) == 1 else "s"
    if days < 0:
        return f"{-days} day{plural} overdue"
    return "Due today" if days == 0 else f"in {days} day{plural}"


def _days_cell(days: int | None) -> str:
    """A signed number: "-3" is three days past the target, "+5" five days to go."""
    if days is None:
        return "—"
    return f"{days:+d}" if days else "0"


def follow_ups_words(count: int) -> str:
    return "Referral follow-up due" if count == 1 else f"{count} referral follow-ups due"


def prompts_words(count: int) -> str:
    """Referral prompts that fired and nobody has decided yet (issue 5)."""
    return "Referral prompt to decide" if count == 1 else f"{count} referral prompts to decide"


def covering_words(row: CaseloadRow) -> str:
    """``Cover for Jane Smith``: short, for the flags cell (the tooltip has until when)."""
    return row.covering_for.replace("Covering for", "Cover for").split(" until ")[0]


def flags(row: CaseloadRow) -> tuple[str, ...]:
    """In words (the issue's "flags"): safeguarding in force, an interpreter, referral
    follow-ups due, and, on a covering health visitor's caseload, whom it covers for."""
    return (
        row.safeguarding
        + (("Interpreter",) if row.interpreter_needed else ())
        + ((follow_ups_words(len(row.referrals_due)),) if row.referrals_due else ())
        + ((prompts_words(row.prompts_to_decide),) if row.prompts_to_decide else ())
        + ((covering_words(row),) if row.covering_for else ())
    )


def _flags_tooltip(row: CaseloadRow) -> str:
    lines = [f"Safeguarding: {label}" for label in row.safeguarding]
    if row.interpreter_needed:
        lines.append("Interpreter needed")
    lines.extend(f"Referral: {due}" for due in row.referrals_due)
    if row.prompts_to_decide:
        lines.append(f"{prompts_words(row.prompts_to_decide)}: open the record's referrals")
    if row.covering_for:
        lines.append(row.covering_for)
    return "\n".join(lines) or "No flags"


def _flags_spoken(row: CaseloadRow) -> str:
    said = row.safeguarding + (("Interpreter needed",) if row.interpreter_needed else ())
    said += tuple(f"Referral {due}" for due in row.referrals_due)
    said += (prompts_words(row.prompts_to_decide),) if row.prompts_to_decide else ()
    said += (row.covering_for,) if row.covering_for else ()
    return "; ".join(said) or "No flags"


#: Levels of service in their own order (Community < Universal < Universal Plus
#: < Universal Partnership Plus), not alphabetical; by the words the row carries.
_LEVEL_ORDER = {level.label: rank for rank, level in enumerate(ServiceLevel)}


def _service_level_sort(row: CaseloadRow) -> int:
    """By level of service; none recorded last when ascending."""
    return _LEVEL_ORDER.get(row.service_level, _LAST) if row.service_level else _LAST


#: Days to target lie well within ± this, so status then days fits one number.
_DAYS_SPAN = 1_000_000


def _status_sort(row: CaseloadRow) -> int:
    """Most urgent first when ascending: by ``ReviewStatus`` order, then the most
    overdue (fewest days to target) within a status; no open review last.

    One number rather than a tuple: the proxy compares sort values as numbers.
    """
    status = row.next_review_status
    if status is None or row.days_to_target is None:
        return _LAST
    return list(ReviewStatus).index(status) * 2 * _DAYS_SPAN + row.days_to_target + _DAYS_SPAN


def _next_review_tooltip(row: CaseloadRow) -> str:
    if row.next_review is None or row.next_review_target_by is None:
        return "No mandated review open"
    return f"{row.next_review.label}: target by {spoken_date(row.next_review_target_by)}"


COLUMNS: tuple[Column, ...] = (
    Column("Name", lambda r: r.name, sort_key=lambda r: r.name.casefold()),
    Column(
        "Age",
        lambda r: r.age,
        # Oldest first when ascending: an earlier birth is a greater age.
        sort_key=lambda r: -r.date_of_birth.toordinal(),
        tooltip=lambda r: f"{r.age} old (born {short_date(r.date_of_birth)})",
    ),
    Column(
        "Next review",
        lambda r: r.next_review.label if r.next_review else "—",
        # The review order (new birth visit first); none open last.
        sort_key=lambda r: list(ContactKind).index(r.next_review) if r.next_review else _LAST,
        tooltip=_next_review_tooltip,
        spoken=lambda r: r.next_review.label if r.next_review else "No review open",
    ),
    Column(
        "Status",
        lambda r: status_text(r.next_review_status) if r.next_review_status else "—",
        sort_key=_status_sort,
        spoken=lambda r: r.next_review_status.label if r.next_review_status else "No review open",
        colour=lambda r: STATUS_LOOK[r.next_review_status][1] if r.next_review_status else None,
    ),
    Column(
        "Target by",
        lambda r: short_date(r.next_review_target_by) if r.next_review_target_by else "—",
        sort_key=lambda r: (
            r.next_review_target_by.toordinal() if r.next_review_target_by else _LAST
        ),
        tooltip=_next_review_tooltip,
        spoken=lambda r: (
            spoken_date(r.next_review_target_by) if r.next_review_target_by else "No review open"
        ),
    ),
    Column(
        "Days",
        lambda r: _days_cell(r.days_to_target),
        # By number: the most overdue first when ascending.
        sort_key=lambda r: r.days_to_target if r.days_to_target is not None else _LAST,
        tooltip=days_words,
        spoken=days_words,
    ),
    Column(
        "Overdue",
        lambda r: str(r.overdue_reviews) if r.overdue_reviews else "",
        # Ascending puts the children with the most overdue reviews first.
        sort_key=lambda r: -r.overdue_reviews,
        tooltip=lambda r: _overdue_words(r.overdue_reviews),
        spoken=lambda r: _overdue_words(r.overdue_reviews),
    ),
    Column(
        "Flags",
        lambda r: "; ".join(flags(r)),
        # Ascending puts the flagged children first.
        sort_key=lambda r: -len(flags(r)),
        tooltip=_flags_tooltip,
        spoken=_flags_spoken,
    ),
    Column(
        "Alerts",
        lambda r: alerts_text(r.alerts),
        # Ascending puts the children with the most alerts first: they need action.
        sort_key=lambda r: -len(r.alerts),
        tooltip=lambda r: "\n".join(r.alerts) if r.alerts else "No alerts",
        spoken=lambda r: alerts_text(r.alerts) or "No alerts",
        marked=lambda r: bool(r.alerts),
    ),
    Column(
        "Service level",
        lambda r: r.service_level or "—",
        sort_key=_service_level_sort,
        spoken=lambda r: r.service_level or "No service level recorded",
    ),
    Column(
        "Last contact",
        lambda r: short_date(r.last_contact) if r.last_contact else "—",
        # Never seen first when ascending, then the longest ago.
        sort_key=lambda r: r.last_contact.toordinal() if r.last_contact else -1,
        tooltip=lambda r: (
            f"Last seen {spoken_date(r.last_contact)}" if r.last_contact else "No contact yet"
        ),
        spoken=lambda r: spoken_date(r.last_contact) if r.last_contact else "No contact yet",
    ),
    Column(
        "Family",
        lambda r: r.family,
        sort_key=lambda r: r.family.casefold(),
        tooltip=lambda r: f"The {r.family} family, {r.postcode}",
    ),
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
    Column("Postcode", lambda r: r.postcode, sort_key=lambda r: _compact(r.postcode)),
)
(
    NAME,
    AGE,
    NEXT_REVIEW,
    STATUS,
    TARGET_BY,
    DAYS,
    OVERDUE,
    FLAGS,
    ALERTS,
    SERVICE_LEVEL,
    LAST_CONTACT,
    FAMILY,
    NHS_NUMBER,
    DATE_OF_BIRTH,
    POSTCODE,
) = range(len(COLUMNS))


def _overdue_words(count: int) -> str:
    if count == 0:
        return "No reviews overdue"
    return f"{count} review{'s' if count != 1 else ''} overdue or not brought"


#: "Due this week": a target date at most this many days away.
DAYS_IN_A_WEEK = 7


class CaseloadFilter(Enum):
    """The questions a health visitor asks of a caseload (issue 4), as filters.

    The value is what the window remembers between sessions (``QSettings``).
    """

    ALL = ("all", "All children")
    DUE_THIS_WEEK = ("due_this_week", "Due this week")
    OVERDUE = ("overdue", "Overdue")
    NEW_BIRTHS = ("new_births", "New births not yet visited")
    SAFEGUARDING = ("safeguarding", "Safeguarding")
    FOLLOW_UPS_DUE = ("follow_ups_due", "Follow-ups due")

    def __init__(self, key: str, label: str) -> None:
        self.key = key
        self.label = label

    @classmethod
    def from_key(cls, key: object) -> CaseloadFilter:
        """The filter saved as ``key``; "All children" for anything unknown."""
        return next((f for f in cls if f.key == key), cls.ALL)

    def matches(self, row: CaseloadRow) -> bool:
        if self is CaseloadFilter.DUE_THIS_WEEK:
            # Target within the next 7 days, or already past it, or not brought:
            # what to book this week (issue 4).
            return (row.days_to_target is not None and row.days_to_target <= DAYS_IN_A_WEEK) or (
                row.overdue_reviews > 0
            )
        if self is CaseloadFilter.OVERDUE:
            return row.overdue_reviews > 0
        if self is CaseloadFilter.NEW_BIRTHS:
            return row.awaiting_new_birth_visit
        if self is CaseloadFilter.SAFEGUARDING:
            return bool(row.safeguarding)
        if self is CaseloadFilter.FOLLOW_UPS_DUE:
            # An open referral about the child or a carer whose follow-up date has come,
            # or a referral prompt that fired and is still to decide (issue 5).
            return bool(row.referrals_due) or row.prompts_to_decide > 0
        return True


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
    """Sorts by ``SORT_ROLE`` and shows only the rows the filter and the search match."""

    def __init__(self, source: CaseloadModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._search = CaseloadSearch()
        self._filter = CaseloadFilter.ALL
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

    @property
    def filter(self) -> CaseloadFilter:
        return self._filter

    def set_filter(self, chosen: CaseloadFilter) -> None:
        if chosen is self._filter:
            return
        self.beginFilterChange()
        self._filter = chosen
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        row = self._source.row_at(source_row)
        return self._filter.matches(row) and self._search.matches(row)
