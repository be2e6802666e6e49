"""The caseload handover on paper (issue 6), read back from the PDF with pypdf."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.handover import handover_pdf
from healthvisitor.services.printing import HandoverReport, handover_report
from tests.printing_data import TODAY, PrintTeam, build_print_team


class Cancelled(Exception):
    pass


@pytest.fixture
def team(sqlite_engine: Engine) -> PrintTeam:
    return build_print_team(sqlite_engine)


def report_of(team: PrintTeam, **limits: object) -> HandoverReport:
    with unit_of_work(team.engine) as session:
        return handover_report(session, team.actor(), team.me.id, today=TODAY, **limits)  # type: ignore[arg-type]


def pages_of(report: HandoverReport) -> list[str]:
    out = io.BytesIO()
    handover_pdf(report, out)
    return [page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages]


def test_cover_page_totals_then_children_most_urgent_first(team: PrintTeam) -> None:
    report = report_of(team)
    pages = pages_of(report)
    cover = re.sub(r"\s+", " ", pages[0])
    assert "Caseload handover: Priya Sharma's caseload" in cover
    assert "Children on the caseload 3" in cover
    assert f"Reviews overdue {report.totals.reviews_overdue}" in cover
    assert "Children with a safeguarding flag 1" in cover
    assert "Open referrals 2" in cover
    assert "Isla Jones" not in cover  # children start on a page of their own
    rest = re.sub(r"\s+", " ", " ".join(pages[1:]))
    order = [rest.index(f"{n}. {name}") for n, name in enumerate(report_names(report), 1)]
    assert order == sorted(order)
    assert report_names(report)[0] == "Isla Jones"  # her 1 year review is overdue
    assert "1 year review: overdue, target by 20 Oct 2026 (35 days past target)" in rest
    assert "Child protection plan (since 3 Aug 2026)" in rest
    assert "Level of service: Universal Partnership Plus" in rest
    assert "1 Sep 2026, 1 year review, by Priya Sharma" in rest
    assert "Discussed talking and reading together." in rest
    assert (
        "Speech and language therapy (Tyler Reid): draft, made 2 Nov 2026, follow up by "
        "1 Dec 2026" in rest
    )
    assert "Stop smoking service (Sara Reid (mother)): draft, made 5 Oct 2026" in rest
    assert "Infant feeding support" not in rest  # closed: not on a handover
    for child in report.children:
        assert f"NHS number {child.nhs_number}" in rest
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def report_names(report: HandoverReport) -> list[str]:
    return [child.name for child in report.children]


def test_flagged_only_prints_the_safeguarding_case_and_says_so(team: PrintTeam) -> None:
    pages = pages_of(report_of(team, flagged_only=True))
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "Tyler Reid" in text
    assert "Isla Jones" not in text and "Oliver Nowak" not in text
    assert "flagged children only" in text
    assert "Children on the caseload 3" in text  # the totals stay the whole caseload's


def test_progress_is_reported_and_raising_from_it_cancels(team: PrintTeam) -> None:
    report = report_of(team)
    seen: list[tuple[int, int]] = []
    handover_pdf(report, io.BytesIO(), progress=lambda done, total: seen.append((done, total)))
    children = len(report.children)
    assert seen[-1] == (children, children)  # counted in children, the cover left out
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert {total for _, total in seen} == {children}

    def cancel(done: int, total: int) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        handover_pdf(report, io.BytesIO(), progress=cancel)
