"""The caseload table model, its sorting and its search, without a window."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester

from healthvisitor.domain.enums import ContactKind, ReviewStatus
from healthvisitor.services.caseload import CaseloadRow
from healthvisitor.ui.caseload_model import (
    AGE,
    ALERTS,
    CHILD_ID_ROLE,
    COLUMNS,
    DATE_OF_BIRTH,
    DAYS,
    FLAGS,
    LAST_CONTACT,
    NAME,
    NEXT_REVIEW,
    NHS_NUMBER,
    OVERDUE,
    SERVICE_LEVEL,
    STATUS,
    TARGET_BY,
    CaseloadFilter,
    CaseloadModel,
    CaseloadProxy,
    CaseloadSearch,
    short_date,
    spoken_date,
)

BELOW_2ND = "Faltering growth: weight below the 2nd centile"
NOT_BACK = "Faltering growth: not back to birth weight by 3 weeks"


def row(
    name: str,
    born: dt.date,
    nhs: str = "999 000 0018",
    postcode: str = "LS7 3AB",
    alerts: tuple[str, ...] = (),
    **worklist: Any,
) -> CaseloadRow:
    return CaseloadRow(
        child_id=uuid.uuid4(),
        name=name,
        nhs_number=nhs,
        date_of_birth=born,
        age="some age",
        family=name.split()[-1],
        postcode=postcode,
        alerts=alerts,
        **worklist,
    )


ROWS = [
    # Text order of these dates ("01 Dec", "09 Feb", "30 Jul") is not date order.
    row("Amelia Khan", dt.date(2025, 12, 1), "999 000 1278", "LS7 3AB"),
    row("Oliver Nowak", dt.date(2026, 2, 9), "999 000 3017", "LS8 1PQ", (BELOW_2ND,)),
    row(
        "Isla Jones-Smith", dt.date(2023, 7, 30), "999 000 6725", "LS17 5HX", (NOT_BACK, BELOW_2ND)
    ),
]


def column(proxy: CaseloadProxy, number: int) -> list[str]:
    return [proxy.index(r, number).data() for r in range(proxy.rowCount())]


@pytest.mark.gui
def test_the_model_passes_qt_model_checks_with_rows(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    qtmodeltester.check(CaseloadProxy(model))


@pytest.mark.gui
def test_the_model_passes_qt_model_checks_when_empty(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    qtmodeltester.check(model)
    model.set_rows(ROWS)
    model.set_rows([])
    qtmodeltester.check(CaseloadProxy(model))


@pytest.mark.gui
def test_cells_headings_tooltips_and_the_child_id() -> None:
    model = CaseloadModel()
    model.set_rows(ROWS)
    assert [model.headerData(i, Qt.Orientation.Horizontal) for i in range(len(COLUMNS))] == [
        "Name",
        "Age",
        "Next review",
        "Status",
        "Target by",
        "Days",
        "Overdue",
        "Flags",
        "Alerts",
        "Service level",
        "Last contact",
        "Family",
        "NHS number",
        "Date of birth",
        "Postcode",
    ]
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    first = model.index(0, DATE_OF_BIRTH)
    assert first.data() == "01 Dec 2025"
    assert first.data(Qt.ItemDataRole.ToolTipRole) == "Born 1 December 2025"
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "1 December 2025"
    nhs = model.index(0, NHS_NUMBER)
    assert nhs.data() == "999 000 1278"
    assert nhs.data(Qt.ItemDataRole.AccessibleTextRole) == "9 9 9 0 0 0 1 2 7 8"
    assert model.index(0, NAME).data(Qt.ItemDataRole.ToolTipRole) is None
    for number in range(len(COLUMNS)):
        assert model.index(2, number).data(CHILD_ID_ROLE) == ROWS[2].child_id
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None


@pytest.mark.gui
def test_alerts_show_in_words_with_a_warning_icon_and_the_full_text_as_tooltip(
    qapp: QApplication,  # the warning icon comes from the application's style
) -> None:
    model = CaseloadModel()
    model.set_rows(ROWS)
    none, one, two = (model.index(r, ALERTS) for r in range(3))
    assert none.data() == ""
    assert none.data(Qt.ItemDataRole.DecorationRole) is None
    assert none.data(Qt.ItemDataRole.ToolTipRole) == "No alerts"
    assert none.data(Qt.ItemDataRole.AccessibleTextRole) == "No alerts"
    assert one.data() == BELOW_2ND
    assert isinstance(one.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert one.data(Qt.ItemDataRole.ToolTipRole) == BELOW_2ND
    assert two.data() == f"{NOT_BACK}; {BELOW_2ND}"
    assert two.data(Qt.ItemDataRole.ToolTipRole) == f"{NOT_BACK}\n{BELOW_2ND}"


@pytest.mark.gui
def test_sorting_by_alerts_puts_the_most_alerts_first() -> None:
    model = CaseloadModel()
    model.set_rows(ROWS)
    proxy = CaseloadProxy(model)
    proxy.sort(ALERTS, Qt.SortOrder.AscendingOrder)
    assert column(proxy, NAME) == ["Isla Jones-Smith", "Oliver Nowak", "Amelia Khan"]


def test_dates_read_the_same_in_every_locale() -> None:
    assert short_date(dt.date(2026, 6, 1)) == "01 Jun 2026"
    assert short_date(dt.date(2024, 2, 29)) == "29 Feb 2024"
    assert spoken_date(dt.date(2026, 6, 1)) == "1 June 2026"


@pytest.mark.gui
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_date_of_birth_sorts_by_date_not_by_text(order: Qt.SortOrder) -> None:
    model = CaseloadModel()
    model.set_rows(ROWS)
    proxy = CaseloadProxy(model)
    proxy.sort(DATE_OF_BIRTH, order)
    chronological = ["30 Jul 2023", "01 Dec 2025", "09 Feb 2026"]
    descending = order == Qt.SortOrder.DescendingOrder
    expected = chronological[::-1] if descending else chronological
    assert column(proxy, DATE_OF_BIRTH) == expected
    # Age ascending is youngest first: the reverse of date of birth.
    proxy.sort(AGE, order)
    assert column(proxy, DATE_OF_BIRTH) == expected[::-1]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", {"Amelia Khan", "Oliver Nowak", "Isla Jones-Smith"}),
        ("   ", {"Amelia Khan", "Oliver Nowak", "Isla Jones-Smith"}),
        # NHS number, with or without spaces, whole or in part.
        ("999 000 3017", {"Oliver Nowak"}),
        ("9990003017", {"Oliver Nowak"}),
        ("000 67", {"Isla Jones-Smith"}),
        ("3017", {"Oliver Nowak"}),
        # Postcode, any case and spacing, from its start.
        ("ls8 1pq", {"Oliver Nowak"}),
        ("LS81", {"Oliver Nowak"}),
        ("LS1", {"Isla Jones-Smith"}),
        ("LS", {"Amelia Khan", "Oliver Nowak", "Isla Jones-Smith"}),
        # Names: the start of any word, every word typed.
        ("ol", {"Oliver Nowak"}),
        ("KHAN", {"Amelia Khan"}),
        ("smi", {"Isla Jones-Smith"}),
        ("isla jon", {"Isla Jones-Smith"}),
        ("jones-s", {"Isla Jones-Smith"}),
        ("amelia nowak", set()),
        ("liver", set()),
        ("LS9", set()),
    ],
)
def test_search_by_name_nhs_number_or_postcode(typed: str, expected: set[str]) -> None:
    search = CaseloadSearch(typed)
    assert {r.name for r in ROWS if search.matches(r)} == expected


@pytest.mark.gui
def test_the_proxy_filters_as_the_search_changes(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    model.set_rows(ROWS)
    proxy = CaseloadProxy(model)
    proxy.set_search_text("ls")
    assert proxy.rowCount() == 3
    proxy.set_search_text("ls8")
    assert column(proxy, NAME) == ["Oliver Nowak"]
    proxy.set_search_text("")
    assert proxy.rowCount() == 3
    qtmodeltester.check(proxy)


TODAY = dt.date(2026, 11, 24)


def due(kind: ContactKind, status: ReviewStatus, days: int, overdue: int = 0) -> dict[str, Any]:
    return {
        "next_review": kind,
        "next_review_status": status,
        "next_review_target_by": TODAY + dt.timedelta(days=days),
        "days_to_target": days,
        "overdue_reviews": overdue,
    }


WORKLIST = [
    # Born 23 days ago: the new birth visit 9 days past its target.
    row(
        "Nia Adeyemi",
        dt.date(2026, 11, 1),
        **due(ContactKind.NEW_BIRTH_VISIT, ReviewStatus.OVERDUE, -9, overdue=1),
        awaiting_new_birth_visit=True,
    ),
    # 6-8 week review due, its target in 5 days; on a child protection plan.
    row(
        "Bo Begum",
        dt.date(2026, 10, 4),
        **due(ContactKind.SIX_TO_EIGHT_WEEK, ReviewStatus.DUE, 5),
        safeguarding=("Child protection plan",),
        interpreter_needed=True,
        service_level="Universal Plus",
        last_contact=dt.date(2026, 10, 15),
    ),
    # 1 year review months away: "in 12 days" sorts before "in 100 days" by number.
    row(
        "Cal Carter",
        dt.date(2026, 1, 5),
        **due(ContactKind.ONE_YEAR, ReviewStatus.DUE, 100),
        service_level="Universal",
        last_contact=dt.date(2026, 3, 1),
    ),
    row("Dee Dunn", dt.date(2025, 12, 6), **due(ContactKind.ONE_YEAR, ReviewStatus.DUE, 12)),
    # Nothing open.
    row("Eve Evans", dt.date(2021, 1, 1)),
]


@pytest.mark.gui
def test_the_worklist_model_passes_qt_model_checks(qtmodeltester: ModelTester) -> None:
    model = CaseloadModel()
    model.set_rows(WORKLIST)
    qtmodeltester.check(model)
    proxy = CaseloadProxy(model)
    proxy.set_filter(CaseloadFilter.DUE_THIS_WEEK)
    qtmodeltester.check(proxy)


@pytest.mark.gui
def test_worklist_cells_say_it_in_words_not_colour_alone() -> None:
    model = CaseloadModel()
    model.set_rows(WORKLIST)
    nia, bo, _cal, _dee, eve = range(5)
    assert model.index(nia, NEXT_REVIEW).data() == "New birth visit"
    assert model.index(nia, STATUS).data() == "⚠ Overdue"
    assert model.index(nia, STATUS).data(Qt.ItemDataRole.AccessibleTextRole) == "Overdue"
    assert model.index(nia, STATUS).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(nia, TARGET_BY).data() == "15 Nov 2026"
    assert model.index(nia, DAYS).data() == "-9"
    assert model.index(nia, DAYS).data(Qt.ItemDataRole.ToolTipRole) == "9 days overdue"
    assert model.index(nia, DAYS).data(Qt.ItemDataRole.AccessibleTextRole) == "9 days overdue"
    assert model.index(nia, OVERDUE).data() == "1"
    assert model.index(bo, DAYS).data() == "+5"
    assert model.index(bo, DAYS).data(Qt.ItemDataRole.AccessibleTextRole) == "in 5 days"
    assert model.index(bo, STATUS).data() == "● Due"
    assert model.index(bo, OVERDUE).data() == ""
    assert model.index(bo, FLAGS).data() == "Child protection plan; Interpreter"
    assert model.index(bo, FLAGS).data(Qt.ItemDataRole.ToolTipRole) == (
        "Safeguarding: Child protection plan\nInterpreter needed"
    )
    assert model.index(bo, SERVICE_LEVEL).data() == "Universal Plus"
    assert model.index(bo, LAST_CONTACT).data() == "15 Oct 2026"
    for column in (NEXT_REVIEW, STATUS, TARGET_BY, DAYS):
        assert model.index(eve, column).data() == "—"
    assert model.index(eve, STATUS).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(eve, DAYS).data(Qt.ItemDataRole.AccessibleTextRole) == "No review open"
    assert model.index(eve, FLAGS).data(Qt.ItemDataRole.AccessibleTextRole) == "No flags"
    assert model.index(eve, LAST_CONTACT).data(Qt.ItemDataRole.ToolTipRole) == "No contact yet"


@pytest.mark.gui
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_days_sort_by_number_not_by_text(order: Qt.SortOrder) -> None:
    model = CaseloadModel()
    model.set_rows(WORKLIST)
    proxy = CaseloadProxy(model)
    proxy.sort(DAYS, order)
    # As text "+100" < "+12" < "+5" < "-9"; by number -9, 5, 12, 100, then none open.
    by_number = ["-9", "+5", "+12", "+100"]
    shown = column(proxy, DAYS)
    if order == Qt.SortOrder.AscendingOrder:
        assert shown == [*by_number, "—"]
    else:
        assert shown == ["—", *by_number[::-1]]


@pytest.mark.gui
def test_status_and_target_sort_most_urgent_first() -> None:
    model = CaseloadModel()
    model.set_rows(WORKLIST)
    proxy = CaseloadProxy(model)
    proxy.sort(STATUS, Qt.SortOrder.AscendingOrder)
    assert column(proxy, NAME)[0] == "Nia Adeyemi"
    assert column(proxy, NAME)[-1] == "Eve Evans"
    proxy.sort(TARGET_BY, Qt.SortOrder.AscendingOrder)
    assert column(proxy, NAME) == [
        "Nia Adeyemi",
        "Bo Begum",
        "Dee Dunn",
        "Cal Carter",
        "Eve Evans",
    ]


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (CaseloadFilter.ALL, {"Nia Adeyemi", "Bo Begum", "Cal Carter", "Dee Dunn", "Eve Evans"}),
        (CaseloadFilter.DUE_THIS_WEEK, {"Nia Adeyemi", "Bo Begum"}),
        (CaseloadFilter.OVERDUE, {"Nia Adeyemi"}),
        (CaseloadFilter.NEW_BIRTHS, {"Nia Adeyemi"}),
        (CaseloadFilter.SAFEGUARDING, {"Bo Begum"}),
    ],
)
def test_each_filter_answers_its_question(chosen: CaseloadFilter, expected: set[str]) -> None:
    assert {r.name for r in WORKLIST if chosen.matches(r)} == expected


def test_a_saved_filter_is_read_back_and_anything_unknown_shows_all() -> None:
    assert CaseloadFilter.from_key("overdue") is CaseloadFilter.OVERDUE
    assert CaseloadFilter.from_key("no such filter") is CaseloadFilter.ALL
    assert CaseloadFilter.from_key(None) is CaseloadFilter.ALL


@pytest.mark.gui
def test_the_filter_and_the_search_combine() -> None:
    model = CaseloadModel()
    model.set_rows(WORKLIST)
    proxy = CaseloadProxy(model)
    proxy.set_filter(CaseloadFilter.DUE_THIS_WEEK)
    assert set(column(proxy, NAME)) == {"Nia Adeyemi", "Bo Begum"}
    proxy.set_search_text("begum")
    assert column(proxy, NAME) == ["Bo Begum"]
    proxy.set_filter(CaseloadFilter.ALL)
    assert column(proxy, NAME) == ["Bo Begum"]


LEVELS = [
    row("Ann Upp", dt.date(2026, 1, 1), service_level="Universal Partnership Plus"),
    row("Ben Com", dt.date(2026, 1, 2), service_level="Community"),
    row("Cat None", dt.date(2026, 1, 3)),
    row("Dan Uni", dt.date(2026, 1, 4), service_level="Universal"),
    row("Eve Plus", dt.date(2026, 1, 5), service_level="Universal Plus"),
]


@pytest.mark.gui
def test_service_level_sorts_by_level_not_alphabetically() -> None:
    model = CaseloadModel()
    model.set_rows(LEVELS)
    proxy = CaseloadProxy(model)
    proxy.sort(SERVICE_LEVEL, Qt.SortOrder.AscendingOrder)
    # Alphabetically "Universal Partnership Plus" would come before "Universal Plus".
    assert column(proxy, SERVICE_LEVEL) == [
        "Community",
        "Universal",
        "Universal Plus",
        "Universal Partnership Plus",
        "—",
    ]
    proxy.sort(SERVICE_LEVEL, Qt.SortOrder.DescendingOrder)
    assert column(proxy, SERVICE_LEVEL)[:2] == ["—", "Universal Partnership Plus"]


FOLLOW_UPS = [
    row(
        "Ada Okafor",
        dt.date(2026, 6, 1),
        referrals_due=(
            "Speech and language therapy: follow-up due 23 Nov 2026",
            "Stop smoking service (Mo Okafor): follow-up due 20 Nov 2026",
        ),
        covering_for="Covering for Jane Smith until 12 Dec 2026",
    ),
    row("Ben Okafor", dt.date(2025, 6, 1), referrals_due=("GP: follow-up due 1 Nov 2026",)),
    row("Cal Quiet", dt.date(2025, 6, 1)),
]


@pytest.mark.gui
def test_follow_ups_due_and_cover_show_among_the_flags_and_filter(
    qtmodeltester: ModelTester,
) -> None:
    model = CaseloadModel()
    model.set_rows(FOLLOW_UPS)
    ada, ben, cal = (model.index(r, FLAGS) for r in range(3))
    assert ada.data() == "2 referral follow-ups due; Cover for Jane Smith"
    assert ada.data(Qt.ItemDataRole.ToolTipRole) == (
        "Referral: Speech and language therapy: follow-up due 23 Nov 2026\n"
        "Referral: Stop smoking service (Mo Okafor): follow-up due 20 Nov 2026\n"
        "Covering for Jane Smith until 12 Dec 2026"
    )
    assert "Covering for Jane Smith until 12 Dec 2026" in ada.data(
        Qt.ItemDataRole.AccessibleTextRole
    )
    assert ben.data() == "Referral follow-up due"
    assert cal.data() == ""
    proxy = CaseloadProxy(model)
    proxy.set_filter(CaseloadFilter.FOLLOW_UPS_DUE)
    assert column(proxy, NAME) == ["Ada Okafor", "Ben Okafor"]
    assert CaseloadFilter.FOLLOW_UPS_DUE.label == "Follow-ups due"
    assert CaseloadFilter.from_key("follow_ups_due") is CaseloadFilter.FOLLOW_UPS_DUE
    qtmodeltester.check(proxy)
