"""The tables of a child's record: reviews, contacts, measurements and its history.

Each is a ``line_table_model.LineTableModel`` over a tuple of the service's
read models (``ReviewLine``, ``ContactLine``, ``MeasurementLine``), described
by a list of columns the same way as the caseload (``caseload_model.Column``).
Status is always said in words with a symbol; colour only repeats it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from healthvisitor.domain.enums import MeasurementKind, RecordStatus, ReviewStatus
from healthvisitor.ui.caseload_model import short_date, spoken_date
from healthvisitor.ui.line_table_model import LINE_ROLE as LINE_ROLE  # re-exported
from healthvisitor.ui.line_table_model import LineColumn
from healthvisitor.ui.line_table_model import LineTableModel as LineTableModel  # re-exported
from healthvisitor.ui.line_table_model import ModelIndex as ModelIndex  # re-exported
from healthvisitor.ui.review_status import STATUS_LOOK as STATUS_LOOK  # re-exported
from healthvisitor.ui.review_status import status_text as status_text  # re-exported

if TYPE_CHECKING:
    from healthvisitor.services.child_record import (
        ContactLine,
        MeasurementLine,
        ReviewLine,
    )

#: Statuses with nothing left to count down to: done, or the window has closed.
NO_COUNTDOWN = frozenset(
    {
        ReviewStatus.DONE_ON_TIME,
        ReviewStatus.DONE_LATE,
        ReviewStatus.MISSED,
        ReviewStatus.DECLINED,
    }
)


#: What a review still open when the record closed says instead of its status:
#: nobody is reminded of it any more (issue 4), and the words say why.
STOPPED_TEXT = "■ Stopped: record closed"
STOPPED_SPOKEN = "Stopped, the record is closed"


def review_status_text(line: ReviewLine) -> str:
    return STOPPED_TEXT if line.stopped else status_text(line.status)


def days_to_target_text(line: ReviewLine) -> str:
    if line.stopped or line.completed_on is not None or line.status in NO_COUNTDOWN:
        return "—"
    days = line.days_to_target
    if days == 0:
        return "Today"
    plural = "s" if abs(days) != 1 else ""
    return f"{days} day{plural}" if days > 0 else f"{-days} day{plural} past"


def _optional_date(day: dt.date | None) -> str:
    return short_date(day) if day is not None else "—"


def _first_line(text: str, limit: int = 60) -> str:
    """The start of a note for its cell; "…" says there is more (the tooltip has it all)."""
    stripped = text.strip()
    if not stripped:
        return ""
    line = stripped.splitlines()[0]
    if len(line) > limit:
        return f"{line[:limit].rstrip()}…"
    return f"{line} …" if "\n" in stripped else line


def measurement_value_text(kind: MeasurementKind, value: float) -> str:
    return f"{value:.3f} kg" if kind is MeasurementKind.WEIGHT else f"{value:.1f} cm"


def centile_text(centile: float | None) -> str:
    return f"{centile:.1f}" if centile is not None else "—"


def sds_text(sds: float | None) -> str:
    # The typographic minus: "−1.25" reads as negative at a glance.
    return f"{sds:+.2f}".replace("-", "−") if sds is not None else "—"


class ReviewsModel(LineTableModel):
    """The mandated reviews, in the order they fall due."""

    columns = (
        LineColumn("Review", lambda r: r.kind.label),
        LineColumn(
            "Opens",
            lambda r: short_date(r.window.opens),
            spoken=lambda r: spoken_date(r.window.opens),
        ),
        LineColumn(
            "Target by",
            lambda r: short_date(r.window.target_by),
            spoken=lambda r: spoken_date(r.window.target_by),
        ),
        LineColumn(
            "Closes",
            lambda r: short_date(r.window.closes),
            tooltip=lambda r: (
                "Counted late until this date"
                if r.window.closes != r.window.target_by
                else "No late window: closes on the target date"
            ),
            spoken=lambda r: spoken_date(r.window.closes),
        ),
        LineColumn(
            "Status",
            review_status_text,
            spoken=lambda r: STOPPED_SPOKEN if r.stopped else r.status.label,
            colour=lambda r: None if r.stopped else STATUS_LOOK[r.status][1],
        ),
        LineColumn("Completed on", lambda r: _optional_date(r.completed_on)),
        LineColumn("Days to target", days_to_target_text),
    )


def delivered_by_text(line: ContactLine) -> str:
    """Who did it: for a review done before a transfer in, the previous service."""
    return (
        f"{line.previous_provider} (before transfer)"
        if line.previous_provider
        else (line.delivered_by)
    )


class ContactsModel(LineTableModel):
    """The contacts timeline, newest first (as the service orders it)."""

    columns = (
        LineColumn(
            "Date",
            lambda c: short_date(c.contact_date),
            spoken=lambda c: spoken_date(c.contact_date),
        ),
        LineColumn("Review or contact", lambda c: c.kind.label),
        LineColumn("Outcome", lambda c: c.outcome_label),
        LineColumn("Where", lambda c: c.location_label),
        LineColumn(
            "Delivered by",
            delivered_by_text,
            tooltip=lambda c: (
                f"Done by {c.previous_provider} before the child moved here; recorded on "
                f"transfer in by {c.delivered_by}"
                if c.previous_provider
                else c.delivered_by
            ),
        ),
        LineColumn(
            "Accountable HV",
            # A review done before a transfer in was another service's to account for.
            lambda c: "Previous service" if c.previous_provider else (c.accountable or "—"),
        ),
        LineColumn(
            "Findings",
            lambda c: c.findings or "—",
            tooltip=lambda c: c.findings or "No findings recorded",
        ),
        LineColumn(
            "Notes",
            lambda c: _first_line(c.notes) or "—",
            tooltip=lambda c: c.notes or "No notes",
            spoken=lambda c: c.notes or "No notes",
        ),
    )


def _change_text(line: MeasurementLine) -> str:
    return "✓ Confirmed" if line.change_confirmed else ""


class MeasurementsModel(LineTableModel):
    """Growth measurements with their UK-WHO centiles, newest first."""

    columns = (
        LineColumn(
            "Date",
            lambda m: short_date(m.measured_on),
            spoken=lambda m: spoken_date(m.measured_on),
        ),
        LineColumn("Measurement", lambda m: m.kind.label),
        LineColumn("Value", lambda m: measurement_value_text(m.kind, m.value)),
        LineColumn("Centile", lambda m: centile_text(m.centile)),
        LineColumn(
            "SDS",
            lambda m: sds_text(m.sds),
            spoken=lambda m: f"{m.sds:.2f}" if m.sds is not None else "not calculated",
        ),
        LineColumn(
            "Age used",
            # "Corrected" or "Chronological": the heading already says "age".
            lambda m: m.age_used.label.removesuffix(" age") if m.age_used else "—",
            spoken=lambda m: m.age_used.label if m.age_used else "not recorded",
        ),
        LineColumn(
            "Change",
            _change_text,
            tooltip=lambda m: (
                "A large change from the last measurement, checked and confirmed when it was saved"
                if m.change_confirmed
                else ""
            ),
            spoken=lambda m: "change confirmed" if m.change_confirmed else "",
        ),
    )

    def set_lines(self, lines: Sequence[Any]) -> None:
        super().set_lines(list(reversed(lines)))


def _date_time(moment: dt.datetime) -> str:
    local = moment.astimezone()  # stored in UTC; read in the user's own time
    return f"{short_date(local.date())} {local:%H:%M}"


#: How a status change reads in the history: reopening says so in words.
STATUS_WORDS = {
    RecordStatus.ACTIVE: "Reopened",
    RecordStatus.TRANSFERRED_OUT: "Transferred out",
    RecordStatus.MOVED_AWAY: "Moved away",
    RecordStatus.DISCHARGED: "Discharged",
    RecordStatus.DECEASED: "Died",
}


class StatusHistoryModel(LineTableModel):
    """The record's status changes (closed, reopened), oldest first."""

    columns = (
        LineColumn(
            "Date",
            lambda s: short_date(s.effective_date),
            spoken=lambda s: spoken_date(s.effective_date),
        ),
        LineColumn("Change", lambda s: STATUS_WORDS[s.status]),
        LineColumn("Where to, or why", lambda s: s.detail or "—", tooltip=lambda s: s.detail),
        LineColumn("Recorded by", lambda s: s.recorded_by),
        LineColumn("Recorded at", lambda s: _date_time(s.recorded_at)),
    )


class AllocationHistoryModel(LineTableModel):
    """Every change of the child's named health visitor, oldest first (issue 4)."""

    columns = (
        LineColumn("When", lambda a: _date_time(a.changed_at)),
        LineColumn("Change", lambda a: a.kind.label),
        LineColumn("From", lambda a: a.from_health_visitor),
        LineColumn("To", lambda a: a.to_health_visitor),
        LineColumn("By", lambda a: a.changed_by),
        LineColumn(
            "Reason",
            lambda a: _first_line(a.reason) or "—",
            tooltip=lambda a: a.reason,
            spoken=lambda a: a.reason or "No reason recorded",
        ),
    )
