"""``healthvisitor referral-types``: administrators manage the list of referral types."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthvisitor.cli import main
from healthvisitor.domain.enums import Role
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.unit_of_work import unit_of_work
from tests import factories


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    engine = create_database_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        team = factories.team(session, "North")
        factories.user(session, None, Role.ADMINISTRATOR).username = "admin"
        factories.user(session, team).username = "hv"
    engine.dispose()
    return url


def test_an_administrator_adds_renames_and_retires_a_type(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> str:
        assert main(["--database", url, "referral-types", *args, "--user", "admin"]) == 0
        return capsys.readouterr().out

    assert "stop_smoking                 Stop smoking service" in run("list")
    assert run("add", "Community audiology") == (
        "Added 'Community audiology' (code community_audiology).\n"
    )
    assert run("rename", "community_audiology", "Audiology") == (
        "Renamed community_audiology to 'Audiology'.\n"
    )
    assert "no longer offered" in run("retire", "community_audiology")
    assert "community_audiology" not in run("list")
    assert "community_audiology          Audiology  (retired)" in run("list", "--all")


def test_a_health_visitor_may_list_but_not_change_types(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database", url, "referral-types", "list", "--user", "hv"]) == 0
    assert "Speech and language therapy" in capsys.readouterr().out
    assert main(["--database", url, "referral-types", "retire", "gp", "--user", "hv"]) == 1
    assert "Only an administrator can change the list" in capsys.readouterr().err


def test_an_unknown_code_says_how_to_find_the_codes(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database", url, "referral-types", "retire", "gpp", "--user", "admin"]) == 1
    assert "There is no referral type 'gpp'" in capsys.readouterr().err
