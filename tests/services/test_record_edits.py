"""Editing a child's, family's or carer's details when two people have it open (issue 9).

Each case runs on SQLite and on the real PostgreSQL server, with two users'
edits in two separate sessions (each ``unit_of_work`` is its own connection):
a clean edit; a colleague changed another field (both kept); the same field
(conflict: nothing written, then resolved as chosen); and a stale copy
refused by the version check in the UPDATE itself. One more case runs two
edits of the same record at the same moment on PostgreSQL, in two threads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from healthvisitor.domain.enums import CarerRelationship, Role, Sex, SmokingStatus
from healthvisitor.domain.validation import Gestation
from healthvisitor.errors import (
    ConcurrentEditError,
    DuplicateError,
    EditConflictError,
    PermissionDeniedError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.persistence.models import AuditEvent, Carer, Child, Family
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import record_edits
from healthvisitor.services.actor import Actor
from healthvisitor.services.record_edits import Choice, EditableRecord, merge_fields
from healthvisitor.services.records import CarerDetails, FamilyDetails, add_carer, create_family
from tests import factories

TODAY = dt.date(2026, 11, 24)


@dataclasses.dataclass(frozen=True)
class Setup:
    engine: Engine
    jo: Actor  # the user
    sam: Actor  # her team lead (a health visitor changes only her own caseload, issue 8)
    south: Actor  # another team's health visitor
    family_id: uuid.UUID
    carer_id: uuid.UUID
    child_id: uuid.UUID
    sibling_id: uuid.UUID


@pytest.fixture
def setup(engine: Engine) -> Setup:
    return _make_setup(engine)


def _make_setup(engine: Engine) -> Setup:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        jo_user = factories.user(session, north)
        jo = factories.actor(jo_user)
        sam = factories.actor(factories.user(session, north, Role.TEAM_LEAD))
        south_hv = factories.actor(factories.user(session, south, Role.HEALTH_VISITOR))
        family_id = create_family(
            session, jo, FamilyDetails("Adeyemi", address_line_1="4 Oak Row", postcode="LS7 3AB")
        )
        carer_id = add_carer(
            session,
            jo,
            family_id,
            CarerDetails("Sara", "Adeyemi", CarerRelationship.MOTHER),
            today=TODAY,
        )
        family = session.get_one(Family, family_id)
        child = factories.child(session, family, jo_user, given_name="Amal")
        sibling = factories.child(session, family, jo_user, given_name="Noor")
    return Setup(engine, jo, sam, south_hv, family_id, carer_id, child.id, sibling.id)


def _read(setup: Setup, kind: str, record_id: uuid.UUID, actor: Actor | None = None) -> Any:
    """The edit form's starting point, as ``actor`` (Jo) opens it."""
    who = actor or setup.jo
    with unit_of_work(setup.engine) as session:
        if kind == "child":
            return record_edits.editable_child(session, who, record_id)
        if kind == "family":
            return record_edits.editable_family(session, who, record_id)
        return next(c for c in record_edits.editable_carers(session, who, setup.family_id))


def _save(
    setup: Setup, actor: Actor, seen: EditableRecord, **changes: Any
) -> record_edits.EditSaved:
    edit = {
        "child": record_edits.edit_child,
        "family": record_edits.edit_family,
        "carer": record_edits.edit_carer,
    }[seen.kind]
    with unit_of_work(setup.engine) as session:
        return edit(session, actor, seen.id, base=seen.base, changes=changes, today=TODAY)


def _updates(setup: Setup, record_id: uuid.UUID) -> list[dict[str, Any]]:
    with unit_of_work(setup.engine) as session:
        rows = session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.entity_id == record_id, AuditEvent.action == "update")
            .order_by(AuditEvent.sequence)
        ).all()
    return [json.loads(row) for row in rows]


# --- The merge rule on its own ------------------------------------------------------


def test_the_merge_keeps_each_side_and_names_what_both_changed() -> None:
    base = {"town": "Leeds", "postcode": "LS7 3AB", "phone": "1", "gp": "A"}
    saved = {"town": "Bradford", "postcode": "LS7 3AB", "phone": "2", "gp": "B"}
    mine = {"town": "Leeds", "postcode": "LS8 1AA", "phone": "3", "gp": "B"}
    merge = merge_fields(base, saved, mine)
    assert merge.write == {"postcode": "LS8 1AA"}  # only mine changed it
    assert merge.theirs == ("town",)  # only theirs (mine sent it unchanged)
    assert merge.same == ("gp",)
    assert merge.disputed == ("phone",)


# --- A clean edit -----------------------------------------------------------------------


def test_a_clean_edit_saves_checks_and_audits_old_and_new(setup: Setup) -> None:
    seen = _read(setup, "child", setup.child_id)
    saved = _save(
        setup,
        setup.jo,
        seen,
        given_name=" Amala ",
        nhs_number="999 000 0018",
        gestation=Gestation(38, 2),
        sex=Sex.FEMALE,  # unchanged: not saved, not audited
    )
    assert saved.saved == ("Child's first name", "NHS number", "Gestation at birth")
    assert saved.record.values["given_name"] == "Amala"
    assert saved.record.version == seen.version + 1
    with unit_of_work(setup.engine) as session:
        child = session.get_one(Child, setup.child_id)
        assert (child.given_name, child.nhs_number) == ("Amala", "9990000018")
        assert (child.gestation_weeks, child.gestation_days) == (38, 2)
    [event] = _updates(setup, setup.child_id)
    assert event["changes"]["given_name"] == {"old": "Amal", "new": "Amala"}
    assert event["changes"]["gestation"] == {"old": "40+0", "new": "38+2"}
    assert set(event["changes"]) == {"given_name", "nhs_number", "gestation"}


def test_a_family_and_a_carer_are_edited_the_same_way(setup: Setup) -> None:
    family = _read(setup, "family", setup.family_id)
    result = _save(setup, setup.jo, family, postcode="ls8 1aa", interpreter_needed=True)
    assert result.record.values["postcode"] == "LS8 1AA"  # tidied as at registration
    assert result.record.values["interpreter_needed"] is True
    carer = _read(setup, "carer", setup.carer_id)
    result = _save(
        setup, setup.jo, carer, phone="0113 496 0000", smoking_status=SmokingStatus.SMOKER
    )
    with unit_of_work(setup.engine) as session:
        row = session.get_one(Carer, setup.carer_id)
        assert (row.phone, row.smoking_status) == ("0113 496 0000", SmokingStatus.SMOKER)
    assert _updates(setup, setup.carer_id)[0]["changes"]["smoking_status"]["new"] == "smoker"


def test_the_checks_of_registration_apply(setup: Setup) -> None:
    seen = _read(setup, "child", setup.child_id)
    with pytest.raises(ValidationError) as refused:
        _save(
            setup,
            setup.jo,
            seen,
            given_name="",
            nhs_number="999 000 0019",
            date_of_birth=TODAY + dt.timedelta(days=1),
        )
    fields = {p.field for p in refused.value.problems}
    assert fields == {"given_name", "nhs_number", "date_of_birth"}
    sibling = _read(setup, "child", setup.sibling_id)
    with pytest.raises(DuplicateError, match="already another child's"):
        _save(setup, setup.jo, seen, nhs_number=sibling.values["nhs_number"])
    with pytest.raises(PossibleDuplicateError, match="Is this a different child"):
        _save(setup, setup.jo, seen, given_name="Noor")
    family = _read(setup, "family", setup.family_id)
    with pytest.raises(ValidationError, match="Enter the family name"):
        _save(setup, setup.jo, family, family_name="  ")
    with pytest.raises(ValidationError, match="up to 10 characters"):
        _save(setup, setup.jo, family, postcode="LS7 3AB LS7 3AB")
    assert _updates(setup, setup.child_id) == []
    assert _read(setup, "child", setup.child_id).version == seen.version


def test_another_teams_record_is_refused(setup: Setup) -> None:
    seen = _read(setup, "child", setup.child_id)
    with pytest.raises(PermissionDeniedError):
        _save(setup, setup.south, seen, given_name="Someone")
    with pytest.raises(PermissionDeniedError), unit_of_work(setup.engine) as session:
        record_edits.editable_family(session, setup.south, setup.family_id)


# --- A colleague saved another field: both kept ------------------------------------------


def test_a_colleagues_change_to_another_field_is_kept_with_mine(setup: Setup) -> None:
    jo_saw = _read(setup, "family", setup.family_id)
    sam_saw = _read(setup, "family", setup.family_id, setup.sam)
    _save(setup, setup.sam, sam_saw, town="Leeds")
    # Jo's form still shows the old town: she sends it unchanged with her postcode.
    mine = _save(setup, setup.jo, jo_saw, town=jo_saw.values["town"], postcode="LS8 1AA")
    assert mine.saved == ("Postcode",)
    assert mine.kept_theirs == ("Town",)
    assert "A colleague's change since you opened the form was kept: Town." in mine.summary
    now = _read(setup, "family", setup.family_id)
    assert (now.values["town"], now.values["postcode"]) == ("Leeds", "LS8 1AA")
    assert now.version == jo_saw.version + 2
    _first, second = _updates(setup, setup.family_id)
    assert second["based_on_version"] == jo_saw.version
    assert second["kept_colleagues"] == ["town"]


# --- The same field: conflict, nothing written, then resolved -----------------------------


def test_the_same_field_is_a_conflict_then_resolved_as_chosen(setup: Setup) -> None:
    jo_saw = _read(setup, "child", setup.child_id)
    sam_saw = _read(setup, "child", setup.child_id, setup.sam)
    _save(
        setup,
        setup.sam,
        sam_saw,
        place_of_birth="St James's",
        given_name="Amaal",
        family_name="Adeyemi-Khan",
    )
    before = _read(setup, "child", setup.child_id)
    with pytest.raises(EditConflictError) as conflict:
        _save(
            setup,
            setup.jo,
            jo_saw,
            place_of_birth="Leeds General Infirmary",
            given_name="Amala",
            sex=Sex.MALE,
            family_name=jo_saw.values["family_name"],  # her form sends it unchanged
        )
    error = conflict.value
    assert [(f.label, f.first_saw, f.theirs, f.mine) for f in error.fields] == [
        ("Place of birth", "(blank)", "St James's", "Leeds General Infirmary"),
        ("Child's first name", "Amal", "Amaal", "Amala"),
    ]
    assert {f.saved_by for f in error.fields} == {setup.sam.full_name}
    assert all(isinstance(f.saved_at, dt.datetime) for f in error.fields)
    assert "Nothing has been saved yet" in str(error)
    # Nothing was written: not the disputed fields, nor Jo's undisputed sex.
    assert _read(setup, "child", setup.child_id) == before
    assert len(_updates(setup, setup.child_id)) == 1
    # Jo keeps Sam's place of birth and uses her own name; her sex change goes too.
    with unit_of_work(setup.engine) as session:
        resolved = record_edits.resolve_conflict(
            session,
            setup.jo,
            error,
            {"place_of_birth": Choice.THEIRS, "given_name": Choice.MINE},
            today=TODAY,
        )
    assert set(resolved.saved) == {"Child's first name", "Sex"}
    now = _read(setup, "child", setup.child_id)
    assert now.values["place_of_birth"] == "St James's"
    assert now.values["given_name"] == "Amala"
    assert now.values["sex"] is Sex.MALE
    assert now.values["family_name"] == "Adeyemi-Khan", "Sam's undisputed change stays"
    last = _updates(setup, setup.child_id)[-1]
    assert last["changes"]["given_name"] == {"old": "Amaal", "new": "Amala"}


def test_a_resolution_needs_every_choice_and_merges_again(setup: Setup) -> None:
    jo_saw = _read(setup, "carer", setup.carer_id)
    _save(setup, setup.sam, _read(setup, "carer", setup.carer_id, setup.sam), phone="1")
    with pytest.raises(EditConflictError) as conflict:
        _save(setup, setup.jo, jo_saw, phone="2")
    with (
        pytest.raises(ValidationError, match="Choose whose value to keep for Phone"),
        unit_of_work(setup.engine) as session,
    ):
        record_edits.resolve_conflict(session, setup.jo, conflict.value, {}, today=TODAY)
    # Sam changes the phone again while Jo chooses: her choice meets a new conflict.
    _save(setup, setup.sam, _read(setup, "carer", setup.carer_id, setup.sam), phone="3")
    with pytest.raises(EditConflictError) as again, unit_of_work(setup.engine) as session:
        record_edits.resolve_conflict(
            session, setup.jo, conflict.value, {"phone": Choice.MINE}, today=TODAY
        )
    [field] = again.value.fields
    assert (field.first_saw, field.theirs, field.mine) == ("1", "3", "2")
    assert _read(setup, "carer", setup.carer_id).values["phone"] == "3"


# --- The database's own check: a stale copy never overwrites --------------------------------


def test_a_stale_copy_is_refused_by_the_version_in_the_update(setup: Setup) -> None:
    """Whatever writes the row from an old read, the UPDATE's version check refuses it."""
    stale_session = sessionmaker(setup.engine, expire_on_commit=False)()
    try:
        stale = stale_session.get_one(Family, setup.family_id)
        stale_session.commit()  # Jo's copy is read; her transaction ends
        _save(setup, setup.sam, _read(setup, "family", setup.family_id, setup.sam), town="Leeds")
        stale.gp_practice = "Chapeltown Health Centre"
        with pytest.raises(Exception) as refused:
            stale_session.flush()
        assert type(refused.value).__name__ == "StaleDataError"
    finally:
        stale_session.rollback()
        stale_session.close()
    # And through the unit of work the user is told, not shown a traceback.
    with (
        pytest.raises(ConcurrentEditError, match="Nothing was overwritten"),
        unit_of_work(setup.engine) as session,
    ):
        family = session.get_one(Family, setup.family_id)
        _save(setup, setup.sam, _read(setup, "family", setup.family_id), gp_practice="X")
        family.town = "Bradford"
    now = _read(setup, "family", setup.family_id)
    assert (now.values["town"], now.values["gp_practice"]) == ("Leeds", "X")


@pytest.mark.postgres
def test_two_edits_at_the_same_moment_are_merged_one_after_the_other(
    postgres_engine: Engine,
) -> None:
    """Two real sessions on PostgreSQL: Sam's edit waits on Jo's lock, then merges."""
    setup = _make_setup(postgres_engine)
    jo_saw = _read(setup, "family", setup.family_id)
    sam_saw = _read(setup, "family", setup.family_id, setup.sam)
    sam_result: list[Any] = []
    jo_session_started = threading.Event()

    def sam_saves() -> None:
        jo_session_started.wait(10)
        try:
            sam_result.append(_save(setup, setup.sam, sam_saw, town="Leeds"))
        except Exception as error:  # reported by the assertion below
            sam_result.append(error)

    sam = threading.Thread(target=sam_saves)
    sam.start()
    with unit_of_work(setup.engine) as session:
        record_edits.edit_family(
            session,
            setup.jo,
            setup.family_id,
            base=jo_saw.base,
            changes={"postcode": "LS8 1AA"},
            today=TODAY,
        )
        jo_session_started.set()
        sam.join(0.5)
        assert sam.is_alive(), "Sam's edit waits for Jo's to commit"
    sam.join(10)
    [result] = sam_result
    assert isinstance(result, record_edits.EditSaved), result
    assert result.kept_theirs == ("Postcode",)
    now = _read(setup, "family", setup.family_id)
    assert (now.values["town"], now.values["postcode"]) == ("Leeds", "LS8 1AA")
