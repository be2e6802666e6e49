"""A referral saved again after the line dropped says it was saved once (issue 9).

The commit reached the database but the answer never came back; the health
visitor saves the same form again: there is one referral, and the screen says
the retry found the earlier save, rather than leaving her to wonder whether
she has made two. A first save that goes through plainly says nothing extra.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from healthvisitor.persistence.models import Referral
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui.referral_dialogs import SAVED_ONCE, NewReferralDialog
from healthvisitor.ui.referrals_panel import ReferralsPanel
from tests.ui.conftest import RecordTeam

pytestmark = pytest.mark.gui


def panel_for(qtbot: QtBot, record_team: RecordTeam) -> tuple[QWidget, ReferralsPanel]:
    """The panel in a window (kept by the caller: a window no one holds is deleted)."""
    window = QWidget()
    window.setMinimumSize(1200, 640)
    panel = ReferralsPanel(record_team.workspace(), record_team.children["Poppy"])
    QVBoxLayout(window).addWidget(panel)
    qtbot.addWidget(window)
    window.show()
    return window, panel


def typed_referral(qtbot: QtBot, panel: ReferralsPanel) -> NewReferralDialog:
    dialog = panel.new_referral()
    assert isinstance(dialog, NewReferralDialog) and dialog.drafts is not None
    dialog.referral_type.setCurrentIndex(dialog.referral_type.findText("Infant feeding support"))
    qtbot.keyClicks(dialog.reason, "Painful latch; wants to keep breastfeeding.")
    return dialog


def notes(panel: ReferralsPanel) -> list[QMessageBox]:
    return [
        box for box in panel.window().findChildren(QMessageBox, "savedOnceNote") if box.isVisible()
    ]


def test_the_retry_that_found_the_earlier_save_says_saved_once(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: warned.append(text))
    _window, panel = panel_for(qtbot, record_team)
    dialog = typed_referral(qtbot, panel)
    commit = Session.commit
    dropped: list[bool] = []

    def line_drops_after_the_commit(session: Session) -> None:
        commit(session)
        if not dropped:
            dropped.append(True)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", line_drops_after_the_commit)
    dialog.save()
    monkeypatch.setattr(Session, "commit", commit)
    assert len(warned) == 1 and dialog.isVisible()
    assert notes(panel) == []  # nothing claimed before it is known
    dialog.save()
    assert not dialog.isVisible()
    [note] = notes(panel)
    assert note.text() == SAVED_ONCE
    assert "saved, once" in note.text() and "not been saved twice" in note.text()
    with unit_of_work(record_team.engine) as session:
        made = session.scalars(
            select(Referral).where(Referral.child_id == record_team.children["Poppy"])
        ).all()
    assert len(made) == 1 and dialog.referral_id == made[0].id
    note.accept()


def test_a_plain_first_save_says_nothing_more(qtbot: QtBot, record_team: RecordTeam) -> None:
    _window, panel = panel_for(qtbot, record_team)
    dialog = typed_referral(qtbot, panel)
    dialog.save()
    assert not dialog.isVisible()
    assert notes(panel) == []
