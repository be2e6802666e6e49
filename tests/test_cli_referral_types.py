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
        "Added 'Community audiology' (code community_audiology), left off the family's red "
        "book copy until you say otherwise.\n"
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


def test_the_family_copy_is_listed_defaults_closed_and_is_set_by_an_administrator(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hazard H17: a type nobody has decided about is left off the parent-held red book."""

    def run(*args: str, user: str = "admin") -> str:
        assert main(["--database", url, "referral-types", *args, "--user", user]) == 0
        return capsys.readouterr().out

    listed = {line.split()[0]: line for line in run("list").splitlines()}
    # The migration's choice: routine routes print, the two safeguarding ones do not.
    assert "not on the family's copy" not in listed["stop_smoking"]
    assert "not on the family's copy" in listed["childrens_social_care"]
    assert "not on the family's copy" in listed["domestic_abuse"]
    run("add", "Young carers service")
    assert "(not on the family's copy)" in run("list").split("young_carers_service")[1]
    assert "now printed on the family's red book copy" in run(
        "family-copy", "young_carers_service", "yes"
    )
    after = {line.split()[0]: line for line in run("list").splitlines()}
    assert "not on the family's copy" not in after["young_carers_service"]
    assert "now left off" in run("family-copy", "young_carers_service", "no")
    assert "printed on the family's red book copy" in run("add", "Baby massage", "--on-family-copy")
    assert (
        main(["--database", url, "referral-types", "family-copy", "gp", "no", "--user", "hv"]) == 1
    )
    assert "Only an administrator can change the list" in capsys.readouterr().err
