"""Who accessed a child's record, on paper (issue 8), read back from the PDF with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from healthvisitor.domain.enums import Role
from healthvisitor.reports.access_report import access_report_pdf
from healthvisitor.services.access_report import AccessReport, RecordAccess

ASKED_AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _in_london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The laptop's clock in England, so local time and UTC differ in summer."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _access(at: dt.datetime, who: str = "Priya Sharma", **changes: object) -> RecordAccess:
    fields: dict[str, object] = {
        "occurred_at": at,
        "who": who,
        "username": who.split()[0].lower(),
        "role": Role.HEALTH_VISITOR,
        "action": "view",
        "what": "Opened the record",
        "machine": "NHS-LAPTOP-0042",
        "sequence": 1,
    }
    fields.update(changes)
    return RecordAccess(**fields)  # type: ignore[arg-type]


def _report(accesses: tuple[RecordAccess, ...]) -> AccessReport:
    return AccessReport(
        child_id=uuid.uuid4(),
        child_name="Amara Okafor",
        nhs_number="999 000 0018",
        team_name="North",
        start=dt.date(2026, 6, 1),
        end=dt.date(2026, 11, 24),
        accesses=accesses,
        asked_by="Jo Lead",
        asked_at=ASKED_AT,
    )


def _pages(report: AccessReport) -> list[str]:
    out = io.BytesIO()
    access_report_pdf(report, out)
    return [page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages]


def test_each_access_shows_who_in_which_role_when_in_local_time_what_and_where() -> None:
    summer = dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)  # 09:05 BST
    winter = dt.datetime(2026, 11, 2, 14, 30, tzinfo=dt.UTC)  # 14:30 GMT
    report = _report(
        (
            _access(summer),
            _access(
                winter,
                "Jo Lead",
                role=Role.TEAM_LEAD,
                what="Printed from the record: red book",
                machine="NHS-DESK-7",
            ),
        )
    )
    [page] = _pages(report)
    flat = " ".join(page.split())
    assert "Amara Okafor, NHS number 999 000 0018" in flat
    assert "1 Jul 2026 09:05:00 (UTC+01:00)" in flat
    assert "2 Nov 2026 14:30:00 (UTC+00:00)" in flat
    assert "Priya Sharma (priya, health visitor)" in flat
    assert "Jo Lead (jo, team lead)" in flat
    assert "Printed from the record: red book" in flat and "NHS-DESK-7" in flat
    assert flat.index("09:05:00") < flat.index("14:30:00"), "oldest first, as given"
    assert "2 recorded in the audit trail" in flat


def test_a_long_report_names_the_child_on_every_page() -> None:
    start = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    accesses = tuple(_access(start + dt.timedelta(hours=n), sequence=n + 1) for n in range(120))
    pages = _pages(_report(accesses))
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert "Amara Okafor · NHS 999 000 0018" in page
        assert f"Page {number} of {len(pages)}" in page
        assert "When (local time)" in page, "the table's header repeats"
    assert sum(page.count("Opened the record") for page in pages) == 120


def test_no_access_in_the_range_says_so() -> None:
    [page] = _pages(_report(()))
    assert "Nobody opened, printed or changed this record in that range." in " ".join(page.split())
