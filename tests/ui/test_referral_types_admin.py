"""The administrator's referral types screen (issue 5): list, add, rename, retire, family copy.

On a real (SQLite) database. The services refuse anyone but an administrator,
so the screen is tried by a health visitor too: nothing changes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select

from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import Referral, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.referrals import NewReferral, make_referral
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.referral_types_admin import (
    FAMILY_COPY_WARNING,
    ReferralTypesDialog,
    ReferralTypesModel,
    build_administration_menu,
)
from tests import factories
from tests.ui.conftest import TeamData, wait_loaded

pytestmark = pytest.mark.gui


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The questions asked (answered Yes unless ``answer`` says otherwise) and warnings shown."""
    seen: dict[str, list[str]] = {"questions": [], "warnings": [], "answer": ["yes"]}

    def question(_parent: QWidget, title: str, text: str, *_args: object) -> object:
        seen["questions"].append(f"{title}: {text}")
        if seen["answer"][-1] == "yes":
            return QMessageBox.StandardButton.Yes
        return QMessageBox.StandardButton.Cancel

    def warning(_parent: QWidget, title: str, text: str, *_args: object) -> object:
        seen["warnings"].append(f"{title}: {text}")
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return seen


def rows(dialog: ReferralTypesDialog) -> dict[str, list[str]]:
    model = dialog.model
    return {
        model.index(r, 1).data(): [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    }


def admin_workspace(team_data: TeamData) -> Workspace:
    with unit_of_work(team_data.engine) as session:
        admin = factories.user(session, None, Role.ADMINISTRATOR)
    return team_data.workspace(user=admin)


def type_count(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(ReferralType)) or 0


def test_the_model_passes_qt_model_checks(qtmodeltester: ModelTester, team_data: TeamData) -> None:
    model = ReferralTypesModel()
    qtmodeltester.check(model)
    model.set_lines(team_data.workspace().referral_types(include_retired=True))
    qtmodeltester.check(model)


def test_an_administrator_adds_renames_prints_and_retires_a_type_from_the_menu(
    qtbot: QtBot, team_data: TeamData, asked: dict[str, list[str]]
) -> None:
    workspace = admin_workspace(team_data)
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = build_administration_menu(window.menuBar(), window, workspace)
    assert menu is not None and menu.title() == "&Administration"
    menu.referral_types_action.trigger()
    dialog = menu.dialog
    assert isinstance(dialog, ReferralTypesDialog) and dialog.isVisible()
    assert dialog.warning.text() == FAMILY_COPY_WARNING
    assert "Keep sensitive routes off it" in FAMILY_COPY_WARNING
    listed = rows(dialog)
    assert listed["stop_smoking"] == ["Stop smoking service", "stop_smoking", "In use", "Printed"]
    assert listed["childrens_social_care"][3] == "Not printed"
    assert listed["domestic_abuse"][3] == "Not printed"

    # Add: off the family's copy unless said, and chosen at once.
    qtbot.keyClicks(dialog.add_name, "Community audiology")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert rows(dialog)["community_audiology"] == [
        "Community audiology",
        "community_audiology",
        "In use",
        "Not printed",
    ]
    chosen = dialog.chosen()
    assert chosen is not None and chosen.code == "community_audiology"
    assert dialog.add_name.text() == ""
    # A name already used is said under the field; nothing is added.
    before = type_count(team_data.engine)
    qtbot.keyClicks(dialog.add_name, "community AUDIOLOGY")
    dialog.add()
    assert "already a referral type called 'Community audiology'" in dialog.add_message.message()
    assert type_count(team_data.engine) == before

    # A referral made with it, before it is renamed and retired.
    with unit_of_work(team_data.engine) as session:
        referral_id = make_referral(
            session,
            factories.actor(team_data.me),
            NewReferral(
                referral_type_id=chosen.id,
                child_id=team_data.mine[0].id,
                reason="Hearing screen referral",
                made_on=dt.date(2026, 11, 20),
            ),
            today=dt.date(2026, 11, 24),
        )

    dialog.new_name.setText("Audiology")
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    assert rows(dialog)["community_audiology"][0] == "Audiology"  # the code stays

    # On the family's copy: asked first, with the warning; Cancel leaves it off.
    asked["answer"].append("no")
    dialog.family_copy.click()
    assert "sensitive routes" in asked["questions"][-1]
    assert rows(dialog)["community_audiology"][3] == "Not printed"
    assert not dialog.family_copy.isChecked()
    asked["answer"].append("yes")
    dialog.family_copy.click()
    assert rows(dialog)["community_audiology"][3] == "Printed"
    dialog.family_copy.click()  # off again needs no question
    assert rows(dialog)["community_audiology"][3] == "Not printed"
    assert len(asked["questions"]) == 2

    # Retire: asked, then listed as retired, never deleted; the old referral keeps it.
    dialog.retire()
    assert "no longer be offered for new referrals" in asked["questions"][-1]
    assert rows(dialog)["community_audiology"][2] == "Retired"
    assert not dialog.retire_button.isEnabled()
    assert "community_audiology" not in {t.code for t in workspace.referral_types()}
    with unit_of_work(team_data.engine) as session:
        kept = session.get_one(Referral, referral_id)
        assert session.get_one(ReferralType, kept.referral_type_id).name == "Audiology"
    assert asked["warnings"] == []
    dialog.close_button.click()
    assert menu.dialog is None


def test_a_health_visitor_has_no_menu_and_the_services_refuse_the_screen(
    qtbot: QtBot, team_data: TeamData, asked: dict[str, list[str]]
) -> None:
    workspace = team_data.workspace()
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    assert window.administration_menu is None
    assert "&Administration" not in [a.text() for a in window.menuBar().actions()]

    # Opened anyway (the menu is not the control): every change is refused.
    dialog = ReferralTypesDialog(workspace)
    qtbot.addWidget(dialog)
    before = type_count(team_data.engine)
    dialog.add_name.setText("Baby massage")
    assert dialog.add() is None
    dialog.choose("domestic_abuse")
    dialog.set_family_copy(True, confirmed=True)
    dialog.retire(confirmed=True)
    assert len(asked["warnings"]) == 3
    assert all("Only an administrator can change the list" in w for w in asked["warnings"])
    assert type_count(team_data.engine) == before
    listed = rows(dialog)["domestic_abuse"]
    assert listed[2:] == ["In use", "Not printed"]


def test_choosing_a_type_fills_in_what_can_be_done_to_it(qtbot: QtBot, team_data: TeamData) -> None:
    dialog = ReferralTypesDialog(admin_workspace(team_data))
    qtbot.addWidget(dialog)
    assert not dialog.chosen_box.isEnabled()  # nothing chosen yet
    dialog.choose("domestic_abuse")
    assert dialog.chosen_box.isEnabled()
    assert dialog.chosen_box.title() == "The chosen type: Domestic abuse support"
    assert dialog.new_name.text() == "Domestic abuse support"
    assert not dialog.family_copy.isChecked() and dialog.retire_button.isEnabled()
    dialog.choose("stop_smoking")
    assert dialog.family_copy.isChecked()
