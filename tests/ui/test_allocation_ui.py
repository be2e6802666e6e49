"""Allocating, reallocating in bulk, cover and undo through the team lead's board (issue 4).

On Chapeltown (``TeamData``): Priya Sharma has Amelia Khan, Oliver Nowak and
Isla Jones; Helen Walker has Tobi and Ada Okafor; Joanne Fisher is the lead.
Added here: Kofi and Ama Mensah (siblings) and Zed Adeyemi, unallocated.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.domain.caseload_weights import CaseloadWeights
from healthvisitor.domain.enums import AllocationChangeKind, Role
from healthvisitor.domain.schedule import pregnancy_schedule
from healthvisitor.persistence.models import Child, Pregnancy, Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.allocation import AllocationBatch, CoverLine
from healthvisitor.services.pregnancies import PregnancyRow
from healthvisitor.services.team_board import TeamBoard
from healthvisitor.ui.allocation_dialogs import (
    AllocationDialog,
    ChildPickModel,
    CoverDialog,
    CoverModel,
    RecentChangesDialog,
    RecentChangesModel,
    TransferDialog,
)
from healthvisitor.ui.caseload_model import FLAGS, NAME
from healthvisitor.ui.contact_form_sections import to_qdate
from healthvisitor.ui.form_fields import ChoiceCombo
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.pregnancy_model import COVER as COVER_COLUMN
from healthvisitor.ui.pregnancy_model import PregnancyModel
from healthvisitor.ui.team_board import CHILDREN, MEMBER, TeamBoardView, UnallocatedModel
from tests import factories
from tests.ui.conftest import TODAY, TeamData, wait_loaded
from tests.ui.test_team_board import BOARD

pytestmark = pytest.mark.gui

#: The unallocated list's last column, "Waiting because".
WAITING_BECAUSE = 7


def add_waiting_children(team: TeamData) -> dict[str, uuid.UUID]:
    with unit_of_work(team.engine) as session:
        chapeltown = session.get_one(Team, team.me.team_id)
        mensah = factories.family(session, chapeltown, "Mensah")
        adeyemi = factories.family(session, chapeltown, "Adeyemi")
        return {
            "Kofi": factories.child(
                session, mensah, None, given_name="Kofi", date_of_birth=dt.date(2026, 11, 20)
            ).id,
            "Ama": factories.child(
                session, mensah, None, given_name="Ama", date_of_birth=dt.date(2024, 5, 1)
            ).id,
            "Zed": factories.child(
                session, adeyemi, None, given_name="Zed", date_of_birth=dt.date(2026, 11, 18)
            ).id,
        }


def open_board(qtbot: QtBot, team: TeamData) -> tuple[MainWindow, TeamBoardView]:
    window = MainWindow(team.workspace(user=team.lead))
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    wait_loaded(qtbot, window)
    board = window.caseload.team
    assert board is not None
    window.caseload.show_team()
    return window, board


def board_column(board: TeamBoardView, number: int) -> list[str]:
    return [board.proxy.index(r, number).data() for r in range(board.proxy.rowCount())]


def children_of(board: TeamBoardView, name: str) -> str:
    names = board_column(board, MEMBER)
    return str(board_column(board, CHILDREN)[names.index(name)])


def unallocated_names(board: TeamBoardView) -> list[str]:
    return [row.name for row in board.unallocated_rows()]


def choose(combo: ChoiceCombo, text_start: str) -> None:
    texts = [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(next(i for i, t in enumerate(texts) if t.startswith(text_start)))


def holder(team: TeamData, child_id: uuid.UUID) -> uuid.UUID | None:
    with unit_of_work(team.engine) as session:
        return session.get_one(Child, child_id).health_visitor_id


def test_allocating_the_chosen_unallocated_children_with_their_siblings(
    qtbot: QtBot, team_data: TeamData
) -> None:
    waiting = add_waiting_children(team_data)
    _window, board = open_board(qtbot, team_data)
    assert unallocated_names(board) == ["Zed Adeyemi", "Ama Mensah", "Kofi Mensah"]
    board.unallocated.setFocus()
    board.unallocated.selectRow(unallocated_names(board).index("Kofi Mensah"))
    qtbot.keyClick(
        board.unallocated,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = board.dialog
    assert isinstance(dialog, AllocationDialog)
    assert dialog.isVisible()
    assert [row.name for row in dialog.chosen_rows()] == ["Kofi Mensah"]
    assert dialog.keep_siblings.isChecked(), "siblings move together unless the lead says not"
    assert dialog.keep_siblings.accessibleName() == "Keep siblings together"
    assert dialog.target.accessibleName() == "To health visitor"
    assert "Choose the children and who takes them" in dialog.preview.text()
    choose(dialog.target, "Helen Walker")
    assert "Will move 2 children to Helen Walker." in dialog.preview.text()
    assert "Also moving with their siblings: Ama Mensah." in dialog.preview.text()
    dialog.keep_siblings.setChecked(False)
    assert dialog.preview.text() == "Will move 1 child to Helen Walker."
    dialog.keep_siblings.setChecked(True)
    qtbot.keyClicks(dialog.reason, "New birth in Helen's patch")
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    wait_loaded(qtbot, board.window())
    assert holder(team_data, waiting["Kofi"]) == holder(team_data, waiting["Ama"])
    assert holder(team_data, waiting["Kofi"]) == team_data.colleague.id
    assert unallocated_names(board) == ["Zed Adeyemi"], "the board reloaded"
    assert children_of(board, "Helen Walker") == "4"
    assert "Done: 2 children to Helen Walker." in board.done_message.text()
    assert board.done_message.isVisible()


def test_a_refusal_is_said_beside_the_field_and_what_was_typed_stays(
    qtbot: QtBot, team_data: TeamData
) -> None:
    waiting = add_waiting_children(team_data)
    _window, board = open_board(qtbot, team_data)
    board.unallocated.selectRow(unallocated_names(board).index("Zed Adeyemi"))
    dialog = board.allocate_chosen()
    assert dialog is not None
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.fields["reason"].message.message().startswith("Say why")
    assert dialog.fields["to_health_visitor"].message.message() == "Choose who takes the children."
    choose(dialog.target, "Priya Sharma")
    assert dialog.fields["to_health_visitor"].message.message() == ""
    qtbot.keyClicks(dialog.reason, "Lives on Priya's patch")
    # Meanwhile another lead allocates Zed to Helen.
    team_data.workspace(user=team_data.lead).allocate(
        [waiting["Zed"]], team_data.colleague.id, reason="Helen has room"
    )
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "Zed Adeyemi is now on Helen Walker's caseload" in dialog.problem.message()
    assert dialog.reason.text() == "Lives on Priya's patch"
    assert dialog.target.currentText().startswith("Priya Sharma")
    assert holder(team_data, waiting["Zed"]) == team_data.colleague.id
    dialog.reject()


def test_reallocating_a_whole_caseload_in_one_go(qtbot: QtBot, team_data: TeamData) -> None:
    _window, board = open_board(qtbot, team_data)
    board.table.selectRow(board_column(board, MEMBER).index("Priya Sharma"))
    board.table.setFocus()
    qtbot.keyClick(
        board.table,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = board.dialog
    assert isinstance(dialog, AllocationDialog)
    assert dialog.windowTitle() == "Reallocate children from Priya Sharma"
    assert sorted(row.name for row in (dialog.model.line_at(r) for r in range(3))) == [
        "Amelia Khan",
        "Isla Jones",
        "Oliver Nowak",
    ]
    assert dialog.model.rowCount() == 3, "her discharged child is not offered"
    targets = [dialog.target.itemText(i) for i in range(dialog.target.count())]
    assert not any(t.startswith("Priya Sharma") for t in targets), "not to herself"
    assert dialog.chosen_rows() == []
    qtbot.mouseClick(dialog.select_all, Qt.MouseButton.LeftButton)
    assert dialog.chosen_count.text() == "3 of 3 chosen"
    choose(dialog.target, "Helen Walker")
    assert "Will move 3 children to Helen Walker." in dialog.preview.text()
    qtbot.keyClicks(dialog.reason, "Priya is leaving the team")
    assert dialog.confirm_button.text() == "&Reallocate"
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    wait_loaded(qtbot, board.window())
    assert children_of(board, "Priya Sharma") == "0"
    assert children_of(board, "Helen Walker") == "5"
    assert {holder(team_data, kid.id) for kid in team_data.mine} == {team_data.colleague.id}


def test_arranging_and_ending_cover(qtbot: QtBot, team_data: TeamData) -> None:
    window, board = open_board(qtbot, team_data)
    board.table.selectRow(board_column(board, MEMBER).index("Priya Sharma"))
    board.cover_button.setFocus()
    qtbot.keyClick(
        board.cover_button,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = board.dialog
    assert isinstance(dialog, CoverDialog)
    assert dialog.absent.currentText().startswith("Priya Sharma"), "the chosen health visitor"
    assert dialog.empty.isVisibleTo(dialog)
    assert dialog.start.date() == to_qdate(TODAY)
    # Refused: covering herself; the form keeps what was typed.
    choose(dialog.covering, "Priya Sharma")
    qtbot.keyClicks(dialog.reason, "Annual leave")
    qtbot.mouseClick(dialog.arrange_button, Qt.MouseButton.LeftButton)
    assert "not the health visitor away" in dialog.fields["covering"].message.message()
    assert dialog.reason.text() == "Annual leave"
    choose(dialog.covering, "Helen Walker")
    dialog.end.setDate(to_qdate(dt.date(2026, 12, 12)))
    qtbot.mouseClick(dialog.arrange_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, board.window())
    assert dialog.model.rowCount() == 1
    assert dialog.done_message.text().startswith(
        "Cover arranged: Helen Walker covers Priya Sharma until 12 Dec 2026"
    )
    assert board.cover.text() == "Cover today: Helen Walker covers Priya Sharma until 12 Dec 2026."
    assert board.cover.isVisibleTo(board)
    # Helen's caseload now lists Priya's children, marked.
    panel = window.caseload
    panel.show_caseload_of(team_data.colleague.id)
    wait_loaded(qtbot, window)
    flags = {
        panel.proxy.index(r, NAME).data(): panel.proxy.index(r, FLAGS).data()
        for r in range(panel.proxy.rowCount())
    }
    assert flags["Amelia Khan"] == "Cover for Priya Sharma"
    assert flags["Tobi Okafor"] == ""
    assert len(flags) == 5
    # End it early: the caseload returns.
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.end_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, board.window())
    assert dialog.model.rowCount() == 0
    assert "back on their own caseload" in dialog.done_message.text()
    assert not board.cover.isVisibleTo(board)
    assert panel.model.rowCount() == 2
    dialog.accept()


def test_undoing_an_allocation(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = add_waiting_children(team_data)
    _window, board = open_board(qtbot, team_data)
    team_data.workspace(user=team_data.lead).allocate(
        [waiting["Zed"]], team_data.me.id, reason="Near Priya"
    )
    board.history_button.setFocus()
    qtbot.keyClick(
        board.history_button,
        Qt.Key.Key_G,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = board.dialog
    assert isinstance(dialog, RecentChangesDialog)
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 2).data() == "Allocated: 1 child to Priya Sharma"
    assert dialog.model.index(0, 3).data() == "Can be undone"
    assert dialog.model.index(0, 4).data() == "Near Priya"
    assert dialog.undo_button.isEnabled()
    asked: list[str] = []
    monkeypatch.setattr(dialog, "confirm", lambda q: asked.append(q) or False)
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert asked and holder(team_data, waiting["Zed"]) == team_data.me.id, "No: nothing undone"
    monkeypatch.setattr(dialog, "confirm", lambda q: True)
    assert dialog.undo_button.shortcut() == QKeySequence("Ctrl+Z")
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, board.window())
    assert holder(team_data, waiting["Zed"]) is None
    assert dialog.done_message.text() == "Undone: 1 child put back."
    assert [dialog.model.line_at(r).kind for r in range(2)] == [
        AllocationChangeKind.UNDO,
        AllocationChangeKind.ALLOCATE,
    ]
    dialog.choose_row(1)
    assert not dialog.undo_button.isEnabled()
    assert "Already undone" in dialog.detail.text()
    assert "Zed Adeyemi" in unallocated_names(board), "the board reloaded"
    dialog.accept()


def test_the_board_lists_children_of_someone_who_has_left(
    qtbot: QtBot, team_data: TeamData
) -> None:
    with unit_of_work(team_data.engine) as session:
        session.get_one(User, team_data.colleague.id).active = False
    _window, board = open_board(qtbot, team_data)
    assert "Helen Walker" not in board_column(board, MEMBER)
    assert sorted(unallocated_names(board)) == ["Ada Okafor", "Tobi Okafor"]
    was_with = board.unallocated_model.columnCount() - 1
    assert board.unallocated_proxy.index(0, was_with).data() == "Was with Helen Walker (left)"


NOW = dt.datetime(2026, 11, 24, 9, 15, tzinfo=dt.UTC)
BATCH = AllocationBatch(
    batch_id=uuid.uuid4(),
    changed_at=NOW,
    changed_by="Joanne Fisher",
    kind=AllocationChangeKind.REALLOCATE,
    reason="Priya is leaving",
    to_names="Helen Walker",
    children=2,
    pregnancies=1,
    names=("Amelia Khan", "Oliver Nowak", "Sara Khan's pregnancy"),
    undoable=False,
    why_not="Changed since: Oliver Nowak",
)
COVER = CoverLine(
    cover_id=uuid.uuid4(),
    absent_id=uuid.uuid4(),
    absent_name="Priya Sharma",
    covering_id=uuid.uuid4(),
    covering_name="Helen Walker",
    start_date=TODAY,
    last_day=dt.date(2026, 12, 12),
    reason="Annual leave",
    arranged_by="Joanne Fisher",
    version=1,
)


@pytest.mark.parametrize("filled", [True, False])
def test_the_new_models_pass_qt_model_checks(qtmodeltester: ModelTester, filled: bool) -> None:
    picks, recent, cover, waiting = (
        ChildPickModel(),
        RecentChangesModel(),
        CoverModel(),
        UnallocatedModel(),
    )
    if filled:
        picks.set_lines(BOARD.unallocated)
        recent.set_lines([BATCH])
        cover.set_lines([COVER])
        waiting.set_board(
            TeamBoard(
                BOARD.loads,
                BOARD.unallocated,
                CaseloadWeights(),
                former_holders=((uuid.uuid4(), "Dan Gone"),),
            )
        )
    for model in (picks, recent, cover, waiting):
        qtmodeltester.check(model)
    if filled:
        assert recent.index(0, 3).data() == "Changed since: Oliver Nowak"
        assert recent.index(0, 4).data() == "Priya is leaving"
        assert (
            recent.index(0, 3)
            .data(Qt.ItemDataRole.AccessibleTextRole)
            .startswith("Cannot be undone")
        )
        assert cover.index(0, 3).data() == "12 Dec 2026"
        assert cover.index(0, 3).data(Qt.ItemDataRole.AccessibleTextRole) == "12 December 2026"


def test_a_covered_pregnancy_says_whom_it_is_covered_for(qtmodeltester: ModelTester) -> None:
    edd = dt.date(2027, 1, 20)

    def expecting(name: str, covering_for: str) -> PregnancyRow:
        return PregnancyRow(
            pregnancy_id=uuid.uuid4(),
            mother_name=name,
            family=name.split()[-1],
            postcode="LS7 2QA",
            estimated_delivery_date=edd,
            gestation_today="31+6 weeks",
            antenatal=pregnancy_schedule(edd, [], TODAY)[0],
            pre_birth_plan=False,
            covering_for=covering_for,
        )

    model = PregnancyModel()
    model.set_lines(
        [
            expecting("Rosa Patel", "Covering for Priya Sharma until 12 Dec 2026"),
            expecting("Lily Green", ""),
        ]
    )
    qtmodeltester.check(model)
    rosa, lily = model.index(0, COVER_COLUMN), model.index(1, COVER_COLUMN)
    assert model.headerData(COVER_COLUMN, Qt.Orientation.Horizontal) == "Cover"
    assert rosa.data() == "Cover for Priya Sharma"
    assert rosa.data(Qt.ItemDataRole.ToolTipRole) == "Covering for Priya Sharma until 12 Dec 2026"
    assert lily.data() == ""
    assert lily.data(Qt.ItemDataRole.AccessibleTextRole) == "Own caseload"


def test_reallocate_without_a_chosen_health_visitor_says_what_to_do(
    qtbot: QtBot, team_data: TeamData
) -> None:
    _window, board = open_board(qtbot, team_data)
    board.table.clearSelection()
    board.table.setCurrentIndex(board.proxy.index(-1, 0))
    assert board.reallocate_chosen() is None
    assert board.dialog is None
    assert board.done_message.text() == (
        "Choose a health visitor in the table first, then press Reallocate."
    )


# --- Transfer to another team of the trust ----------------------------------------------


def test_transferring_a_family_to_another_team_of_the_trust(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window, board = open_board(qtbot, team_data)
    tobi, ada = team_data.colleagues
    board.table.selectRow(board_column(board, MEMBER).index("Helen Walker"))
    board.table.setFocus()
    qtbot.keyClick(
        board.table,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = board.dialog
    assert isinstance(dialog, TransferDialog)
    assert dialog.windowTitle() == "Transfer to another team"
    assert sorted(dialog.model.line_at(r).name for r in range(2)) == ["Ada Okafor", "Tobi Okafor"]
    teams = [dialog.team.itemText(i) for i in range(dialog.team.count())]
    assert teams == ["Headingley 0-19 team"], "the other teams of the trust, not our own"
    assert dialog.move_family.isChecked(), "the family moves together unless unticked"
    assert dialog.effective.date() == to_qdate(TODAY)
    dialog.choose(tobi.id)
    choose(dialog.team, "Headingley")
    preview = dialog.preview.text()
    assert "Will transfer 2 children from Chapeltown 0-19 team to Headingley 0-19 team" in preview
    assert "Ada Okafor (with their family): leaves Helen Walker's caseload" in preview
    assert "Family record (carers, address) moves too: Okafor family" in preview
    dialog.move_family.setChecked(False)
    assert "Staying with Chapeltown 0-19 team: Ada Okafor" in dialog.preview.text()
    dialog.move_family.setChecked(True)

    # No reason: said beside the field, nothing moves, the choices stay.
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Say why" in dialog.fields["reason"].message.text()
    assert dialog.team.currentText() == "Headingley 0-19 team"
    dialog.effective.setDate(to_qdate(TODAY - dt.timedelta(days=2)))
    qtbot.keyClicks(dialog.reason, "Family moved to Headingley")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    wait_loaded(qtbot, board.window())
    assert "Done: Transferred 2 children from Chapeltown 0-19 team to Headingley" in (
        board.done_message.text()
    )
    assert "effective 22 Nov 2026" in board.done_message.text()
    assert children_of(board, "Helen Walker") == "0"
    with unit_of_work(team_data.engine) as session:
        headingley = session.scalars(select(Team.id).where(Team.name.startswith("Headingley")))
        to_team = headingley.one()
        moved = [session.get_one(Child, kid.id) for kid in (tobi, ada)]
        assert {(c.team_id, c.health_visitor_id) for c in moved} == {(to_team, None)}
        headingley_lead = factories.user(session, session.get_one(Team, to_team), Role.TEAM_LEAD)
        session.flush()
        session.expunge(headingley_lead)

    # The receiving lead's board lists them as a transfer from the sending team.
    other = MainWindow(team_data.workspace(user=headingley_lead))
    qtbot.addWidget(other)
    other.show()
    wait_loaded(qtbot, other)
    other_board = other.caseload.team
    assert other_board is not None
    other.caseload.show_team()
    because = {
        other_board.unallocated_proxy.index(r, NAME).data(): other_board.unallocated_proxy.index(
            r, WAITING_BECAUSE
        ).data()
        for r in range(other_board.unallocated_proxy.rowCount())
    }
    assert because == {
        "Ada Okafor": "Transfer from Chapeltown 0-19 team",
        "Tobi Okafor": "Transfer from Chapeltown 0-19 team",
        # Headingley's own child, wrongly allocated to Priya of Chapeltown in the fixture.
        "Never Stray": "Was with Priya Sharma (left)",
    }
    window.close()


def test_transfer_needs_children_chosen_first(qtbot: QtBot, team_data: TeamData) -> None:
    _window, board = open_board(qtbot, team_data)
    board.table.clearSelection()
    board.table.setCurrentIndex(board.proxy.index(-1, -1))
    assert board.transfer_chosen() is None
    assert "Choose children on the unallocated list, or a health visitor" in (
        board.done_message.text()
    )


def test_the_transfer_dialog_model(
    qtbot: QtBot, qtmodeltester: ModelTester, team_data: TeamData
) -> None:
    waiting = add_waiting_children(team_data)
    _window, board = open_board(qtbot, team_data)
    board.unallocated.selectRow(unallocated_names(board).index("Zed Adeyemi"))
    dialog = board.transfer_chosen()
    assert isinstance(dialog, TransferDialog)
    assert [row.child_id for row in dialog.chosen_rows()] == [waiting["Zed"]]
    assert dialog.model.rowCount() == 3, "the unallocated list to choose from"
    qtmodeltester.check(dialog.model)
    dialog.reject()


def test_reallocating_a_pregnancy_on_its_own_before_there_is_a_child(
    qtbot: QtBot, qtmodeltester: ModelTester, team_data: TeamData
) -> None:
    with unit_of_work(team_data.engine) as session:
        patel = factories.family(session, session.get_one(Team, team_data.me.team_id), "Patel")
        mother = factories.carer(session, patel, "Pia")
        priya = session.get_one(User, team_data.me.id)
        pia = factories.pregnancy(session, mother, priya, dt.date(2027, 2, 14)).id
    window, board = open_board(qtbot, team_data)
    board.table.selectRow(board_column(board, MEMBER).index("Priya Sharma"))
    dialog = board.reallocate_chosen()
    assert isinstance(dialog, AllocationDialog)
    qtmodeltester.check(dialog.model)
    names = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert "Pia Patel's pregnancy" in names and len(names) == 4, "her 3 children and it"
    row = names.index("Pia Patel's pregnancy")
    assert dialog.model.index(row, 1).data() == "Due 14 Feb 2027"
    assert dialog.model.index(row, 4).data() == "Antenatal health promoting review"
    dialog.choose(pia)
    assert dialog.chosen_rows() == [] and len(dialog.chosen_pregnancies()) == 1
    choose(dialog.target, "Helen Walker")
    assert dialog.preview.text() == "Will move 1 pregnancy to Helen Walker."
    qtbot.keyClicks(dialog.reason, "Moved into Helen's patch")
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    wait_loaded(qtbot, window)
    assert "Done: 1 pregnancy to Helen Walker." in board.done_message.text()
    with unit_of_work(team_data.engine) as session:
        assert session.get_one(Pregnancy, pia).health_visitor_id == team_data.colleague.id
    assert {holder(team_data, kid.id) for kid in team_data.mine} == {team_data.me.id}
    # On Helen's Pregnancies tab now.
    window.caseload.show_caseload_of(team_data.colleague.id)
    wait_loaded(qtbot, window)
    assert window.caseload.pregnancies.choose(pia)
