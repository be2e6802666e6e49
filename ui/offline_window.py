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
  disabled, its tooltip saying why;
* the connection indicator keeps trying the shared database; when it answers,
  the banner says so and offers "Synchronise and carry on online": the copy
  is sent and brought up to date (push, then pull, off the GUI thread), then
  ``carry_on_online`` is emitted and the app (``Sessions``) closes the window as
  signing out does (forms asked about, drafts kept) and asks the person to
  sign in online.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QPushButton, QWidget

from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.sync.offline_sign_in import OfflineWorkspace, synchronise_back_online
from healthvisitor.ui.worker import Loader, refusal_or_raise

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.sync.desk import SyncOutcome
    from healthvisitor.ui.offline_sync import OfflineMenu, OfflineStatus

WORKING_OFFLINE = (
    "Working offline: changes are kept on this laptop and sent when the shared database "
    "answers again."
)
BACK_ONLINE = (
    "The shared database answers again. Synchronise to send what you recorded offline, "
    "then sign in online to carry on."
)
CARRY_ON_TEXT = "Synchronise and carry on &online"
SYNCHRONISING = "Sending what you recorded offline, then bringing the copy up to date…"
TITLE_SUFFIX = " — working offline"
NOT_OFFLINE = "Not while working offline: {why} needs the shared database. Do it when connected."
#: How often the changes waiting are counted again (a save on the copy adds one).
RECOUNT_MS = 5_000
BANNER_STYLE = (
    "QFrame#offlineBanner { background: #FFEB3B; }"
    "QLabel#offlineBannerText { color: #212B32; font-weight: bold; }"
)

#: The main window's actions that need the shared database, and why (their words).
NEEDS_SERVER = {
    "records_menu": "registering or transferring records (the shared database decides them)",
    "team_performance_action": "the team's figures (from every laptop's records)",
    "my_figures_action": "your figures (from every laptop's records)",
}


def _disable(action: QAction, why: str) -> None:
    action.setEnabled(False)
    words = NOT_OFFLINE.format(why=why[0].upper() + why[1:])
    action.setToolTip(words)
    action.setStatusTip(words)


class OfflineBanner(QFrame):
    """The yellow strip under the blue banner: working offline, or the server is back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.setAutoFillBackground(True)
        self.text = QLabel(WORKING_OFFLINE)
        self.text.setObjectName("offlineBannerText")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Working offline")
        self.button = QPushButton(CARRY_ON_TEXT.replace("&", ""))
        self.button.setAccessibleName("Synchronise and carry on online")
        self.button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)


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
        window = self.window_
        disabled: list[QAction] = []
        records = getattr(window, "records_menu", None)
        if records is not None:
            records.setToolTipsVisible(True)
            for action in records.actions():
                if not action.isSeparator():
                    _disable(action, NEEDS_SERVER["records_menu"])
                    disabled.append(action)
        for name in ("team_performance_action", "my_figures_action"):
            action = getattr(window, name, None)
            if isinstance(action, QAction):
                _disable(action, NEEDS_SERVER[name])
                disabled.append(action)
        glass = getattr(window, "break_glass", None)
        action = getattr(glass, "action", None)
        if isinstance(action, QAction):
            _disable(action, "reading another team's record (it is not on this laptop)")
            disabled.append(action)
        conflicts = self.menu.conflicts_action
        _disable(conflicts, "resolving conflicts (they are kept on the shared database)")
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


__all__ = [
    "BACK_ONLINE",
    "CARRY_ON_TEXT",
    "WORKING_OFFLINE",
    "OfflineBanner",
    "OfflineWorking",
]
