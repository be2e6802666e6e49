"""``healthvisitor report redbook`` and ``report handover`` (issue 6), as a user runs them.

Until the lead wires ``add_report_commands`` into ``cli.build_parser``, the
tests add it to the parser themselves and drive ``cli.main``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.cli import main
from tests import factories
from tests.printing_data import PrintTeam, build_print_team


@pytest.fixture
def team(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> PrintTeam:
    return build_print_team(sqlite_engine)


def run(team: PrintTeam, *args: str) -> int:
    url = team.engine.url.render_as_string(hide_password=False)
    return main(["--database", url, "report", *args, "--today", "2026-11-24"])


def test_redbook_by_nhs_number_writes_the_pdf_and_audits_it(
    team: PrintTeam, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "oliver.pdf"
    nhs = factories.nhs_number(7001)
    assert run(team, "redbook", "--nhs", nhs, "--out", str(out)) == 0
    said = capsys.readouterr().out
    assert "Oliver Nowak" in said and "printed by Priya Sharma" in said
    text = PdfReader(out).pages[0].extract_text()
    assert f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" in text
    with unit_of_work(team.engine) as session:
        [event_] = session.scalars(select(AuditEvent).where(AuditEvent.action == "print"))
        assert event_.entity_id == team.oliver and event_.user_id == team.me.id


def test_redbook_prints_as_the_user_given(team: PrintTeam, tmp_path: Path) -> None:
    out = tmp_path / "oliver.pdf"
    nhs = factories.nhs_number(7001)
    assert run(team, "redbook", "--nhs", nhs, "--out", str(out), "--user", team.lead.username) == 0
    assert "Printed 24 Nov 2026 by Joanne Fisher" in PdfReader(out).pages[0].extract_text()


def test_unknown_child_or_practitioner_is_one_sentence_and_exit_1(
    team: PrintTeam, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nobody.pdf"
    assert run(team, "redbook", "--nhs", "9990000000", "--out", str(out)) == 1
    error = capsys.readouterr().err
    assert error.startswith("healthvisitor: No child with NHS number 9990000000 is on record")
    assert not out.exists()
    assert run(team, "handover", "--practitioner", "nobody", "--out", str(out)) == 1
    assert "no practitioner with the username 'nobody'" in capsys.readouterr().err
    assert not out.exists()


def test_another_teams_child_is_refused(
    team: PrintTeam, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "oliver.pdf"
    nhs = factories.nhs_number(7001)
    args = ("redbook", "--nhs", nhs, "--out", str(out), "--user", team.stranger.username)
    assert run(team, *args) == 1
    # Refused as not found in the user's own team: it neither prints nor says
    # that the child is on another team's records.
    error = capsys.readouterr().err
    assert "is on your team's records; check the number" in error
    assert "another team" not in error
    assert not out.exists()


def test_handover_flagged_only_in_a_window(
    team: PrintTeam, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "handover.pdf"
    args = ("handover", "--practitioner", team.me.username, "--out", str(out))
    assert run(team, *args, "--flagged-only", "--from", "2027-04-01", "--to", "2027-04-30") == 0
    assert "(1 of 3 children)" in capsys.readouterr().out
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Tyler Reid" in text and "Isla Jones" not in text
    with unit_of_work(team.engine) as session:
        [event_] = session.scalars(select(AuditEvent).where(AuditEvent.action == "print"))
        assert json.loads(event_.details)["flagged_only"] is True


def test_a_bad_window_or_file_name_says_what_to_do(
    team: PrintTeam, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("handover", "--practitioner", team.me.username)
    assert run(team, *args, "--out", str(tmp_path / "h.txt")) == 1
    assert "ending in .pdf" in capsys.readouterr().err
    out = str(tmp_path / "h.pdf")
    assert run(team, *args, "--out", out, "--from", "2027-01-01", "--to", "2026-12-01") == 1
    assert "swap the dates" in capsys.readouterr().err


def test_a_file_that_cannot_be_written_leaves_no_print_in_the_audit(
    team: PrintTeam, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taken.pdf"
    out.mkdir()  # a folder where the file should go: writing it fails
    assert run(team, "redbook", "--nhs", factories.nhs_number(7001), "--out", str(out)) == 1
    assert "Could not write" in capsys.readouterr().err
    with unit_of_work(team.engine) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all() == []
