"""The pregnancies table: a thin Qt adapter over the service's ``PregnancyRow`` list.

Described by columns like a record's tables (``line_table_model.LineColumn``),
each with a sort key. The antenatal review's status is said in words with a
symbol, colour only repeating it (WCAG 1.4.1), as in the child's record.
``PregnancyProxy`` sorts by ``SORT_ROLE`` and filters with the caseload's
search (mother's name, family name or postcode).

The "Referral prompts" column (issue 5) counts the prompts still to decide
about the mother: raised in pregnancy, they have no child's row to show on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt

from healthvisitor.domain.enums import ReviewStatus
from healthvisitor.ui.caseload_model import (
    SORT_ROLE,
    CaseloadSearch,
    prompts_words,
    short_date,
    spoken_date,
)
from healthvisitor.ui.child_record_models import STATUS_LOOK
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel, ModelIndex

if TYPE_CHECKING:
    from healthvisitor.domain.schedule import ScheduledReview
    from healthvisitor.services.pregnancies import PregnancyRow

#: The ``PregnancyRow`` behind a row (the form is opened with it).
PREGNANCY_ROLE = LINE_ROLE
#: The review statuses in order of urgency (``ReviewStatus`` is declared that way).
_URGENCY = {status: rank for rank, status in enumerate(ReviewStatus)}
#: Marks a pre-birth plan beside the word, never instead of it.
PLAN_SYMBOL = "⚑"
#: Marks referral prompts to decide beside the words (the caseload's warning sign).
PROMPT_SYMBOL = "⚠"
#: NHS dark red, as for a referral follow-up due: with the words, never alone.
PROMPT_COLOUR = "#8A1538"


def prompts_text(row: PregnancyRow) -> str:
    """``⚠ 2 to decide``, or "None" (the count in words is in the tooltip)."""
    if not row.prompts_to_decide:
        return "None"
    return f"{PROMPT_SYMBOL} {row.prompts_to_decide} to decide"


def prompts_tooltip(row: PregnancyRow) -> str:
    if not row.prompts_to_decide:
        return "No referral prompt to decide about the mother"
    return (
        f"{prompts_words(row.prompts_to_decide)} about the mother: open the menu on the "
        "row (right click or the menu key) and choose the referrals"
    )


def antenatal_text(review: ScheduledReview) -> str:
    """``● Due by 20 Dec 2026``: the symbol, the status, and the date that matters."""
    symbol = STATUS_LOOK[review.status][0]
    return f"{symbol} {antenatal_words(review, short_date)}"


def antenatal_words(review: ScheduledReview, say: Callable[..., str] = spoken_date) -> str:
    status, window = review.status, review.window
    if review.completed_on is not None:
        return f"{status.label} ({say(review.completed_on)})"
    if status is ReviewStatus.NOT_YET_DUE:
        return f"{status.label}: opens {say(window.opens)} (28 weeks)"
    if status in (ReviewStatus.DUE, ReviewStatus.OVERDUE):
        return f"{status.label} by {say(window.target_by)} (EDD)"
    return status.label


@dataclass(frozen=True)
class PregnancyColumn(LineColumn):
    """A column of the pregnancies table; ``sort_key`` orders it (text case-folded)."""

    sort_key: Callable[[Any], str | int] | None = None


COLUMNS: tuple[PregnancyColumn, ...] = (
    PregnancyColumn(
        "Mother",
        lambda r: r.mother_name,
        sort_key=lambda r: r.mother_name.casefold(),
    ),
    PregnancyColumn(
        "Family",
        lambda r: r.family,
        tooltip=lambda r: f"The {r.family} family, {r.postcode}",
        sort_key=lambda r: r.family.casefold(),
    ),
    PregnancyColumn(
        "EDD",
        lambda r: short_date(r.estimated_delivery_date),
        tooltip=lambda r: f"Estimated date of delivery: {spoken_date(r.estimated_delivery_date)}",
        spoken=lambda r: f"Estimated delivery {spoken_date(r.estimated_delivery_date)}",
        sort_key=lambda r: r.estimated_delivery_date.toordinal(),
    ),
    PregnancyColumn(
        "Gestation",
        lambda r: r.ended or r.gestation_today,
        tooltip=lambda r: (
            f"{r.ended}. Listed while referral prompts about the mother wait to be decided"
            if r.ended
            else f"{r.gestation_today} pregnant today (weeks+days)"
        ),
        # Furthest on first when ascending: an earlier due date is a longer pregnancy.
        sort_key=lambda r: -r.estimated_delivery_date.toordinal(),
    ),
    PregnancyColumn(
        "Antenatal review",
        lambda r: "No longer due: the pregnancy ended" if r.ended else antenatal_text(r.antenatal),
        tooltip=lambda r: (
            f"{r.ended}: no antenatal review is due."
            if r.ended
            else f"Antenatal health promoting review: {antenatal_words(r.antenatal)}. "
            "Press Enter to record it."
        ),
        spoken=lambda r: (
            "No antenatal review: the pregnancy ended" if r.ended else antenatal_words(r.antenatal)
        ),
        colour=lambda r: None if r.ended else STATUS_LOOK[r.antenatal.status][1],
        # Most urgent first, then the soonest target.
        sort_key=lambda r: _URGENCY[r.antenatal.status] * 100_000 + r.antenatal.days_to_target,
    ),
    PregnancyColumn(
        "Pre-birth plan",
        lambda r: f"{PLAN_SYMBOL} Yes" if r.pre_birth_plan else "No",
        tooltip=lambda r: (
            "An unborn baby on a child protection pre-birth plan (CP-IS flags it)"
            if r.pre_birth_plan
            else "No pre-birth plan"
        ),
        spoken=lambda r: "On a pre-birth plan" if r.pre_birth_plan else "No pre-birth plan",
        # Plans first when ascending: they need the most care.
        sort_key=lambda r: 0 if r.pre_birth_plan else 1,
    ),
    PregnancyColumn(
        # Issue 5: prompts raised in pregnancy are about the mother; no child's row yet.
        "Referral prompts",
        prompts_text,
        tooltip=prompts_tooltip,
        spoken=lambda r: (
            f"{prompts_words(r.prompts_to_decide)} about the mother"
            if r.prompts_to_decide
            else "No referral prompt to decide"
        ),
        colour=lambda r: PROMPT_COLOUR if r.prompts_to_decide else None,
        # Most to decide first when ascending.
        sort_key=lambda r: -r.prompts_to_decide,
    ),
    PregnancyColumn(
        # Issue 4: an absent colleague's pregnancy, on this list while it is covered.
        "Cover",
        lambda r: r.covering_for.replace("Covering for", "Cover for").split(" until ")[0],
        tooltip=lambda r: r.covering_for or "On this health visitor's own caseload",
        spoken=lambda r: r.covering_for or "Own caseload",
        # Own pregnancies first when ascending, then each colleague's together.
        sort_key=lambda r: r.covering_for.casefold(),
    ),
)
MOTHER, FAMILY, EDD, GESTATION, ANTENATAL, PRE_BIRTH_PLAN, PROMPTS, COVER = range(len(COLUMNS))


class PregnancyModel(LineTableModel):
    """The ongoing pregnancies of one caseload, one a row, in the service's order (EDD)."""

    columns = COLUMNS

    def row_at(self, row: int) -> PregnancyRow:
        result: PregnancyRow = self.line_at(row)
        return result

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SORT_ROLE:
            if not index.isValid() or not 0 <= index.row() < self.rowCount():
                return None
            column = COLUMNS[index.column()]
            row = self.line_at(index.row())
            return column.sort_key(row) if column.sort_key else column.display(row)
        return super().data(index, role)

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
            return f"Sort by {COLUMNS[section].title}"
        return super().headerData(section, orientation, role)


class PregnancyProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE`` and shows only the pregnancies the search matches."""

    def __init__(self, source: PregnancyModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._search = CaseloadSearch()
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)

    def set_search_text(self, text: str) -> None:
        if text == self._search.text:
            return
        self.beginFilterChange()
        self._search = CaseloadSearch(text)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        row = self._source.row_at(source_row)
        return self._search.matches_text(
            name=row.mother_name, family=row.family, postcode=row.postcode
        )
