"""``healthvisitor-gui``: start the desktop application.

The order matters for how quickly something appears: the QApplication and a
small "Opening the database…" dialog come first; the database is opened
(and, for ``--demo`` the first time, filled with demo data) on a worker
thread; then the person signs in (``ui.sign_in``, issue 8) and their main
window follows, watched by the idle lock (``ui.idle_lock``). Anything that
stops it is explained in a message box in the user's own words, never as a
traceback, and the program exits with status 1. Nothing heavy (SQLAlchemy,
rcpchgrowth, reportlab) is imported before the first dialog can show.

Offline (issue 12): when the shared database cannot be reached, at start or at
sign-in, and this laptop has an offline copy, the sign-in dialog offers to work
on the copy (``healthvisitor.sync.offline_sign_in``); the window then opens on
it (``ui.offline_window``), and when the shared database answers again it
offers to synchronise and sign in online. The other way: when the connection
drops under a window signed in online and this user's copy may be used, the
window offers to carry on offline (``Sessions.carry_on_offline``).

``--user`` never lets anyone in without a password: it fills in the sign-in
dialog's user name, and signs in straight away only with ``--demo``, to a
demo account, whose password is published (README) and which no real
account may have (``healthvisitor.domain.accounts.check_new_password``).
"""

from __future__ import annotations

import argparse
import locale
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from healthvisitor import __version__
from healthvisitor.ui.opening import OpenOutcome, OpenRequest, open_with_progress
from healthvisitor.ui.theme import apply_theme

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from healthvisitor.config import DatabaseChoice
    from healthvisitor.services.accounts import SignInDesk
    from healthvisitor.services.actor import Actor
    from healthvisitor.sync.offline_sign_in import (
        OfflineSession,
        OfflineSessionDesk,
        OfflineSignIn,
    )
    from healthvisitor.ui.admin_window import AdministrationWindow
    from healthvisitor.ui.idle_lock import IdleLock
    from healthvisitor.ui.main_window import MainWindow
    from healthvisitor.ui.offline_sync import CopiesChecked
    from healthvisitor.ui.sign_in import SignInDialog

    #: The window a signed-in person works in: the caseload's, or an administrator's.
    AnyWindow = MainWindow | AdministrationWindow

log = logging.getLogger(__name__)

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
            "the user name the sign-in dialog starts with (the password is always "
            "asked); with --demo, sign in as this demo account straight away, as "
            "demo accounts share a published password"
        ),
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help=(
            "check that this copy works, then quit: load the growth charts' reference "
            "data and print what the window shows, then close it (for IT and the "
            "installer's tests). With --demo it signs in to the demo account with the "
            "largest caseload (or --user) and shows the caseload; on any other "
            "database it stops at the sign-in dialog, as nobody is signed in without "
            "their password"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def application() -> QApplication:
    """The one QApplication (already there under pytest-qt), themed."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    # On Linux, Qt takes the laptop's locale for the C library (setlocale(LC_ALL, "")).
    # Dates are written with English month names ("4 Dec 2026") on screen, in
    # messages and on the red book and handover prints, whatever the laptop's
    # language, as in the record: so the C library's time formats stay C's.
    locale.setlocale(locale.LC_TIME, "C")
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QApplication.setQuitOnLastWindowClosed(True)  # closing the window (or Quit in sign-in) ends it
    apply_theme(app)
    return app


def show_problem(message: str) -> None:
    QMessageBox.critical(None, PROBLEM_TITLE, message)


#: The sign-in after a session on the offline copy (issue 12) starts by saying so.
OFFLINE_BEFORE = "The shared database could not be reached when this laptop last signed in."

#: The sign-in after "Carry on offline on this laptop's copy" (issue 12) starts by saying so.
SWITCHED_OFFLINE = (
    "The shared database stopped answering. What you had open is kept on this laptop as "
    "drafts, offered when the offline window opens."
)
#: How the online session ended when the person carried on offline (audited in the copy).
SWITCHED_OFFLINE_REASON = "carried on offline: the shared database could not be reached"

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


def run_smoke_test(shows: Callable[[], str], close: Callable[[], object]) -> None:
    """``--smoke-test``: report what the window shows once the event loop has shown it,
    then load what a record needs and close (tests/test_installer.py runs a built copy so).

    The report comes first, as the window's start does not wait for the growth
    charts either: bench/trust.py times the cold start up to this line (issue 10).
    A missing reference file still fails the smoke test: exit status 1.
    """
    from healthvisitor.domain.growth_chart import warm_common_charts

    def report_and_close() -> None:
        if sys.stdout is not None:  # a windowed Windows program has no console
            print(f"smoke test: {shows()}", flush=True)
        status = 0
        try:
            warm_common_charts()  # rcpchgrowth's reference files: missing ones fail here
        except Exception:  # any failure fails the smoke test, said on stderr
            traceback.print_exc()
            status = 1
        # The status below is the one that counts: closing the last window must not
        # also post a quit that outlives this event loop.
        QApplication.setQuitOnLastWindowClosed(False)
        close()
        QCoreApplication.exit(status)

    QTimer.singleShot(0, report_and_close)


class Sessions(QObject):
    """Who works in the window (issue 8): sign in, their window, the idle lock, sign out.

    One person at a time: ``ask_to_sign_in`` shows ``SignInDialog`` (with
    ``open()``, never a blocking ``exec()``), and the person signed in gets
    their window, watched by an ``IdleLock``. Signing out (File > Sign out, or
    from the locked screen) closes the window and asks again, so a colleague
    can take over the laptop. ``window_opened`` carries each new window
    (tests wait for it). ``idle_timeout_ms`` replaces the configured minutes in
    tests. Nothing here imports SQLAlchemy before the database is open (module).
    """

    window_opened = Signal(object)  # MainWindow, or AdministrationWindow

    def __init__(
        self,
        engine: Engine,
        choice: DatabaseChoice,
        *,
        demo: bool,
        idle_lock_minutes: int,
        idle_timeout_ms: int | None = None,
        offer_drafts: bool = True,
        sync_required_after_days: int = 7,
        unreachable_at_start: str = "",
    ) -> None:
        super().__init__()
        from healthvisitor.services.accounts import SignInDesk

        self.engine = engine
        self.choice = choice
        self.demo = demo
        self.idle_lock_minutes = idle_lock_minutes
        self.idle_timeout_ms = idle_timeout_ms
        self.offer_drafts = offer_drafts
        self.sync_required_after_days = sync_required_after_days
        self.unreachable_at_start = unreachable_at_start
        self.desk: SignInDesk = SignInDesk(engine)
        # Issue 12: on the shared database, a right password online keeps the offline
        # copy's own check of it, and the sign-in can fall back on the copy.
        self.offline: OfflineSignIn | None = None
        if not choice.is_sqlite:
            from healthvisitor.sync.offline_sign_in import (
                OfflineSignIn,
                VerifierKeepingSignInDesk,
            )

            self.desk = VerifierKeepingSignInDesk(
                engine, schema_unchecked=bool(unreachable_at_start)
            )
            self.offline = OfflineSignIn(sync_required_after_days=sync_required_after_days)
        #: The desk of the session now: ``self.desk``, or the copy's when working offline.
        self.session_desk: SignInDesk | OfflineSessionDesk = self.desk
        self.offline_session: OfflineSession | None = None
        self.copies_checked: CopiesChecked | None = None  # when back online
        self.dialog: SignInDialog | None = None
        #: Carrying on offline: the user name whose copy the next sign-in offers.
        self._offline_next_for = ""
        self.window: AnyWindow | None = None
        self.idle_lock: IdleLock | None = None
        from healthvisitor.ui.worker import on_account_changed

        # Issue 8: a read refused because an administrator changed the account locks
        # the session: only signing in again (as the account now is) carries on.
        on_account_changed(self._account_changed)

    def ask_to_sign_in(
        self, username: str = "", *, unreachable: str = "", offline_first: bool = False
    ) -> SignInDialog:
        """Show the sign-in dialog (the demo's accounts with ``--demo``); see the class.

        ``unreachable``: the shared database did not answer (at start): the dialog
        says so and offers the offline copy (``offline_first``: as the button Enter
        presses, the person having chosen to carry on offline)."""
        from healthvisitor.ui.sign_in import SignInDialog

        dialog = SignInDialog(
            self.desk,
            database=self.choice.describe(),
            demo_accounts=self.desk.demo_accounts() if self.demo else (),
            username=username,
            offline=self.offline,
            unreachable=unreachable,
            offline_first=offline_first,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signed_in.connect(self._signed_in)
        dialog.signed_in_offline.connect(self._signed_in_offline)
        self.dialog = dialog
        dialog.open()
        return dialog

    def sign_in_to_demo(self, username: str | None) -> AnyWindow:
        """``--demo --user`` (or a demo smoke test): the demo account, no dialog.

        Only an account with the published demo password opens so, and the
        sign-in is audited like any other (``SignInDesk.sign_in_to_demo``).
        """
        from healthvisitor.errors import NotFoundError
        from healthvisitor.services.accounts import SignInError

        if username is None:
            accounts = self.desk.demo_accounts()
            if not accounts:
                raise NotFoundError(
                    "This database has no demo accounts. Open the demo database with "
                    "--demo alone, or sign in with your own account."
                )
            username = accounts[0].username
        try:
            actor = self.desk.sign_in_to_demo(username)
        except SignInError as exc:
            raise SignInError(
                f"'{username}' is not a demo account, so it cannot sign in without its "
                f"password. --user signs in straight away only to the demo database's "
                f"accounts; leave it out to sign in with a password. ({exc})",
                exc.problem,
            ) from exc
        return self.open_window(actor)

    def _signed_in(self, actor: Actor) -> None:
        from healthvisitor.errors import HealthVisitorError

        dialog = self.dialog
        assert dialog is not None
        try:
            self.open_window(actor)
        except HealthVisitorError as exc:  # e.g. an administrator, who has no caseload
            dialog.show_problem(str(exc))
            return
        self.dialog = None
        dialog.accept()

    def _signed_in_offline(self, session: OfflineSession) -> None:
        """Issue 12: signed in on the laptop's copy; the window opens on it."""
        from healthvisitor.errors import HealthVisitorError

        dialog = self.dialog
        assert dialog is not None
        try:
            self.open_window(session.actor, offline=session)
        except HealthVisitorError as exc:
            session.engine.dispose()
            dialog.show_problem(str(exc))
            return
        self.dialog = None
        dialog.accept()

    def open_window(self, actor: Actor, *, offline: OfflineSession | None = None) -> AnyWindow:
        """The signed-in person's window on the database, with the idle lock watching it:
        the caseload's, or for an administrator (who has no caseload) their own.

        ``offline``: the window works on the laptop's copy (issue 12), the idle lock
        and the session's audit events on the copy too."""
        from healthvisitor.domain.enums import Role
        from healthvisitor.services.workspace import Workspace
        from healthvisitor.ui.admin_window import AdministrationWindow
        from healthvisitor.ui.idle_lock import IdleLock
        from healthvisitor.ui.main_window import MainWindow

        if offline is not None:
            from healthvisitor.sync.offline_sign_in import OfflineSessionDesk, OfflineWorkspace

            self.session_desk = OfflineSessionDesk(offline)
            self.offline_session = offline
            workspace: Workspace = OfflineWorkspace(offline, self.engine, self.choice)
        else:
            self.session_desk = self.desk
            self.offline_session = None
            workspace = Workspace(self.engine, actor, self.choice)
        try:
            window: AnyWindow = (
                AdministrationWindow(workspace)
                if actor.role is Role.ADMINISTRATOR
                else MainWindow(workspace, demo=self.demo)
            )
        except Exception:
            self._record_sign_out(actor, "this account cannot open the window")
            self._forget_offline_session()
            raise
        window.fit_to_screen()
        window.showMaximized()
        lock = IdleLock(
            window,
            self.session_desk,
            actor,
            minutes=self.idle_lock_minutes,
            demo=self.demo,
            timeout_ms=self.idle_timeout_ms,
        )
        window.lock_action.triggered.connect(lock.lock)
        window.sign_out_action.triggered.connect(self.sign_out)
        lock.signed_out.connect(self._signed_out_at_lock)
        if offline is not None and isinstance(window, MainWindow):
            working = window.offline_menu.working_offline
            if working is not None:
                working.carry_on_online.connect(self.carry_on_online)
        elif isinstance(window, MainWindow):
            offer = window.offline_menu.carry_on_offline
            if offer is not None:  # online: offered when the connection drops
                offer.carry_on_offline.connect(self.carry_on_offline)
        self.window, self.idle_lock = window, lock
        if self.offer_drafts and isinstance(window, MainWindow):
            offer_unsaved_drafts_once_shown(window)
        self.window_opened.emit(window)
        return window

    def _account_changed(self, words: str) -> bool:
        if self.idle_lock is None:
            return False
        self.idle_lock.lock().message.show_message(words)
        return True

    def sign_out(self) -> bool:
        """File > Sign out: close the window (it asks about unsaved forms), then sign in."""
        return self._close_window("signed out", force=False)

    def carry_on_online(self) -> bool:
        """Issue 12: the copy has synchronised; close the offline window (it asks about
        unsaved forms, as signing out does) and ask the person to sign in online."""
        closed = self._close_window(
            "went back online after working offline", force=False, online_next=True
        )
        if closed:
            from healthvisitor.ui.offline_sync import check_copies_once_open

            # As at a start with a connection: a disabled account's copy is wiped.
            self.copies_checked = check_copies_once_open(
                self.engine, self.choice, sync_required_after_days=self.sync_required_after_days
            )
        return closed

    def carry_on_offline(self) -> bool:
        """Issue 12: the connection dropped under the online window and the person chose to
        carry on on this laptop's copy. The open forms close keeping their drafts (as
        signing out at the locked screen does: a contact form would otherwise ask whether
        to discard what was typed), the window closes, and the sign-in asks the same
        person's password again for the copy (never the one typed online: it is gone)."""
        window, lock = self.window, self.idle_lock
        if window is None or lock is None or self.offline_session is not None:
            return False
        _kept, lost = lock.open_forms()
        if lost and not self._lose_unkept_forms(window, lost):
            return False
        self._offline_next_for = window.workspace.actor.username
        lock.sign_out()  # closes the forms, keeping their drafts; then _signed_out_at_lock
        return self.window is None

    @staticmethod
    def _lose_unkept_forms(window: AnyWindow, lost: int) -> bool:
        """Asked only after the person pressed "Carry on offline": typing no draft keeps."""
        forms = "form" if lost == 1 else "forms"
        answer = QMessageBox.question(
            window,
            "Carry on offline?",
            f"{lost} open {forms} with typing that cannot be kept as a draft will be lost. "
            "Carry on offline anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _signed_out_at_lock(self) -> None:
        # The lock has closed the forms, keeping their drafts; the windows are still covered.
        username, self._offline_next_for = self._offline_next_for, ""
        if username:
            self._close_window(SWITCHED_OFFLINE_REASON, force=True, offline_for=username)
            return
        self._close_window("signed out at the locked screen", force=True)

    def _close_window(
        self, reason: str, *, force: bool, online_next: bool = False, offline_for: str = ""
    ) -> bool:
        """Close the window (``force``: whatever it asks), end the session, ask to sign in.

        ``offline_for``: the person carries on offline: the sign-in asks their
        password for the copy (the sign-out audited in the copy, the server being gone)."""
        window = self.window
        # Signed out while working offline: the next person is offered the copy too.
        offline_next = self.offline_session is not None and not online_next
        if window is None:
            return True
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        # The sign-in dialog follows: the application must not quit in between.
        app.setQuitOnLastWindowClosed(False)
        try:
            closed = window.close()
        finally:
            app.setQuitOnLastWindowClosed(True)
        if not closed and not force:
            return False  # the person kept a form open: still signed in
        window.hide()
        self.end(reason, in_copy=bool(offline_for))
        window.deleteLater()
        if offline_for:
            self.ask_to_sign_in(offline_for, unreachable=SWITCHED_OFFLINE, offline_first=True)
        else:
            self.ask_to_sign_in(unreachable=OFFLINE_BEFORE if offline_next else "")
        return True

    def end(self, reason: str = "closed the window", *, in_copy: bool = False) -> None:
        """The session is over (signed out, or the application quits): audited
        (``in_copy``: in the person's offline copy, the shared database being gone)."""
        window, lock = self.window, self.idle_lock
        self.window = self.idle_lock = None
        if lock is not None:
            lock.stop()
        if window is not None:
            self._record_sign_out(window.workspace.actor, reason, in_copy=in_copy)
            if self.offline is not None:  # issue 12: the verifier held for a copy to come
                from healthvisitor.sync.verifier import forget_held_verifier

                forget_held_verifier(window.workspace.actor.user_id)
        self._forget_offline_session()

    def _forget_offline_session(self) -> None:
        session, self.offline_session = self.offline_session, None
        self.session_desk = self.desk
        if session is not None:
            session.engine.dispose()

    def _record_sign_out(self, actor: Actor, reason: str, *, in_copy: bool = False) -> None:
        try:
            if in_copy:
                from healthvisitor.sync.offline_sign_in import record_sign_out_in_copy

                record_sign_out_in_copy(actor, reason=reason)
            else:
                self.session_desk.sign_out(actor, reason=reason)
        except Exception:  # an unreachable database must not stop the sign-out itself
            log.exception("The sign-out could not be recorded in the audit trail")


def main(argv: list[str] | None = None) -> int:
    try:
        args = argument_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version or a mistyped option
        return exit_.code if isinstance(exit_.code, int) else 1
    app = application()
    from healthvisitor.ui.gui_gc import GuiThreadCollector

    # Python's cycle collector runs on this (the GUI) thread only, from before the
    # opening worker starts until every window of this run is gone (ui/gui_gc.py).
    collector = GuiThreadCollector(app)
    try:
        return _run(app, args)
    finally:
        collector.stop()


def unreachable_with_copies(
    args: argparse.Namespace, outcome: OpenOutcome
) -> tuple[Engine, DatabaseChoice, str] | None:
    """Issue 12: the shared database did not open (``outcome``) because its server cannot
    be reached, and this laptop has an offline copy: its engine (not connected), choice
    and the reason.

    None when working offline cannot help: a local file, the demo, no copy here, or a
    problem other than reaching the server (a password wanted, an old schema). The
    server is not tried again: a network that drops what it is sent would make the
    user wait for a second connection timeout.
    """
    if not outcome.unreachable:
        return None
    from healthvisitor.config import load_settings
    from healthvisitor.errors import HealthVisitorError
    from healthvisitor.persistence.database import create_database_engine
    from healthvisitor.sync.offline_sign_in import OfflineSignIn

    try:
        settings = load_settings(args.database, demo=args.demo)
        choice = settings.database
        if args.demo or choice.is_sqlite:
            return None
        if not OfflineSignIn(sync_required_after_days=settings.offline_sync_days).available():
            return None
        return create_database_engine(choice.url), choice, outcome.problem
    except HealthVisitorError:
        return None


def _run(app: QApplication, args: argparse.Namespace) -> int:
    """Open the database, sign in and run the window: ``main`` without its set-up."""
    # No user name goes with the request: who works is decided by signing in, below.
    outcome = open_asking_for_password(OpenRequest(database_url=args.database, demo=args.demo))
    unreachable = ""
    if outcome.workspace is None:
        offline = unreachable_with_copies(args, outcome)
        if offline is None:
            show_problem(outcome.problem)
            return 1
        engine, choice, unreachable = offline
    else:
        engine, choice = outcome.workspace.engine, outcome.workspace.choice
    # Imported only now: they pull in SQLAlchemy, which the worker has loaded.
    from healthvisitor.config import load_settings
    from healthvisitor.errors import HealthVisitorError
    from healthvisitor.ui.main_window import MainWindow

    _copies_checked = None  # issue 12: kept until the app ends (it shows its messages)
    try:
        settings = load_settings(args.database, demo=args.demo)
        sessions = Sessions(
            engine,
            choice,
            demo=args.demo,
            idle_lock_minutes=settings.idle_lock_minutes,
            offer_drafts=not args.smoke_test,
            sync_required_after_days=settings.offline_sync_days,
            unreachable_at_start=unreachable,
        )
        # Issue 12: on the shared database, every offline copy on this computer is checked
        # off the GUI thread while the person signs in (a disabled account's is wiped).
        from healthvisitor.ui.offline_sync import check_copies_once_open

        if not unreachable:
            _copies_checked = check_copies_once_open(
                engine, choice, sync_required_after_days=settings.offline_sync_days
            )
        if args.demo and (args.user or args.smoke_test):
            window = sessions.sign_in_to_demo(args.user)
            if args.smoke_test:
                shown = window

                def report() -> None:
                    run_smoke_test(shown.status_text, shown.close)

                if isinstance(shown, MainWindow):
                    # The caseload loads off the GUI thread: report once it is shown.
                    shown.caseload.when_loaded(report)
                else:
                    report()
        else:
            dialog = sessions.ask_to_sign_in(args.user or "", unreachable=unreachable)
            if args.smoke_test:
                run_smoke_test(
                    lambda: f"the sign-in dialog is shown ({dialog.windowTitle()})",
                    dialog.reject,
                )
    except HealthVisitorError as exc:
        engine.dispose()
        show_problem(str(exc))
        return 1
    if not args.smoke_test:
        warm_growth_charts_in_background()
    try:
        return app.exec()
    finally:
        sessions.end()
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
