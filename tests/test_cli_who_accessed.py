"""``healthvisitor audit who-accessed`` (issue 8): who looked at a child's record, from a shell."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from healthvisitor import cli
from healthvisitor.clock import local_today
from healthvisitor.domain.enums import Role
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.access_report import add_pdf_to_the_command_line
from healthvisitor.reports.cli import add_report_commands
from healthvisitor.reports.cli import main as installed_main
from healthvisitor.services.child_record import child_record
from tests import factories


class Team:
    def __init__(self, url: str, nhs_number: str, hv: str, lead: str, admin: str) -> None:
        self.url, self.nhs_number, self.hv, self.lead, self.admin = url, nhs_number, hv, lead, admin


@pytest.fixture
def team(tmp_path: Path) -> Team:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    engine = create_database_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        north = factories.team(session, "North")
        hv = factories.user(session, north)
        hv.full_name = "Priya Sharma"
        lead = factories.user(session, north, Role.TEAM_LEAD)
        admin = factories.user(session, None, Role.ADMINISTRATOR)
        child = factories.child(session, factories.family(session, north, "Bell"), hv)
        child_record(session, factories.actor(hv), child.id, today=local_today())
        built = Team(url, child.nhs_number, hv.username, lead.username, admin.username)
    engine.dispose()
    return built


def _with_pdf(commands: Any) -> None:
    """What the installed command adds, once reports/cli.py hands the PDF writer in."""
    add_report_commands(commands)
    add_pdf_to_the_command_line(commands)


def run(team: Team, user: str, *extra: str, main: Any = None) -> int:
    today = local_today().isoformat()
    argv: Sequence[str] = [
        "--database",
        team.url,
        "audit",
        "who-accessed",
        "--nhs-number",
        team.nhs_number,
        "--from",
        today,
        "--to",
        today,
        "--user",
        user,
        *extra,
    ]
    if main is not None:
        return int(main(list(argv)))
    return cli.main(argv)


def test_the_lead_is_told_who_opened_the_record(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(team, team.lead) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Who accessed Sam Bell's record (NHS number ")
    assert out[0].endswith(": 1 access.")
    assert (
        f"Priya Sharma ({team.hv}, health visitor)  Opened the record  from test-machine"
        in (out[1])
    )


def test_a_health_visitor_is_refused_in_one_sentence(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(team, team.hv) == 1
    err = capsys.readouterr().err
    assert err.startswith("healthvisitor: Only a team lead or administrator can see who")


def test_the_pdf_is_written_and_the_print_recorded(team: Team, tmp_path: Path) -> None:
    out = tmp_path / "who.pdf"
    assert (
        run(team, team.admin, "--pdf", str(out), main=lambda a: cli.main(a, extend=_with_pdf)) == 0
    )
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "Who accessed this child's record" in text and "Priya Sharma" in text
    engine = create_database_engine(team.url)
    with unit_of_work(engine) as session:
        printed = session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).one()
        assert '"report": "who accessed the record"' in printed.details
    engine.dispose()


def test_without_the_pdf_writer_pdf_is_refused_and_nothing_recorded(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(team, team.admin, "--pdf", str(tmp_path / "who.pdf")) == 1
    assert "cannot write PDF files" in capsys.readouterr().err
    assert not (tmp_path / "who.pdf").exists()


def test_the_installed_command_writes_the_pdf(team: Team, tmp_path: Path) -> None:
    out = tmp_path / "who.pdf"
    assert run(team, team.admin, "--pdf", str(out), main=installed_main) == 0
    assert out.exists()


def test_help_lists_who_accessed_beside_verify() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "healthvisitor", "audit", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "verify" in result.stdout and "who-accessed" in result.stdout
