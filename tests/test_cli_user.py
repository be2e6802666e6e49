"""``healthvisitor user …`` and ``healthvisitor audit verify`` (issue 8), as IT would run them.

Passwords come on stdin (as a script would pass them) or a masked prompt;
the commands have no option that takes one.
"""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from sqlalchemy import select, text

from healthvisitor.cli import build_parser, main
from healthvisitor.persistence import audit_key
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import AuditEvent, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.accounts import SignInDesk, SignInError
from tests import factories
from tests.keyrings import MemoryKeyring

PASSWORD = "plum kettle orbit 42"


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    engine = create_database_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        factories.team(session, "Chapeltown 0-19 team")
    engine.dispose()
    return url


def run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--database", url, *args])


def add_priya(monkeypatch: pytest.MonkeyPatch, url: str) -> int:
    return run(
        monkeypatch,
        url,
        "user",
        "add",
        "psharma",
        "--name",
        "Priya Sharma",
        "--role",
        "health_visitor",
        "--team",
        "Chapeltown 0-19 team",
        stdin=PASSWORD + "\n",
    )


def test_add_list_reset_and_disable(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_priya(monkeypatch, url) == 0
    assert "Added Priya Sharma (psharma, health visitor)." in capsys.readouterr().out
    engine = create_database_engine(url)
    try:
        assert SignInDesk(engine).sign_in("psharma", PASSWORD).full_name == "Priya Sharma"
        assert run(monkeypatch, url, "user", "list") == 0
        listed = capsys.readouterr().out
        assert "psharma" in listed and "Chapeltown 0-19 team" in listed and "active" in listed
        new = "seven brave otters"
        assert run(monkeypatch, url, "user", "set-password", "psharma", stdin=new + "\n") == 0
        assert "any lockout is lifted" in capsys.readouterr().out
        assert SignInDesk(engine).sign_in("psharma", new).username == "psharma"
        assert run(monkeypatch, url, "user", "disable", "psharma") == 0
        assert "everything they recorded stays" in capsys.readouterr().out
        with pytest.raises(SignInError, match="disabled"):
            SignInDesk(engine).sign_in("psharma", new)
        assert run(monkeypatch, url, "user", "list") == 0
        assert "disabled" in capsys.readouterr().out
        with unit_of_work(engine) as session:
            actions = list(session.scalars(select(AuditEvent.action)))
            stored = session.scalars(select(User.password_hash)).one()
        assert {"user_added", "password_set", "user_disabled"} <= set(actions)
        assert stored is not None and new not in stored and stored.startswith("$argon2id$")
    finally:
        engine.dispose()


def test_a_weak_password_is_refused_with_the_reason(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            monkeypatch,
            url,
            *("user", "add", "admin", "--name", "Sam Admin", "--role", "administrator"),
            stdin="password123\n",
        )
        == 1
    )
    assert "at least 12 characters" in capsys.readouterr().err


def test_no_password_on_stdin_is_explained(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, url, "user", "set-password", "psharma") == 1
    assert "never as an option" in capsys.readouterr().err


def test_no_command_takes_a_password_as_an_option() -> None:
    parser = build_parser()
    for args in (["user", "add", "x", "--name", "X", "--role", "administrator"],):
        namespace = parser.parse_args(args)
        assert not any("password" in name for name in vars(namespace))
    with pytest.raises(SystemExit):
        parser.parse_args(["user", "set-password", "psharma", "--password", "secret"])


def test_audit_verify_says_intact_then_names_the_broken_event(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_priya(monkeypatch, url) == 0
    assert run(monkeypatch, url, "user", "disable", "psharma") == 0
    capsys.readouterr()
    assert run(monkeypatch, url, "audit", "verify") == 0
    assert capsys.readouterr().out == "The audit trail is intact: 2 events checked.\n"
    engine = create_database_engine(url)
    with engine.begin() as connection:  # as the file's owner could
        connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        connection.execute(text("DELETE FROM audit_events WHERE sequence = 1"))
    engine.dispose()
    assert run(monkeypatch, url, "audit", "verify") == 1
    err = capsys.readouterr().err
    assert "The audit trail has been altered. First broken: event 2 (user_disabled" in err
    assert "event 1 is missing before it (deleted)" in err


def test_the_installed_command_lists_user_and_audit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "healthvisitor", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "user" in result.stdout and "audit" in result.stdout


def test_enable_unlock_and_set_role_from_the_command_line(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_priya(monkeypatch, url) == 0
    assert run(monkeypatch, url, "user", "disable", "psharma") == 0
    assert run(monkeypatch, url, "user", "enable", "psharma") == 0
    assert "can sign in again" in capsys.readouterr().out
    engine = create_database_engine(url)
    try:
        for _ in range(5):
            with pytest.raises(SignInError):
                SignInDesk(engine).sign_in("psharma", "not my password at all")
        with pytest.raises(SignInError, match="locked"):
            SignInDesk(engine).sign_in("psharma", PASSWORD)
        assert run(monkeypatch, url, "user", "unlock", "psharma") == 0
        assert SignInDesk(engine).sign_in("psharma", PASSWORD).username == "psharma"
        assert run(monkeypatch, url, "user", "list") == 0
        listed = capsys.readouterr().out
        assert "never signed in" not in listed.split("psharma", 1)[1].splitlines()[0]
        assert (
            run(
                monkeypatch,
                url,
                "user",
                "set-role",
                "psharma",
                "--role",
                "team_lead",
                "--team",
                "Chapeltown 0-19 team",
            )
            == 0
        )
        assert "psharma is now team lead in Chapeltown 0-19 team" in capsys.readouterr().out
        assert SignInDesk(engine).sign_in("psharma", PASSWORD).role.value == "team_lead"
        # A health visitor must belong to a team: refused, in words, nothing changed.
        assert run(monkeypatch, url, "user", "set-role", "psharma", "--role", "health_visitor") == 1
        assert "belongs to a team" in capsys.readouterr().err
        with unit_of_work(engine) as session:
            actions = list(session.scalars(select(AuditEvent.action)))
        assert actions.count("permission_change") == 1
        assert {"user_enabled", "user_unlocked"} <= set(actions)
    finally:
        engine.dispose()


def test_the_last_administrator_cannot_be_disabled_from_the_command_line(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    adding = ("user", "add", "sadmin", "--name", "Sam Admin", "--role", "administrator")
    assert run(monkeypatch, url, *adding, stdin=PASSWORD + "\n") == 0
    capsys.readouterr()
    assert run(monkeypatch, url, "user", "disable", "sadmin") == 1
    assert "only active administrator" in capsys.readouterr().err


def test_a_second_computer_gets_the_audit_key_by_file_and_never_sees_it_printed(
    url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A shared database: the second computer records nothing until it holds the key."""
    assert add_priya(monkeypatch, url) == 0  # the first computer: the chain and its key begin
    capsys.readouterr()
    handed = tmp_path / "usb" / "audit.key"
    handed.parent.mkdir()
    assert run(monkeypatch, url, "audit-key", "export", "--to", str(handed)) == 0
    said = capsys.readouterr().out
    assert stat.S_IMODE(handed.stat().st_mode) == 0o600
    key_hex = handed.read_text(encoding="ascii").splitlines()[2].removeprefix("key ")
    assert len(key_hex) == 64 and key_hex not in said and "delete the file" in said
    # Never over an existing file.
    assert run(monkeypatch, url, "audit-key", "export", "--to", str(handed)) == 1
    assert "already exists" in capsys.readouterr().err

    # The second computer: its own data folder and keyring, no key yet.
    monkeypatch.setenv("HEALTHVISITOR_DATA_DIR", str(tmp_path / "second"))
    audit_key.forget_cached_keys()
    adding = ("user", "add", "hwalker", "--name", "Helen Walker", "--role", "administrator")
    assert run(monkeypatch, url, *adding, stdin=PASSWORD + "\n") == 1
    assert "does not hold the key" in capsys.readouterr().err
    # No keyring on it: refused, nothing kept in a file instead.
    assert run(monkeypatch, url, "audit-key", "import", "--from", str(handed)) == 1
    assert "no usable keyring" in capsys.readouterr().err
    assert not (tmp_path / "second" / "audit-keys").exists()
    before = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    try:
        # A key that does not sign this trail is refused.
        forged = tmp_path / "forged.key"
        forged.write_text(
            handed.read_text(encoding="ascii").replace(key_hex, "ab" * 32), encoding="ascii"
        )
        assert run(monkeypatch, url, "audit-key", "import", "--from", str(forged)) == 1
        assert "does not sign this database's audit trail" in capsys.readouterr().err
        assert kept.entries == {}
        assert run(monkeypatch, url, "audit-key", "import", "--from", str(handed)) == 0
        out = capsys.readouterr().out
        assert "now in this computer's keyring" in out and key_hex not in out
        assert list(kept.entries.values()) == [key_hex]
        # Now it records, and the trail is one unbroken chain.
        assert run(monkeypatch, url, *adding, stdin=PASSWORD + "\n") == 0
        assert run(monkeypatch, url, "audit", "verify") == 0
        assert "intact" in capsys.readouterr().out
        engine = create_database_engine(url)
        with unit_of_work(engine) as session:
            actions = list(session.scalars(select(AuditEvent.action)))
            details = " ".join(session.scalars(select(AuditEvent.details)))
        engine.dispose()
        assert {"audit_key_exported", "audit_key_imported"} <= set(actions)
        assert key_hex not in details
    finally:
        keyring.set_keyring(before)
        audit_key.forget_cached_keys()


def test_a_new_database_gets_its_teams_then_their_people_from_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade(create_database_engine(url))
    # No team yet: the account cannot be added, and says why.
    assert add_priya(monkeypatch, url) != 0
    assert "There is no team called 'Chapeltown 0-19 team'." in capsys.readouterr().err

    assert run(monkeypatch, url, "team", "add", "  Chapeltown   0-19 team ") == 0
    assert "Added the team 'Chapeltown 0-19 team'." in capsys.readouterr().out
    assert run(monkeypatch, url, "team", "add", "chapeltown 0-19 TEAM") != 0
    assert "There is already a team called 'Chapeltown 0-19 team'." in capsys.readouterr().err
    assert add_priya(monkeypatch, url) == 0
    assert run(monkeypatch, url, "team", "list") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Chapeltown 0-19 team"
    engine = create_database_engine(url)
    with unit_of_work(engine) as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))
    engine.dispose()
    assert actions.count("team_added") == 1
