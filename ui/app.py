"""``healthvisitor-gui``: start the desktop application.

The order matters for how quickly something appears: the QApplication and a
small "Opening the database…" dialog come first; the database is opened
(and, for ``--demo`` the first time, filled with demo data) on a worker
thread; the main window follows. Anything that stops it is explained in a
message box in the user's own words, never as a traceback, and the program
exits with status 1. Nothing heavy (SQLAlchemy, rcpchgrowth, reportlab) is
imported before the first dialog can show.
"""

from __future__ import annotations

import argparse
import sys
import threading
import traceback
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from healthvisitor import __version__
from healthvisitor.ui.opening import OpenOutcome, OpenRequest, open_with_progress
from healthvisitor.ui.theme import apply_theme

if TYPE_CHECKING:
    from healthvisitor.ui.main_window import MainWindow

APP_NAME = "HealthVisitor"
PROBLEM_TITLE = "HealthVisitor cannot start"
# The names healthvisitor.config reads, spelled out here because importing it
# loads SQLAlchemy before the first dialog (tests/ui/test_app.py checks they agree).
DATABASE_URL_ENV = "HEALTHVISITOR_DATABASE_URL"
DATA_DIR_ENV = "HEALTHVISITOR_DATA_DIR"


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthvisitor-gui",
        description="Open the HealthVisitor window: your caseload, on your database.",
        epilog=(
            "Without --database, the database is the first of: the "
            f"{DATABASE_URL_ENV} environment variable, your config file, the "
            "machine-wide config file, or a local SQLite file in your data folder "
            "('healthvisitor config show' shows which is in force). "
            f"{DATA_DIR_ENV} moves the data folder."
        ),
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help=(
            "open this database instead: sqlite:///PATH for a file, or "
            "postgresql://USER@HOST/NAME for a shared server (the password comes "
            "from the keyring; never put it in the URL)"
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=(
            "open the separate demo database (demo.db in your data folder), filling it "
            "with made-up families the first time; your real database is not touched "
            "(with --database, that database is filled instead, only if it is empty)"
        ),
    )
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help=(
            "act as this user (until sign-in arrives, the default is the health "
            "visitor with the largest caseload)"
        ),
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help=(
            "check that this copy works, then quit: load the growth charts' reference "
            "data, show the caseload, print the status bar's text and close the window "
            "(for IT and the installer's tests)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def application() -> QApplication:
    """The one QApplication (already there under pytest-qt), themed."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    apply_theme(app)
    return app


def show_problem(message: str) -> None:
    QMessageBox.critical(None, PROBLEM_TITLE, message)


#: How many times the window asks for the shared database's password.
PASSWORD_ATTEMPTS = 3


def ask_password(message: str) -> str | None:
    """Ask for the shared database's password (masked); None if the user cancels."""
    password, accepted = QInputDialog.getText(
        None, "Database password", message, QLineEdit.EchoMode.Password
    )
    return password if accepted else None


def open_asking_for_password(request: OpenRequest) -> OpenOutcome:
    """Open the database, asking for its password when the server wants one."""
    outcome = open_with_progress(request)
    for _ in range(PASSWORD_ATTEMPTS):
        if not outcome.password_request:
            break
        password = ask_password(outcome.password_request)
        if password is None:
            return OpenOutcome(problem="No password was given, so the database was not opened.")
        outcome = open_with_progress(replace(request, password=password))
    return outcome


def warm_growth_charts_in_background() -> None:
    """Load rcpchgrowth and the common charts' centile lines while the user reads
    the caseload, so the first child's record opens as fast as the rest (about
    1.1 s otherwise). A daemon thread: nothing is written, so quitting
    mid-way loses nothing."""
    from healthvisitor.domain.growth_chart import warm_common_charts

    threading.Thread(target=warm_common_charts, name="warm-growth-charts", daemon=True).start()


def offer_unsaved_drafts_once_shown(window: MainWindow) -> None:
    """Issue 9: once the window is up, offer the forms left unsaved on this computer
    by a crash or a closed app (``healthvisitor.ui.drafts_at_start``)."""
    from healthvisitor.ui.drafts_at_start import offer_drafts_left_on_this_computer

    QTimer.singleShot(0, window, lambda: offer_drafts_left_on_this_computer(window))


def run_smoke_test(window: MainWindow) -> None:
    """``--smoke-test``: report the caseload once the event loop has shown it, then load
    what a record needs and close (tests/test_installer.py runs a built copy so).

    The report comes first, as the window's start does not wait for the growth
    charts either: bench/trust.py times the cold start up to this line (issue 10).
    A missing reference file still fails the smoke test: exit status 1.
    """
    from healthvisitor.domain.growth_chart import warm_common_charts

    def report_and_close() -> None:
        if sys.stdout is not None:  # a windowed Windows program has no console
            print(f"smoke test: {window.status_text()}", flush=True)
        status = 0
        try:
            warm_common_charts()  # rcpchgrowth's reference files: missing ones fail here
        except Exception:  # any failure fails the smoke test, said on stderr
            traceback.print_exc()
            status = 1
        window.close()
        QCoreApplication.exit(status)

    QTimer.singleShot(0, report_and_close)


def main(argv: list[str] | None = None) -> int:
    try:
        args = argument_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version or a mistyped option
        return exit_.code if isinstance(exit_.code, int) else 1
    app = application()
    request = OpenRequest(database_url=args.database, demo=args.demo, username=args.user)
    outcome = open_asking_for_password(request)
    if outcome.workspace is None:
        show_problem(outcome.problem)
        return 1
    # Imported only now: the window pulls in SQLAlchemy, which the worker has loaded.
    from healthvisitor.errors import HealthVisitorError
    from healthvisitor.ui.main_window import MainWindow

    try:
        window = MainWindow(outcome.workspace, demo=args.demo)
    except HealthVisitorError as exc:  # e.g. an administrator, who has no caseload
        outcome.workspace.engine.dispose()
        show_problem(str(exc))
        return 1
    window.fit_to_screen()
    window.showMaximized()
    if args.smoke_test:
        run_smoke_test(window)
    else:
        warm_growth_charts_in_background()
        offer_unsaved_drafts_once_shown(window)
    try:
        return app.exec()
    finally:
        outcome.workspace.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
