"""A shared database that needs a password: asked for, never stored in clear.

Runs against a private PostgreSQL cluster with SCRAM authentication
(``password_protected_postgres`` in conftest), since the project's shared
test server trusts local connections.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthvisitor.cli import main
from healthvisitor.errors import PasswordRequiredError
from healthvisitor.persistence.database import SCHEMA_HEAD, current_revision
from healthvisitor.startup import open_database
from tests.conftest import PROTECTED_PASSWORD

pytestmark = pytest.mark.postgres


def test_no_password_and_no_keyring_says_it_will_ask(password_protected_postgres: str) -> None:
    with pytest.raises(PasswordRequiredError) as caught:
        open_database(password_protected_postgres)
    message = str(caught.value)
    assert "needs a password" in message
    assert "no keyring" in message and "never writes the password to a file" in message


def test_a_wrong_password_is_named_as_such(password_protected_postgres: str) -> None:
    with pytest.raises(PasswordRequiredError, match="was not accepted"):
        open_database(password_protected_postgres, password="wrong")


def test_the_cli_asks_on_a_terminal_then_works(
    password_protected_postgres: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    answers = iter(["wrong", PROTECTED_PASSWORD])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["--database", password_protected_postgres, "db", "upgrade"]) == 0
    captured = capsys.readouterr()
    assert "needs a password" in captured.err and "was not accepted" in captured.err
    assert SCHEMA_HEAD in captured.out  # "Upgraded ... to" or "already at"
    assert PROTECTED_PASSWORD not in captured.out + captured.err
    opened = open_database(password_protected_postgres, password=PROTECTED_PASSWORD)
    try:
        assert current_revision(opened.engine) == SCHEMA_HEAD
    finally:
        opened.engine.dispose()
    # Nothing the app wrote in its own folders holds the password.
    for root, _dirs, files in os.walk(tmp_path):
        for name in files:
            assert PROTECTED_PASSWORD.encode() not in (Path(root) / name).read_bytes()


def test_without_a_terminal_nothing_is_asked(
    password_protected_postgres: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: pytest.fail("must not ask"))
    assert main(["--database", password_protected_postgres, "db", "status"]) == 1
    assert "needs a password" in capsys.readouterr().err
