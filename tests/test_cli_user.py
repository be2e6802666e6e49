"""``healthvisitor user …`` and ``healthvisitor audit verify`` (issue 8), as IT would run them.

Passwords come on stdin (as a script would pass them) or a masked prompt;
the commands have no option that takes one.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from healthvisitor.cli import build_parser, main
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import AuditEvent, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.accounts import SignInDesk, SignInError
from tests import factories

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
