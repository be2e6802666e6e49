"""The conflict screen (issue 12): resolving conflicts from offline working, end to end.

Two laptops (encrypted local copies) and the real PostgreSQL server, as in
tests/sync: Ann and Bea both change the Smiths' details offline, send them,
and the team lead settles the conflicts on the screen, one field at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QRadioButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from healthvisitor.persistence.models import AuditEvent, Carer, Family, SyncConflict
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.sync import ConflictDesk, ConflictLine, pull, push
from healthvisitor.sync.records import FIELD_WORDS
from healthvisitor.ui.sync_conflicts import ConflictsModel, SyncConflictsDialog
from tests.sync import conftest as offline_scene
from tests.sync.conftest import TODAY, Scene
from tests.ui.conftest import LOAD_WAIT_MS

pytestmark = pytest.mark.gui

# The offline scene's fixtures (tests/sync/conftest.py), for this folder too.
scene = offline_scene.scene
laptops = offline_scene.laptops
_encrypted_template = offline_scene._encrypted_template


def a_line(
    field: str = "phone",
    values: tuple[str, str] = ("07700 900111", "07700 900222"),
    can_type: bool = True,
) -> ConflictLine:
    return ConflictLine(
        uuid.uuid4(),
        "carers",
        uuid.uuid4(),
        field,
        "",
        *values,
        "Bea Brown",
        dt.datetime(2026, 5, 20, 9, 30, tzinfo=dt.UTC),
        "Alex Smith (carer)",
        FIELD_WORDS[field],
        can_type,
    )


@pytest.mark.parametrize("lines", [0, 3])
def test_the_model_passes_qt_model_checks(qtmodeltester: ModelTester, lines: int) -> None:
    model = ConflictsModel()
    model.set_lines([a_line() for _ in range(lines)])
    qtmodeltester.check(model)


def rows(dialog: SyncConflictsDialog) -> list[list[str]]:
    model = dialog.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def wait(qtbot: QtBot, dialog: SyncConflictsDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=LOAD_WAIT_MS)


def choose(qtbot: QtBot, button: QRadioButton) -> None:
    """Click the round button itself (the widget is as wide as the box, its text is not)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    assert button.isChecked()


def select_row(dialog: SyncConflictsDialog, field: str) -> None:
    for row, line in enumerate(rows(dialog)):
        if line[1] == field:
            dialog.table.selectRow(row)
            return
    raise AssertionError(f"no conflict on {field}")


@pytest.mark.postgres
def test_conflicts_from_two_laptops_are_resolved_on_the_screen_field_by_field(
    qtbot: QtBot, scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, bea_laptop = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    pull(scene.server, bea_laptop, scene.bea, today=TODAY)
    for laptop, phone, town in (
        (ann_laptop, "07700 900111", "Leeds"),
        (bea_laptop, "07700 900222", "Harehills"),
    ):
        with unit_of_work(laptop) as session:
            session.get_one(Carer, scene.mother_id).phone = phone
            session.get_one(Family, scene.family_id).town = town
    push(ann_laptop, scene.server, today=TODAY)
    push(
        bea_laptop, scene.server, today=TODAY
    )  # Bea's arrives second: hers are the laptop's values

    dialog = SyncConflictsDialog(ConflictDesk(scene.server, scene.lead))
    qtbot.addWidget(dialog)
    dialog.show()
    wait(qtbot, dialog)

    assert dialog.status.text() == "2 fields to resolve."
    assert [line[:5] for line in rows(dialog)] == [
        ["Alex Smith (carer)", "Phone", "07700 900222", "07700 900111", scene.bea.full_name],
        ["Smith family", "Town", "Harehills", "Leeds", scene.bea.full_name],
    ]
    # Nothing is chosen for the user.
    assert not dialog.resolve_button.isEnabled()

    select_row(dialog, "Phone")
    assert dialog.take_laptop.text() == "&Take the laptop's value: 07700 900222"
    choose(qtbot, dialog.take_laptop)
    qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    wait(qtbot, dialog)

    assert [line[1] for line in rows(dialog)] == ["Town"]
    select_row(dialog, "Town")
    choose(qtbot, dialog.type_another)
    assert not dialog.resolve_button.isEnabled()  # nothing typed yet
    assert dialog.typed_message.message() == "Type the value to keep."
    qtbot.keyClicks(dialog.typed, "  Chapeltown ")
    assert dialog.resolve_button.isEnabled()
    qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    wait(qtbot, dialog)

    assert rows(dialog) == []
    assert dialog.status.text() == "No conflicts to resolve."
    assert not dialog.choice_box.isEnabled()
    with unit_of_work(scene.server) as session:
        assert session.get_one(Carer, scene.mother_id).phone == "07700 900222"
        assert session.get_one(Family, scene.family_id).town == "Chapeltown"
        settled = session.scalars(select(SyncConflict)).all()
        assert {conflict.resolved_by_id for conflict in settled} == {scene.lead.user_id}
        kept = sorted(
            json.loads(details)["kept"]
            for details in session.scalars(
                select(AuditEvent.details).where(AuditEvent.action == "resolve_sync_conflict")
            )
        )
    assert kept == ["laptop", "typed"]
    # Both laptops hold the chosen values at their next pull.
    for laptop, actor in ((ann_laptop, scene.ann), (bea_laptop, scene.bea)):
        pull(scene.server, laptop, actor, today=TODAY)
        with laptop.connect() as connection:
            assert connection.scalar(select(Carer.phone)) == "07700 900222"
            assert connection.scalar(select(Family.town)) == "Chapeltown"


class Refusing:
    """A source whose shared database refuses the typed value (its own check)."""

    def __init__(self) -> None:
        self.lines = [a_line()]
        self.resolved: list[object] = []

    def open_conflicts(self) -> list[ConflictLine]:
        return list(self.lines)

    def resolve_conflict(
        self,
        conflict_id: uuid.UUID,
        *,
        keep_laptop_value: bool = False,
        typed_value: str | None = None,
    ) -> None:
        from healthvisitor.errors import ValidationError

        raise ValidationError("The phone can be at most 40 characters; this is 41.", "typed_value")


def test_a_refused_value_is_shown_beside_the_field_and_nothing_changes(qtbot: QtBot) -> None:
    source = Refusing()
    dialog = SyncConflictsDialog(source)
    qtbot.addWidget(dialog)
    dialog.show()
    wait(qtbot, dialog)
    choose(qtbot, dialog.type_another)
    qtbot.keyClicks(dialog.typed, "0" * 41)
    qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    wait(qtbot, dialog)
    assert dialog.typed_message.message() == "The phone can be at most 40 characters; this is 41."
    assert dialog.status.text() == "Nothing was saved: see the value typed."
    assert len(rows(dialog)) == 1 and dialog.resolve_button.isEnabled()


def test_a_field_that_cannot_be_typed_says_why(qtbot: QtBot) -> None:
    source = Refusing()
    source.lines = [a_line("smoking_status", ("smoker", "ex_smoker"), can_type=False)]
    dialog = SyncConflictsDialog(source)
    qtbot.addWidget(dialog)
    dialog.show()
    wait(qtbot, dialog)
    assert not dialog.type_another.isEnabled()
    assert dialog.cannot_type.isVisible()
    assert "cannot be typed in" in dialog.cannot_type.text()
    assert rows(dialog)[0][2:4] == ["Ex-smoker", "Smoker"]
