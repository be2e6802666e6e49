"""Helpers for the window's sign-in and idle lock tests (issue 8).

Accounts get real argon2id passwords, made with cheap parameters so the
tests spend no CPU on hashing (the service tests check the real parameters);
the dialogs are driven as a person would, without a nested event loop:
type, click, then wait for the check that runs off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable

import pytest
import shiboken6
from argon2 import PasswordHasher, Type
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from healthvisitor.persistence.models import AuditEvent, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.ui.idle_lock import UnlockDialog
from healthvisitor.ui.sign_in import SignInDialog
from healthvisitor.ui.worker import wait_for_loads

PASSWORD = "plum kettle orbit 42"
WRONG_PASSWORD = "not my password at all"
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its cheapest: the same code paths, a thousandth of the work."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    monkeypatch.setattr(accounts, "HASHER", cheap)


def give_password(engine: Engine, username: str, password: str = PASSWORD) -> None:
    """What ``healthvisitor user set-password`` does (the operator's credentials)."""
    with unit_of_work(engine) as session:
        accounts.set_password(session, None, username, password, now=NOW)


def give_demo_password(engine: Engine) -> None:
    """Every account gets the published demo password, as the demo generator does."""
    with unit_of_work(engine) as session:
        for user in session.scalars(select(User)):
            user.password_hash = accounts.demo_password_hash()


def actions(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


def sign_in(qtbot: QtBot, dialog: SignInDialog, username: str | None, password: str) -> str:
    """Type a user name (None: leave it as it is) and password, press Enter, wait."""
    if username is not None:
        dialog.username.clear()
        qtbot.keyClicks(dialog.username, username)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: gone(dialog) or not dialog.loader.busy, timeout=10_000)
    return "" if gone(dialog) else dialog.message.message()


def gone(dialog: QObject) -> bool:
    """Closed for good: a dialog deleted once it has done its work."""
    return not shiboken6.isValid(dialog)


def unlock(qtbot: QtBot, dialog: UnlockDialog, password: str) -> str:
    qtbot.keyClicks(dialog.password, password)
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: gone(dialog) or not dialog.loader.busy, timeout=10_000)
    return "" if gone(dialog) else dialog.message.message()


def dispose(windows: Iterable[QWidget]) -> None:
    """Delete a test's windows now, on the GUI thread, and collect what they leave.

    A window left for Python's garbage collector is destroyed on whichever thread
    the collection happens to run, such as a caseload worker's in a later test,
    which crashes PySide6 6.11 (a segmentation fault). pytest-qt's ``addWidget``
    would close them instead, and closing a form with typing asks, and waits.
    """
    wait_for_loads()  # no worker still reading for a window about to go
    for window in windows:
        if shiboken6.isValid(window):
            shiboken6.delete(window)
    gc.collect()
