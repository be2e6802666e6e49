"""The record's three tables: Qt's model checks, and what each cell says."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.modeltest import ModelTester

from healthvisitor.domain.enums import (
    AgeUsed,
    AllocationChangeKind,
    ContactKind,
    MeasurementKind,
    RecordStatus,
    ReviewStatus,
)
from healthvisitor.domain.schedule import ReviewWindow
from healthvisitor.services.child_record import (
    AllocationLine,
    ContactLine,
    MeasurementLine,
    RecordStatusLine,
    ReviewLine,
)
from healthvisitor.ui.child_record_models import (
    LINE_ROLE,
    AllocationHistoryModel,
    ContactsModel,
    LineTableModel,
    MeasurementsModel,
    ReviewsModel,
    StatusHistoryModel,
)

pytestmark = pytest.mark.gui

BORN = dt.date(2026, 9, 1)


def review(
    kind: ContactKind, status: ReviewStatus, days: int, done: dt.date | None = None
) -> ReviewLine:
    window = ReviewWindow(kind, BORN, BORN + dt.timedelta(days=14), BORN + dt.timedelta(days=30))
    return ReviewLine(kind, window, status, done, days)


REVIEWS = (
    review(ContactKind.NEW_BIRTH_VISIT, ReviewStatus.DONE_ON_TIME, -60, dt.date(2026, 9, 12)),
    review(ContactKind.SIX_TO_EIGHT_WEEK, ReviewStatus.OVERDUE, -3),
    review(ContactKind.ONE_YEAR, ReviewStatus.NOT_YET_DUE, 1),
    review(ContactKind.TWO_YEAR, ReviewStatus.DUE, 0),
)
CONTACTS = (
    ContactLine(
        id=uuid.uuid4(),
        contact_date=dt.date(2026, 9, 12),
        kind=ContactKind.NEW_BIRTH_VISIT,
        outcome_label="Completed",
        location_label="Home",
        delivered_by="Priya Sharma",
        accountable="Priya Sharma",
        findings="Totally breastfed; Whooley negative",
        notes="First line of the notes\nand a second line",
    ),
    ContactLine(
        id=uuid.uuid4(),
        contact_date=dt.date(2026, 10, 1),
        kind=ContactKind.OTHER,
        outcome_label="Was not brought / not at home",
        location_label="Clinic",
        delivered_by="Helen Walker",
        accountable="",
        findings="",
        notes="",
    ),
)
MEASUREMENTS = (
    MeasurementLine(BORN, MeasurementKind.WEIGHT, 3.4, 50.43, 0.011, AgeUsed.CHRONOLOGICAL, False),
    MeasurementLine(dt.date(2026, 9, 12), MeasurementKind.LENGTH, 51.04, 8.27, -1.387, None, True),
)


@pytest.mark.parametrize(
    ("model_type", "lines"),
    [(ReviewsModel, REVIEWS), (ContactsModel, CONTACTS), (MeasurementsModel, MEASUREMENTS)],
)
def test_every_record_model_passes_qt_model_checks(
    qtmodeltester: ModelTester, model_type: type[LineTableModel], lines: tuple[object, ...]
) -> None:
    model = model_type()
    qtmodeltester.check(model)  # empty
    model.set_lines(lines)
    qtmodeltester.check(model)
    model.set_lines(())
    qtmodeltester.check(model)


def cells(model: LineTableModel, row: int) -> list[str]:
    return [model.index(row, column).data() for column in range(model.columnCount())]


def headings(model: LineTableModel) -> list[str]:
    return [
        model.headerData(column, Qt.Orientation.Horizontal) for column in range(model.columnCount())
    ]


def test_reviews_say_their_status_in_words_with_a_symbol() -> None:
    model = ReviewsModel()
    model.set_lines(REVIEWS)
    assert headings(model) == [
        "Review",
        "Opens",
        "Target by",
        "Closes",
        "Status",
        "Completed on",
        "Days to target",
    ]
    assert cells(model, 0) == [
        "New birth visit",
        "01 Sep 2026",
        "15 Sep 2026",
        "01 Oct 2026",
        "✓ Done on time",
        "12 Sep 2026",
        "—",
    ]
    assert cells(model, 1)[4:] == ["⚠ Overdue", "—", "3 days past"]
    assert cells(model, 2)[4:] == ["○ Not yet due", "—", "1 day"]
    assert cells(model, 3)[4:] == ["● Due", "—", "Today"]
    status = model.index(1, 4)
    assert status.data(Qt.ItemDataRole.AccessibleTextRole) == "Overdue"
    assert isinstance(status.data(Qt.ItemDataRole.ForegroundRole), QBrush)
    assert model.index(1, 0).data(LINE_ROLE) is REVIEWS[1]
    assert model.headerData(0, Qt.Orientation.Vertical) is None


def test_contacts_summarise_findings_and_notes_with_the_full_text_as_tooltip() -> None:
    model = ContactsModel()
    model.set_lines(CONTACTS)
    assert headings(model) == [
        "Date",
        "Review or contact",
        "Outcome",
        "Where",
        "Delivered by",
        "Accountable HV",
        "Findings",
        "Notes",
    ]
    assert cells(model, 0) == [
        "12 Sep 2026",
        "New birth visit",
        "Completed",
        "Home",
        "Priya Sharma",
        "Priya Sharma",
        "Totally breastfed; Whooley negative",
        "First line of the notes …",
    ]
    notes = model.index(0, 7)
    assert notes.data(Qt.ItemDataRole.ToolTipRole) == CONTACTS[0].notes
    assert cells(model, 1)[5:] == ["—", "—", "—"]


def test_measurements_newest_first_with_units_centile_sds_and_confirmation() -> None:
    model = MeasurementsModel()
    model.set_lines(MEASUREMENTS)
    assert headings(model) == [
        "Date",
        "Measurement",
        "Value",
        "Centile",
        "SDS",
        "Age used",
        "Change",
    ]
    assert cells(model, 0) == [
        "12 Sep 2026",
        "Length",
        "51.0 cm",
        "8.3",
        "−1.39",
        "—",
        "✓ Confirmed",
    ]
    assert cells(model, 1) == [
        "01 Sep 2026",
        "Weight",
        "3.400 kg",
        "50.4",
        "+0.01",
        "Chronological",
        "",
    ]
    assert model.index(0, 4).data(Qt.ItemDataRole.AccessibleTextRole) == "-1.39"


# --- Records through time (issue 4) --------------------------------------------------

STATUS_LINES = (
    RecordStatusLine(
        RecordStatus.MOVED_AWAY,
        dt.date(2026, 10, 3),
        "Leeds",
        "Priya Sharma",
        dt.datetime(2026, 10, 3, 9, 30, tzinfo=dt.UTC),
    ),
    RecordStatusLine(
        RecordStatus.ACTIVE,
        dt.date(2026, 11, 2),
        "",
        "Joanne Fisher",
        dt.datetime(2026, 11, 2, 14, 5, tzinfo=dt.UTC),
    ),
)
ALLOCATION_LINES = (
    AllocationLine(
        dt.datetime(2026, 10, 3, 9, 30, tzinfo=dt.UTC),
        AllocationChangeKind.UNALLOCATE,
        "Priya Sharma",
        "Unallocated",
        "Joanne Fisher",
        "Record reopened: back on the unallocated list",
    ),
)


def test_the_history_models_pass_qt_model_checks_and_say_what_happened(
    qtmodeltester: ModelTester,
) -> None:
    status, allocation = StatusHistoryModel(), AllocationHistoryModel()
    qtmodeltester.check(status)
    status.set_lines(STATUS_LINES)
    allocation.set_lines(ALLOCATION_LINES)
    qtmodeltester.check(status)
    qtmodeltester.check(allocation)
    row = [status.index(0, c).data() for c in range(status.columnCount())]
    assert row[:4] == ["03 Oct 2026", "Moved away", "Leeds", "Priya Sharma"]
    assert status.index(1, 1).data() == "Reopened"
    assert status.index(1, 2).data() == "—"
    assert [allocation.index(0, c).data() for c in range(1, 5)] == [
        "Returned to the unallocated list",
        "Priya Sharma",
        "Unallocated",
        "Joanne Fisher",
    ]


def test_a_closed_records_open_reviews_say_stopped_in_words_without_a_countdown() -> None:
    model = ReviewsModel()
    stopped = dataclasses.replace(REVIEWS[1], stopped=True)
    model.set_lines((REVIEWS[0], stopped))
    assert model.index(1, 4).data() == "■ Stopped: record closed"
    assert "Overdue" not in model.index(1, 4).data()
    assert model.index(1, 4).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Stopped, the record is closed"
    )
    assert model.index(1, 6).data() == "—"
    assert model.index(0, 4).data() == f"✓ {ReviewStatus.DONE_ON_TIME.label}"


def test_a_review_done_before_a_transfer_in_names_the_previous_service() -> None:
    model = ContactsModel()
    model.set_lines(
        (dataclasses.replace(CONTACTS[0], previous_provider="Bradford 0-19 service"), CONTACTS[1])
    )
    assert model.index(0, 4).data() == "Bradford 0-19 service (before transfer)"
    assert "recorded on transfer in by Priya Sharma" in model.index(0, 4).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert model.index(0, 5).data() == "Previous service"
    assert model.index(1, 4).data() == "Helen Walker"
