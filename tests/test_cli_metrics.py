"""``healthvisitor report metrics`` (issue 7), as a team lead or a commissioner runs it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.cli import main
from tests.services.test_metrics import World, new_births


@dataclass(frozen=True)
class Data:
    engine: Engine
    lead: str
    ann: str
    bea: str
    admin: str


@pytest.fixture
def data(sqlite_engine: Engine) -> Data:
    with unit_of_work(sqlite_engine) as session:
        w = World(session)
        new_births(session, w)
        names = Data(
            sqlite_engine, w.lead.username, w.ann.username, w.bea.username, w.admin.username
        )
    return names


def run(data: Data, *args: str) -> int:
    url = data.engine.url.render_as_string(hide_password=False)
    command = ["report", "metrics", "--quarter", "2026-27Q1", *args, "--today", "2026-11-24"]
    return main(["--database", url, *command])


def test_json_gives_numerator_denominator_and_percent(
    data: Data, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data, "--user", data.lead, "--json") == 0
    found = json.loads(capsys.readouterr().out)
    assert (found["quarter"], found["scope_name"], found["provisional"]) == (
        "2026-27Q1",
        "North",
        False,
    )
    by_code = {metric["code"]: metric for metric in found["metrics"]}
    within = by_code["new_birth_visit_within_14_days"]
    assert (within["numerator"], within["denominator"], within["percent"]) == (1, 7, 14.3)
    small = by_code["two_year_by_30_months"]
    assert (small["denominator"], small["percent"]) == (0, None)
    assert small["note"] == "No children in this group this quarter"
    assert by_code["antenatal_reviews_at_28_weeks_or_later"]["denominator"] is None


def test_csv_for_the_commissioners_spreadsheet(
    data: Data, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data, "--user", data.lead, "--service", "--csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    within = next(row for row in rows if row["metric"] == "new_birth_visit_within_14_days")
    # The whole service: South's child as well.
    assert (within["scope"], within["numerator"], within["denominator"], within["percent"]) == (
        "Whole service",
        "1",
        "8",
        "12.5",
    )


def test_a_health_visitor_gets_their_own_figures_as_text(
    data: Data, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data, "--user", data.bea) == 0
    said = capsys.readouterr().out
    assert said.startswith("Test User")
    assert "New birth visit within 14 days (face to face): 0 of 1 (0.0%)" in said
    assert "Too small to compare" in said


def test_refusals_are_one_sentence_and_exit_1(
    data: Data, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data, "--user", data.ann, "--team", "North") == 1
    assert "Only a team lead can see the team's figures" in capsys.readouterr().err
    assert run(data, "--user", data.lead, "--team", "South") == 1
    assert "another team's figures" in capsys.readouterr().err
    assert run(data, "--user", data.lead, "--team", "Nowhere") == 1
    assert "no team called 'Nowhere'" in capsys.readouterr().err
    assert run(data, "--user", data.admin) == 1
    assert "no access to children's records" in capsys.readouterr().err
    url = data.engine.url.render_as_string(hide_password=False)
    argv = ["--database", url, "report", "metrics", "--quarter", "2026Q1", "--user", data.lead]
    assert main(argv) == 1
    assert "e.g. 2026-27Q1" in capsys.readouterr().err


def test_out_writes_a_one_page_pdf(data: Data, tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "metrics.pdf"
    assert run(data, "--user", data.lead, "--out", str(out)) == 0
    pages = PdfReader(out).pages
    assert len(pages) == 1
    text = pages[0].extract_text()
    assert "New birth visit within 14 days" in text and "14.3%" in text
