"""No secret is written to the database file, the config files or the logs (issue 8).

A scripted session, as an administrator, a health visitor and IT would run it:
accounts made with passwords (``healthvisitor user add``, passwords on stdin),
sign-ins right and wrong until the account locks, a password reset, an
unlock, a contact recorded, a red book summary printed, the access log read;
and, on a shared PostgreSQL database that needs a password, that password
kept in the keyring (``healthvisitor db set-password``) and used from there.

Then every byte the app wrote is read back: the SQLite file with its WAL and
shared-memory files, the backups, every file in the data and config folders
(platformdirs, ``healthvisitor.config``), everything logged (every logger at
DEBUG, SQLAlchemy's statements with their parameters) and everything printed.
No password, typed wrong password or audit chain key may appear in any of
them: not in clear, nor as UTF-16, base64, hex or URL-quoted.

The app writes no log file of its own (nothing configures a file handler), so
"the logs" are the log records themselves, caught here at DEBUG.
``test_the_scan_finds_a_planted_secret_in_each_encoding`` keeps the scanner
honest: a scan that cannot find anything would pass every session.
"""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import io
import logging
import os
import sys
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from healthvisitor.cli import main
from healthvisitor.config import data_dir, machine_config_file, user_config_file
from healthvisitor.domain.enums import ContactKind, ContactLocation, ContactOutcome
from healthvisitor.persistence import audit_key
from healthvisitor.persistence.models import Team
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.red_book import red_book_pdf
from healthvisitor.services import access_report, printing
from healthvisitor.services.accounts import SignInDesk, SignInError
from healthvisitor.services.actor import actor_for
from healthvisitor.services.contacts import ContactEntry, record_contact
from healthvisitor.startup import open_database
from tests import factories
from tests.conftest import PROTECTED_PASSWORD
from tests.keyrings import MemoryKeyring  # a desktop keyring, in memory

TEAM = "Chapeltown 0-19 team"
#: Each account's first password, the one set at reset, and the wrong ones typed.
PASSWORDS = {
    "psharma": "plum kettle orbit 42",
    "jfisher": "Quiet-Harbour-Lantern-7",
    "sadmin": "saffron/lighthouse+cobalt",
}
RESET_PASSWORD = "marble otter sunrise 1984"
WRONG_PASSWORDS = (
    "plum kettle orbit 43",
    "Plum Kettle Orbit 42",
    "correct-horse-wrong-1",
    "orbit kettle plum 42",
    "kettle plum orbit 42",
)
WRONG_DATABASE_PASSWORD = "not the battery staple"


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    # Every statement SQLAlchemy sends, with its parameters (INFO on this logger).
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    return caplog


# --- The scan ------------------------------------------------------------------------


def _base64_forms(secret: bytes) -> set[bytes]:
    """How ``secret`` looks inside a longer base64 text, at each of the three alignments.

    The characters that also carry a neighbouring byte are cut off each end.
    """
    forms = set()
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * pad + secret)
            start = -(-pad * 4 // 3) + (1 if pad else 0)  # past every char touching the pad
            stop = (pad + len(secret)) // 3 * 4  # only whole groups of three bytes
            if stop - start >= 8:
                forms.add(encoded[start:stop])
    return forms


def encodings(secret: str | bytes) -> dict[str, set[bytes]]:
    """Every form of ``secret`` the scan looks for, by name."""
    raw = secret.encode() if isinstance(secret, str) else secret
    found: dict[str, set[bytes]] = {
        "as is": {raw},
        "hex": {raw.hex().encode(), raw.hex().upper().encode()},
        "base64": _base64_forms(raw),
    }
    if isinstance(secret, str):
        found["utf-16"] = {secret.encode("utf-16-le"), secret.encode("utf-16-be")}
        found["url-quoted"] = {
            urllib.parse.quote(secret, safe="").encode(),
            urllib.parse.quote_plus(secret).encode(),
        }
    return found


def scan(places: Mapping[str, bytes], secrets: Mapping[str, str | bytes]) -> list[str]:
    """Each secret found, in which form and where: empty if none."""
    found = []
    for name, secret in secrets.items():
        for form, patterns in encodings(secret).items():
            for where, content in places.items():
                if any(pattern in content for pattern in patterns):
                    found.append(f"{name} ({form}) in {where}")
    return found


def files_under(*folders: Path) -> dict[str, bytes]:
    """Every file in these folders, byte for byte, by path."""
    read: dict[str, bytes] = {}
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(root) / name
                read[str(path)] = path.read_bytes()
    return read


def _printed_and_logged(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> dict[str, bytes]:
    printed = capsys.readouterr()
    logged = "\n".join(
        f"{record.name} {record.levelname} {record.getMessage()} {record.args!r} "
        f"{record.exc_text or ''}"
        for record in caplog.records
    )
    return {
        "standard output": printed.out.encode(),
        "standard error": printed.err.encode(),
        "the log": logged.encode(),
    }


def _run(*args: str, stdin: str = "") -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(list(args))
    finally:
        sys.stdin = old


def _audit_keys(store: MemoryKeyring) -> dict[str, bytes]:
    return {
        f"audit chain key {account}": bytes.fromhex(value)
        for (service, account), value in store.entries.items()
        if service == audit_key.KEYRING_SERVICE
    }


# --- The scanner can find a leak -------------------------------------------------------


@pytest.mark.parametrize(
    "leak",
    [
        lambda s: b"x" + s.encode() + b"y",
        lambda s: "name=".encode("utf-16-le") + s.encode("utf-16-le"),
        lambda s: b"token: " + base64.b64encode(b"user:" + s.encode()),
        lambda s: b"k" + base64.urlsafe_b64encode(b"ab" + s.encode() + b"c"),
        lambda s: s.encode().hex().encode(),
        lambda s: b"postgresql://hv:" + urllib.parse.quote(s, safe="").encode() + b"@db/hv",
    ],
    ids=["plain", "utf-16", "base64", "base64 offset", "hex", "in a URL"],
)
def test_the_scan_finds_a_planted_secret_in_each_encoding(leak: Any) -> None:
    secret = PASSWORDS["sadmin"]  # "/" and "+" quote differently: the URL form is tried
    assert scan({"planted": leak(secret)}, {"password": secret}) != []
    assert scan({"clean": b"nothing to see " * 50}, {"password": secret}) == []


# --- The scripted sessions -------------------------------------------------------------


def _config_files() -> None:
    """The settings IT and the user keep: written as a user would, and scanned after."""
    machine = machine_config_file()
    machine.parent.mkdir(parents=True, exist_ok=True)
    machine.write_text('[organisation]\nname = "Anytown Community Health NHS Trust"\n')
    user = user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("[session]\nidle_lock_minutes = 10\n")


def _clinical_work(engine: Engine, out: Path) -> None:
    """A health visitor records a contact and prints; the lead reads the access log."""
    with unit_of_work(engine) as session:
        me = actor_for(session, "psharma")
        lead = actor_for(session, "jfisher")
        team = session.get(Team, me.team_id)
        assert team is not None
        child = factories.child(session, factories.family(session, team, "Bell"), None)
        child.health_visitor_id = me.user_id
        child_id = child.id
    today = dt.date.today()  # noqa: DTZ011 (the session runs on this computer's clock)
    with unit_of_work(engine) as session:
        record_contact(
            session,
            me,
            ContactEntry(
                kind=ContactKind.OTHER,
                contact_date=today,
                location=ContactLocation.HOME,
                outcome=ContactOutcome.COMPLETED,
                delivered_by_id=me.user_id,
                accountable_health_visitor_id=me.user_id,
                child_id=child_id,
                notes="Mum tired; sleep advice given. Review in 2 weeks.",
            ),
            today=today,
        )
    with unit_of_work(engine) as session:
        summary = printing.red_book_summary(session, me, child_id, today=today)
        red_book_pdf(summary, out / "red-book.pdf")
        access_report.who_accessed(
            session, lead, child_id=child_id, start=today, end=today, now=dt.datetime.now(dt.UTC)
        )


def _sign_ins(engine: Engine) -> None:
    desk = SignInDesk(engine, machine="NHS-LAPTOP-0042")
    hv = desk.sign_in("psharma", PASSWORDS["psharma"])
    desk.record_lock(hv, idle_minutes=10)
    with pytest.raises(SignInError):
        desk.unlock(hv, WRONG_PASSWORDS[0])
    desk.unlock(hv, PASSWORDS["psharma"])
    desk.sign_out(hv, reason="signed out")
    for wrong in WRONG_PASSWORDS:  # five wrong: the account locks
        with pytest.raises(SignInError):
            desk.sign_in("jfisher", wrong)
    with pytest.raises(SignInError, match="locked"):
        desk.sign_in("jfisher", PASSWORDS["jfisher"])


def test_no_secret_in_the_local_database_config_or_logs_after_a_session(
    memory_keyring: MemoryKeyring,
    everything_logged: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _config_files()
    assert _run("db", "upgrade") == 0  # the default: a SQLite file in the data folder
    opened = open_database()
    engine = opened.engine
    try:
        with unit_of_work(engine) as session:
            factories.team(session, TEAM)
        for username, role in (
            ("psharma", "health_visitor"),
            ("jfisher", "team_lead"),
            ("sadmin", "administrator"),
        ):
            team = [] if role == "administrator" else ["--team", TEAM]
            name = f"{username.capitalize()} Test"
            added = _run(
                "user", "add", username, "--name", name, "--role", role, *team,
                stdin=PASSWORDS[username] + "\n",
            )  # fmt: skip
            assert added == 0
        _sign_ins(engine)
        assert _run("user", "set-password", "jfisher", stdin=RESET_PASSWORD + "\n") == 0
        SignInDesk(engine).sign_in("jfisher", RESET_PASSWORD)
        assert _run("user", "list") == 0
        printed = tmp_path / "printed"
        printed.mkdir()
        _clinical_work(engine, printed)
        assert _run("db", "backup") == 0
        assert _run("audit", "verify") == 0
        database = data_dir() / "healthvisitor.db"
        wal = database.with_name(database.name + "-wal")
        assert database.stat().st_size > 0
        # Read while the database is open: the WAL holds the latest pages.
        while_open = files_under(
            data_dir(), user_config_file().parent, machine_config_file().parent
        )
        assert str(wal) in while_open, "the WAL is read too"
    finally:
        engine.dispose()
    secrets: dict[str, str | bytes] = {
        **{f"{user}'s password": password for user, password in PASSWORDS.items()},
        "the reset password": RESET_PASSWORD,
        **{f"wrong password {n}": wrong for n, wrong in enumerate(WRONG_PASSWORDS, start=1)},
        **_audit_keys(memory_keyring),
    }
    assert any(name.startswith("audit chain key") for name in secrets), "the key is checked"
    assert not audit_key.key_folder().exists(), "with a keyring, no key file is written"
    places = {
        **while_open,
        **files_under(data_dir(), user_config_file().parent, machine_config_file().parent),
        **files_under(printed),
        **_printed_and_logged(capsys, everything_logged),
    }
    assert any(name.endswith("healthvisitor.db") for name in places)
    assert any("backups" in name for name in places), "the backup is read too"
    assert scan(places, secrets) == []


@pytest.mark.postgres
def test_no_database_password_is_written_when_it_is_kept_in_the_keyring(
    password_protected_postgres: str,
    memory_keyring: MemoryKeyring,
    everything_logged: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _config_files()
    # The shared database in the user's config, without its password (which is refused there).
    with user_config_file().open("a") as config:
        config.write(f'\n[database]\nurl = "{password_protected_postgres}"\n')
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": PROTECTED_PASSWORD)
    assert _run("db", "set-password") == 0
    assert PROTECTED_PASSWORD in memory_keyring.entries.values(), "kept in the keyring"
    assert _run("db", "upgrade") == 0  # connects with the password from the keyring
    assert _run("db", "status") == 0
    assert _run("config", "show") == 0
    # A URL typed with a (wrong) password in it, for one run: refused, and not echoed.
    host = password_protected_postgres.removeprefix("postgresql+psycopg://hv@")
    wrong = f"postgresql://hv:{urllib.parse.quote(WRONG_DATABASE_PASSWORD)}@{host}"
    assert _run("--database", wrong, "db", "status") == 1
    # Opened as the window opens it: the password comes from the keyring. (Nothing is
    # recorded here: the cluster is shared, and its audit chain's key is not this test's.)
    opened = open_database()
    opened.engine.dispose()
    places = {
        **files_under(data_dir(), user_config_file().parent, machine_config_file().parent),
        **_printed_and_logged(capsys, everything_logged),
    }
    secrets: dict[str, str | bytes] = {
        "the database password": PROTECTED_PASSWORD,
        "the wrong database password": WRONG_DATABASE_PASSWORD,
    }
    assert scan(places, secrets) == []
