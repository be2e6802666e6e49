"""The command line, driven as a user or an IT administrator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthvisitor import __version__
from healthvisitor.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # The installed ``healthvisitor`` script, beside this interpreter.
        [str(Path(sys.executable).with_name("healthvisitor")), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def test_help_and_version_through_the_installed_entry_point() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("db", "config", "demo", "import", "export", "report", "referral-types"):
        assert command in result.stdout
    version = run("--version")
    assert version.stdout.strip() == f"HealthVisitor {__version__}"


def test_db_upgrade_creates_then_reports_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    assert main(["--database", url, "db", "upgrade"]) == 0
    assert "from empty to" in capsys.readouterr().out
    assert main(["--database", url, "db", "upgrade"]) == 0
    assert "already at the current schema" in capsys.readouterr().out
    assert main(["--database", url, "db", "status"]) == 0
    assert "Run 'healthvisitor db upgrade'" not in capsys.readouterr().out


def test_unreachable_shared_database_is_one_clear_sentence() -> None:
    result = run("--database", "postgresql://hv:pw-not-shown@127.0.0.1:1/health", "db", "status")
    assert result.returncode == 1
    assert result.stderr.startswith("healthvisitor: Cannot reach the shared database")
    assert "Traceback" not in result.stderr
    assert "pw-not-shown" not in result.stderr + result.stdout


def test_config_show_names_the_files_and_hides_passwords(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHVISITOR_DATABASE_URL", "postgresql://hv:hidden@db.trust/health")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "db.trust" in out and "$HEALTHVISITOR_DATABASE_URL" in out
    assert "hidden" not in out
    assert "user config:" in out and "machine-wide config:" in out


def test_set_password_without_a_keyring_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt: "typed-secret")
    assert main(["--database", "postgresql://hv@db/health", "db", "set-password"]) == 1
    assert "no keyring" in capsys.readouterr().err


def test_usage_mistakes_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2


def test_demo_export_and_import_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'team.db'}"
    assert main(["--database", url, "demo", "--children", "40", "--today", "2026-11-24"]) == 0
    assert "children: 40" in capsys.readouterr().out
    # Demo data refuses a database that already has children, and says why.
    assert main(["--database", url, "demo", "--children", "5"]) == 1
    assert "already" in capsys.readouterr().err

    with create_engine(url).connect() as connection:
        visitor, lead = connection.execute(
            text(
                "SELECT hv.username, lead.username FROM users hv JOIN users lead "
                "ON lead.team_id = hv.team_id AND lead.role = 'team_lead' "
                "WHERE hv.role = 'health_visitor' ORDER BY hv.username LIMIT 1"
            )
        ).one()
    exported = tmp_path / "caseload.json"
    assert main(["--database", url, "export", str(exported), "--user", visitor]) == 0
    document = json.loads(exported.read_text())
    assert document["format"] == "healthvisitor-interchange" and document["children"]

    # The same records again are duplicates: rejected whole, each one named.
    assert main(["--database", url, "import", str(exported), "--user", lead]) == 1
    assert "already on record" in capsys.readouterr().err

    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "healthvisitor-interchange",\n  "version": 1,,\n}')
    assert main(["--database", url, "import", str(broken), "--user", lead]) == 1
    assert "line 2" in capsys.readouterr().err
