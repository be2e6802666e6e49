"""The window on the laptop's offline copy (issue 12): what it says, and coming back online.

When the shared database cannot be reached the person may sign in on the copy
(``ui/sign_in.py``, ``healthvisitor.sync.offline_sign_in``); the usual
``MainWindow`` then opens on an ``OfflineWorkspace``. ``OfflineWorking``
(made by ``ui/offline_sync.build_offline_menu``) turns it into the offline
window:

* a banner under the blue one says "Working offline: changes are kept on this
  laptop and sent when the shared database answers again"; the title and the
  status bar's database say so too, and the status bar counts the changes
  waiting;
* what cannot be done on the copy (registering families, carers, pregnancies
  and children, transfers in, births and outcomes; reading another team's
  record; the team's figures; the conflicts screen, which is the server's) is
  disabled, its tooltip saying why, in the words of ``ui/offline_actions.py``
  (the one list of what cannot be done offline: the child's record window,
  its tabs and the team board disable their part of it themselves);
* the connection indicator keeps trying the shared database; when it answers,
  the banner says so and offers "Synchronise and carry on online": the copy
  is sent and brought up to date (push, then pull, off the GUI thread), then
  ``carry_on_online`` is emitted and the app (``Sessions``) closes the window as
  signing out does (forms asked about, drafts kept) and asks the person to
  sign in online.

The other way, ``CarryOnOffline`` (also made by ``build_offline_menu``, in a window
signed in *online* on the shared database): when the connection indicator hears
the connection is lost and this user's copy here may be signed in on
(``OfflineSignIn.why_not_for``: theirs, with a verifier, not too old), the same
yellow banner offers "Carry on offline on this laptop's copy"; nothing pops up by
itself. Pressing it emits ``carry_on_offline``: the app closes the window keeping
the open forms as drafts, and asks the password again for the copy. The offer
goes when the shared database answers again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow

from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.sync.offline_sign_in import (
    OfflineSignIn,
    OfflineWorkspace,
    synchronise_back_online,
)
from healthvisitor.ui.offline_actions import (
    BANNER_STYLE,
    CARRY_ON_TEXT,
    NEEDS_SERVER,
    NOT_OFFLINE,
    TITLE_SUFFIX,
    WORKING_OFFLINE,
    OfflineBanner,
    disable_offline,
)
from healthvisitor.ui.worker import Loader, refusal_or_raise

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.sync.desk import SyncOutcome
    from healthvisitor.ui.offline_sync import OfflineMenu, OfflineStatus

BACK_ONLINE = (
    "The shared database answers again. Synchronise to send what you recorded offline, "
    "then sign in online to carry on."
)
SYNCHRONISING = "Sending what you recorded offline, then bringing the copy up to date…"
#: How often the changes waiting are counted again (a save on the copy adds one).
RECOUNT_MS = 5_000


class OfflineWorking(QObject):
    """The offline window's banner, disabled actions and way back online (module)."""

    #: The copy has synchronised: close this window and sign in online.
    carry_on_online = Signal()

    def __init__(
        self,
        window: QMainWindow,
        workspace: Workspace,
        status: OfflineStatus,
        menu: OfflineMenu,
    ) -> None:
        super().__init__(window)
        assert isinstance(workspace, OfflineWorkspace)
        self.window_ = window
        self.workspace = workspace
        self.status = status
        self.menu = menu
        self.back = False
        self.banner = OfflineBanner(window)
        self.banner.button.clicked.connect(self.synchronise_and_carry_on)
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        if layout is not None:
            layout.insertWidget(1, self.banner)  # under the blue banner
        window.setWindowTitle(window.windowTitle() + TITLE_SUFFIX)
        database = getattr(window, "database_label", None)
        if isinstance(database, QLabel):
            database.setText("Database: the offline copy on this laptop (encrypted)")
            database.setToolTip(
                f"The shared database ({workspace.choice.describe()}) cannot be reached: "
                "you are working on the encrypted copy of your caseload on this laptop."
            )
        self.disabled = self._disable_what_needs_the_server()
        # The Offline menu's first action becomes the way back.
        action = menu.synchronise_action
        action.triggered.disconnect(menu.synchronise)
        action.triggered.connect(self.synchronise_and_carry_on)
        action.setText(CARRY_ON_TEXT)
        action.setEnabled(False)
        action.setStatusTip("When the shared database answers again")
        self.loader = Loader(self)
        self.loader.loaded.connect(self._synchronised)
        self.loader.failed.connect(self._not_synchronised)
        self.recount = QTimer(self)
        self.recount.setInterval(RECOUNT_MS)
        self.recount.timeout.connect(status.refresh)
        self.recount.start()
        connection = getattr(window, "connection_status", None)
        if connection is not None:
            connection.events.back.connect(self._server_back)
            connection.events.lost.connect(self._server_lost)
            # Keep trying the shared database (with back-off), and say so.
            connection.connection_lost(
                "The shared database cannot be reached: working on this laptop's copy."
            )

    def _disable_what_needs_the_server(self) -> list[QAction]:
        """The main window's part of ``NEEDS_SERVER`` (``ui/offline_actions.py``); the record
        window, its tabs and the team board disable their own (``works_offline``)."""
        window = self.window_
        disabled: list[QAction] = []
        records = getattr(window, "records_menu", None)
        if records is not None:
            for action in records.actions():
                if not action.isSeparator():
                    disable_offline(action, "records_menu")
                    disabled.append(action)
        for name in ("team_performance_action", "my_figures_action"):
            action = getattr(window, name, None)
            if isinstance(action, QAction):
                disable_offline(action, name)
                disabled.append(action)
        glass = getattr(window, "break_glass", None)
        action = getattr(glass, "action", None)
        if isinstance(action, QAction):
            disable_offline(action, "break_glass")
            disabled.append(action)
        conflicts = self.menu.conflicts_action
        disable_offline(conflicts, "conflicts")
        disabled.append(conflicts)
        for menu in (action.parent() for action in disabled):
            if hasattr(menu, "setToolTipsVisible"):
                menu.setToolTipsVisible(True)
        return disabled

    # --- The shared database answers again ------------------------------------------------

    def _server_back(self) -> None:
        self.back = True
        self.banner.text.setText(BACK_ONLINE)
        self.banner.button.show()
        self.banner.button.setEnabled(not self.loader.busy)
        self.menu.synchronise_action.setEnabled(not self.loader.busy)

    def _server_lost(self, _message: str) -> None:
        if self.loader.busy:
            return  # the synchronisation's own failure says what happened
        self.back = False
        self.banner.text.setText(WORKING_OFFLINE)
        self.banner.button.hide()
        self.menu.synchronise_action.setEnabled(False)

    def synchronise_and_carry_on(self) -> bool:
        """Send and bring the copy up to date (off the GUI thread); then ``carry_on_online``."""
        desk = self.status.desk
        if desk is None or self.loader.busy or self.status.busy():
            return False
        server = self.workspace.server
        self.banner.button.setEnabled(False)
        self.menu.synchronise_action.setEnabled(False)
        self.banner.text.setText(SYNCHRONISING)
        self.recount.stop()

        def synchronise() -> SyncOutcome:
            synchronise_back_online(server)  # the shared database's schema, as at start
            return desk.synchronise()

        self.loader.request(synchronise)
        return True

    def _synchronised(self, outcome: SyncOutcome) -> None:
        self.status.show_outcome(outcome)
        self.banner.text.setText(
            f"{outcome.words()} Sign in online to carry on."
            if not outcome.not_sent
            else f"{outcome.words()} Sign in online to carry on; what could not be sent "
            "stays on this laptop."
        )
        self.carry_on_online.emit()
        # Still here if a form was kept open (the window asked): the way back stays offered.
        self.banner.button.setEnabled(True)
        self.menu.synchronise_action.setEnabled(True)

    def _not_synchronised(self, error: object) -> None:
        refusal = refusal_or_raise(error)
        self.recount.start()
        if isinstance(refusal, DatabaseUnavailableError):
            words = (
                "Not synchronised: the shared database stopped answering. Everything you "
                "recorded stays on this laptop; carry on offline and try again later."
            )
        else:
            words = f"Not synchronised: {refusal}"
        self.banner.text.setText(words)
        self.banner.button.setEnabled(True)
        self.menu.synchronise_action.setEnabled(True)

    def stop(self) -> None:
        self.recount.stop()


#: The banner of a window signed in online when the connection drops (``CarryOnOffline``).
OFFER_OFFLINE = (
    "The shared database cannot be reached. You can carry on offline on this laptop's "
    "copy of your caseload: your open forms are kept as drafts for you, and you type "
    "your password again."
)
CARRY_ON_OFFLINE_TEXT = "Carry on offline on this laptop's copy"


class CarryOnOffline(QObject):
    """In a window on the shared database: the offer to carry on on the copy (module)."""

    #: The person chose to carry on offline: close this window and sign in on the copy.
    carry_on_offline = Signal()

    def __init__(
        self,
        window: QMainWindow,
        workspace: Workspace,
        *,
        sync_required_after_days: int,
        offline: OfflineSignIn | None = None,
    ) -> None:
        super().__init__(window)
        self.user_id = workspace.actor.user_id
        self.offline = offline or OfflineSignIn(sync_required_after_days=sync_required_after_days)
        self.lost = False
        #: Why the copy cannot be offered (the last check), "" when it can, None unchecked.
        self.why_not: str | None = None
        self.banner = OfflineBanner(window, text=OFFER_OFFLINE)
        self.banner.text.setAccessibleName("The shared database cannot be reached")
        self.banner.button.setText(CARRY_ON_OFFLINE_TEXT)
        self.banner.button.setAccessibleName(CARRY_ON_OFFLINE_TEXT)
        self.banner.button.setToolTip(
            "Closes this window as signing out does (your open forms are kept as drafts "
            "on this laptop) and asks your password for the encrypted copy of your caseload."
        )
        self.banner.button.show()
        self.banner.button.clicked.connect(self.choose)
        self.banner.hide()
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        if layout is not None:
            layout.insertWidget(1, self.banner)  # under the blue banner
        self.loader = Loader(self)
        self.loader.loaded.connect(self._checked)
        self.loader.failed.connect(self._check_failed)
        connection = getattr(window, "connection_status", None)
        if connection is not None:
            connection.events.lost.connect(self._connection_lost)
            connection.events.back.connect(self._connection_back)

    def offered(self) -> bool:
        """The offer shows (in a window that is shown)."""
        return not self.banner.isHidden()

    def choose(self) -> None:
        """The banner's button: carry on offline (only while the offer stands)."""
        if self.lost and self.why_not == "":
            self.carry_on_offline.emit()

    def busy(self) -> bool:
        """Checking the copy (tests wait for this to end)."""
        return self.loader.busy

    def _connection_lost(self, _message: str) -> None:
        if self.lost:
            return  # once per loss, however many reads failed
        self.lost = True
        offline, user_id = self.offline, self.user_id
        # Opening the copy (its key from the keyring) is off the GUI thread.
        self.loader.request(lambda: offline.why_not_for(user_id))

    def _checked(self, why_not: str) -> None:
        self.why_not = why_not
        self.banner.setVisible(self.lost and not why_not)

    def _check_failed(self, error: object) -> None:
        self.why_not = str(refusal_or_raise(error))
        self.banner.hide()

    def _connection_back(self) -> None:
        self.lost = False
        self.banner.hide()


__all__ = [
    "BACK_ONLINE",
    "BANNER_STYLE",
    "CARRY_ON_OFFLINE_TEXT",
    "CARRY_ON_TEXT",
    "NEEDS_SERVER",
    "NOT_OFFLINE",
    "OFFER_OFFLINE",
    "TITLE_SUFFIX",
    "WORKING_OFFLINE",
    "CarryOnOffline",
    "OfflineBanner",
    "OfflineWorking",
]
