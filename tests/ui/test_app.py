"""``healthvisitor-gui`` end to end: options, opening off the GUI thread, and failures.

Message boxes are replaced by recorders, so a failure is checked by the words
the user would read and the exit status, never by a traceback.
"""

from __future__ import annotations

import datetime as dt
import locale
import subprocess
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, create_engine, text

from healthvisitor import __version__, config
from healthvisitor.domain.enums import Role
from healthvisitor.errors import SchemaOutOfDateError
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui import app, opening
from healthvisitor.ui.idle_lock import IdleLock
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.sign_in import SignInDialog
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL
from tests.ui.conftest import TeamData, build_team
from tests.ui.signing_in import (
    PASSWORD,
    cheap_hashing,
    dispose,
    give_demo_password,
    give_password,
)

SignsIn = Callable[[str | None, str | None], None]

pytestmark = pytest.mark.gui


@pytest.fixture
def problems(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What start-up failures told the user (instead of a blocking message box)."""
    shown: list[str] = []

    def critical(_parent: object, title: str, message: str) -> QMessageBox.StandardButton:
        assert title == "HealthVisitor cannot start"
        shown.append(message)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "critical", critical)
    return shown


@pytest.fixture(autouse=True)
def warmed(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record the chart warm-up instead of running rcpchgrowth on a thread in every test."""
    calls: list[bool] = []
    monkeypatch.setattr(app, "warm_growth_charts_in_background", lambda: calls.append(True))
    return calls


@pytest.fixture
def window_seen(qapp: QApplication) -> Iterator[list[MainWindow]]:
    """Close the main window as soon as it shows (so ``main`` returns); remember it."""
    seen: list[MainWindow] = []

    def close_when_shown() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget)
                widget.close()
        timer.start()

    timer = QTimer(singleShot=True, interval=20)
    timer.timeout.connect(close_when_shown)
    timer.start()
    yield seen
    timer.stop()
    dispose(seen)


@pytest.fixture
def signs_in(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[SignsIn]:
    """Sign in when the dialog shows, as a person would: type the user name and the
    password (None: leave what the dialog filled in) and press Sign in. A refusal is
    kept in ``signs_in.refusals`` and the dialog closed, so ``main`` returns."""
    cheap_hashing(monkeypatch)
    wanted: list[tuple[str | None, str | None]] = []
    refusals: list[str] = []
    tried: list[SignInDialog] = []

    def when_shown() -> None:
        for widget in QApplication.topLevelWidgets():
            if not isinstance(widget, SignInDialog) or not widget.isVisible():
                continue
            if widget.loader.busy:
                continue
            if widget in tried:  # answered, and still open: refused
                refusals.append(widget.message.message())
                widget.reject()
            elif wanted:
                username, password = wanted.pop(0)
                if username is not None:
                    widget.username.setText(username)
                if password is not None:
                    widget.password.setText(password)
                tried.append(widget)
                widget.sign_in()
        timer.start()

    def sign_in_as(username: str | None, password: str | None) -> None:
        wanted.append((username, password))

    sign_in_as.refusals = refusals  # type: ignore[attr-defined]
    timer = QTimer(singleShot=True, interval=20)
    timer.timeout.connect(when_shown)
    timer.start()
    yield sign_in_as
    timer.stop()


@pytest.fixture
def no_chart_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The smoke test's rcpchgrowth load, a second of CPU, stood in for."""
    monkeypatch.setattr("healthvisitor.domain.growth_chart.warm_common_charts", lambda: None)


def file_url(engine: Engine) -> str:
    return f"sqlite:///{engine.url.database}"


# --- Options ------------------------------------------------------------------


def test_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for option in ("--database URL", "--demo", "--user USERNAME", "--smoke-test", "--version"):
        assert option in out
    assert "demo database" in out
    assert "the password is always asked" in out
    assert "keyring" in out
    assert "HEALTHVISITOR_DATABASE_URL" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"healthvisitor-gui {__version__}"


def test_a_mistyped_option_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--databse", "x"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_help_names_the_settings_config_reads() -> None:
    assert app.DATABASE_URL_ENV == config.DATABASE_URL_ENV
    assert app.DATA_DIR_ENV == config.DATA_DIR_ENV


def test_dates_keep_english_month_names_whatever_the_laptops_locale(
    qapp: QApplication,
) -> None:
    # As Qt leaves it on a laptop set up in another language: the C library's time
    # formats taken from the environment (C.UTF-8 stands in; it is on every glibc).
    locale.setlocale(locale.LC_TIME, "C.UTF-8")
    try:
        app.application()
        assert locale.setlocale(locale.LC_TIME) == "C"
        assert f"{dt.date(2026, 12, 4):%d %b %Y}" == "04 Dec 2026"
    finally:
        locale.setlocale(locale.LC_TIME, "C")


def test_nothing_heavy_is_imported_before_the_first_dialog() -> None:
    code = (
        "import sys, healthvisitor.ui.app; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'rcpchgrowth', 'reportlab', "
        "'scipy', 'keyring') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- Opening ------------------------------------------------------------------


def test_opens_the_window_for_whoever_signs_in(
    team_data: TeamData,
    problems: list[str],
    signs_in: SignsIn,
    window_seen: list[MainWindow],
    warmed: list[bool],
) -> None:
    give_password(team_data.engine, team_data.me.username)
    signs_in(team_data.me.username, PASSWORD)
    assert app.main(["--database", file_url(team_data.engine)]) == 0
    assert problems == []
    [window] = window_seen
    assert window.windowTitle().startswith("HealthVisitor — Priya Sharma (Health visitor)")
    assert "(the --database option)" in window.status_text()
    assert warmed == [True]  # the first record opens without the rcpchgrowth wait


def test_user_fills_in_the_user_name_and_the_password_is_still_asked(
    team_data: TeamData, problems: list[str], signs_in: SignsIn, window_seen: list[MainWindow]
) -> None:
    give_password(team_data.engine, team_data.colleague.username)
    signs_in(None, "")  # only Enter: the user name filled in is not enough
    signs_in(None, PASSWORD)
    url = file_url(team_data.engine)
    assert app.main(["--database", url, "--user", team_data.colleague.username]) == 0
    assert signs_in.refusals == ["Type your user name and your password."]  # type: ignore[attr-defined]
    assert window_seen == []
    assert app.main(["--database", url, "--user", team_data.colleague.username]) == 0
    assert window_seen[0].caseload.health_visitor.currentText() == "Helen Walker"


def test_the_idle_lock_minutes_come_from_the_machine_config(
    team_data: TeamData,
    tmp_path: Path,
    problems: list[str],
    signs_in: SignsIn,
    window_seen: list[MainWindow],
) -> None:
    machine = tmp_path / "machine" / "config.toml"
    machine.parent.mkdir()
    machine.write_text("[session]\nidle_lock_minutes = 15\n")
    give_password(team_data.engine, team_data.me.username)
    signs_in(team_data.me.username, PASSWORD)
    assert app.main(["--database", file_url(team_data.engine)]) == 0
    lock = window_seen[0].findChild(IdleLock)
    assert lock is not None and lock.timer.interval() == 15 * 60_000


def test_demo_opens_the_separate_demo_database_and_fills_it_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    problems: list[str],
    signs_in: SignsIn,
    window_seen: list[MainWindow],
) -> None:
    # A stand-in for healthvisitor.demo: the wiring is under test, not the generator.
    calls: list[dict[str, Any]] = []

    def generate_demo(engine: Engine, **options: Any) -> None:
        calls.append(options)
        build_team(engine)
        give_demo_password(engine)

    demo = types.ModuleType("healthvisitor.demo")
    demo.generate_demo = generate_demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "healthvisitor.demo", demo)

    signs_in(None, None)  # the demo account offered first, its password filled in
    signs_in(None, None)
    assert app.main(["--demo"]) == 0
    assert app.main(["--demo"]) == 0
    assert problems == []
    assert len(calls) == 1, "demo data is generated only the first time"
    demo_file = tmp_path / "data" / "demo.db"
    assert demo_file.is_file()
    assert not (tmp_path / "data" / "healthvisitor.db").exists()
    window = window_seen[0]
    assert f"Database: {demo_file} (the demo database)" in window.status_text()
    assert window.findChild(type(window.count_label), "demoBadge") is not None
    assert window.windowTitle().startswith("HealthVisitor — Priya Sharma")


def test_a_demo_smoke_test_signs_in_by_itself_as_the_bench_does(
    team_data: TeamData,
    problems: list[str],
    no_chart_warm_up: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    give_demo_password(team_data.engine)
    url = file_url(team_data.engine)
    assert app.main(["--demo", "--database", url, "--smoke-test"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("smoke test: ") and "Signed in as Priya Sharma" in first
    user = team_data.colleague.username
    assert app.main(["--demo", "--database", url, "--user", user, "--smoke-test"]) == 0
    assert "Signed in as Helen Walker" in capsys.readouterr().out
    assert problems == []


def test_a_smoke_test_on_a_real_database_stops_at_the_sign_in(
    team_data: TeamData,
    problems: list[str],
    no_chart_warm_up: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    give_password(team_data.engine, team_data.me.username)
    url = file_url(team_data.engine)
    assert app.main(["--database", url, "--user", team_data.me.username, "--smoke-test"]) == 0
    assert capsys.readouterr().out == (
        "smoke test: the sign-in dialog is shown (Sign in to HealthVisitor)\n"
    )
    assert problems == []


def test_opening_runs_off_the_gui_thread_with_a_dialog_meanwhile(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker_threads: list[threading.Thread] = []

    def slow_open(request: opening.OpenRequest) -> opening.OpenOutcome:
        worker_threads.append(threading.current_thread())
        time.sleep(0.8)
        return opening.OpenOutcome(problem="stopped for the test")

    monkeypatch.setattr(opening, "open_workspace_now", slow_open)
    dialogs: list[str] = []

    def look() -> None:  # runs on the GUI thread while the worker sleeps
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, opening.OpeningDialog) and widget.isVisible():
                dialogs.append(widget.message.text())
                widget.reject()  # Esc: ignored while opening
                assert widget.isVisible()

    QTimer.singleShot(opening.SHOW_DIALOG_AFTER_MS + 200, look)
    outcome = opening.open_with_progress(opening.OpenRequest(demo=True))
    assert outcome.problem == "stopped for the test"
    assert worker_threads and worker_threads[0] is not threading.main_thread()
    assert dialogs and dialogs[0].startswith("Opening the demo database…")
    assert not any(
        isinstance(w, opening.OpeningDialog) and w.isVisible()
        for w in QApplication.topLevelWidgets()
    )


# --- Failures: a message the user can act on, then exit status 1 -------------------


def test_an_unreachable_database_is_explained(
    problems: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://nurse:Tr0ub4dor-3@127.0.0.1:1/healthvisiting"
    assert app.main(["--database", url]) == 1
    [message] = problems
    assert message.startswith("Cannot reach the shared database at")
    assert "Tr0ub4dor" not in message
    assert "Traceback" not in capsys.readouterr().err


def test_a_database_with_no_health_visitor_is_explained(
    tmp_path: Path, problems: list[str]
) -> None:
    assert app.main(["--database", f"sqlite:///{tmp_path / 'new.db'}"]) == 1
    assert problems == [
        "This database has no health visitor with a caseload yet. Start with --demo to "
        "explore with demo data, or import a caseload with 'healthvisitor import'."
    ]


def test_user_without_a_password_opens_only_demo_accounts(
    team_data: TeamData, problems: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    give_password(team_data.engine, team_data.me.username)  # a real account
    url = file_url(team_data.engine)
    for user in ("nobody", team_data.me.username):
        assert app.main(["--demo", "--database", url, "--user", user]) == 1
    assert [p.split(",")[0] for p in problems] == [
        "'nobody' is not a demo account",
        f"'{team_data.me.username}' is not a demo account",
    ]
    assert "leave it out to sign in with a password" in problems[0]


def test_an_administrator_opens_the_administration_window_not_a_caseload(
    team_data: TeamData,
    problems: list[str],
    no_chart_warm_up: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with unit_of_work(team_data.engine) as session:
        admin = factories.user(session, None, Role.ADMINISTRATOR)
    give_demo_password(team_data.engine)
    url = file_url(team_data.engine)
    argv = ["--demo", "--database", url, "--user", admin.username, "--smoke-test"]
    assert app.main(argv) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"smoke test: Signed in as {admin.full_name} (administrator)")
    assert "children shown" not in shown
    assert problems == []


def test_an_out_of_date_shared_database_is_explained(
    team_data: TeamData, monkeypatch: pytest.MonkeyPatch, problems: list[str]
) -> None:
    # SQLite is upgraded in place, so stand in for prepare() refusing a shared database;
    # the PostgreSQL test below does it for real.
    message = "This shared database (schema 0001) is older than this version of HealthVisitor."

    def refuse(_engine: Engine) -> None:
        raise SchemaOutOfDateError(message)

    monkeypatch.setattr("healthvisitor.startup.prepare", refuse)
    assert app.main(["--database", file_url(team_data.engine)]) == 1
    assert problems == [message]


@pytest.mark.postgres
def test_a_shared_database_without_the_schema_is_explained(
    postgres_server: str, problems: list[str]
) -> None:
    # postgres_server skips (or in CI fails) when the server is not there.
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hv_empty_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        assert app.main(["--database", url]) == 1
        [message] = problems
        assert "An administrator must set it up with 'healthvisitor db upgrade'" in message
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_unexpected_failure_is_explained_and_logged(
    monkeypatch: pytest.MonkeyPatch, problems: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("healthvisitor.startup.open_database", broken)
    assert app.main([]) == 1
    [message] = problems
    assert "unexpected problem (RuntimeError: disk on fire)" in message
    assert "tell your system administrator" in message
    assert "Opening the database failed" in caplog.text
