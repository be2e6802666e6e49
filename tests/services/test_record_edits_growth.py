"""Correcting a child's date of birth, sex or gestation recomputes every stored centile.

Hazard: wrong centile. Each measurement keeps the SDS and centile rcpchgrowth
gave when it was saved, for the date of birth, sex and gestation of the day.
A correction to any of those places every measurement on the UK-WHO chart
again in the same transaction; the expected values here come from rcpchgrowth
itself, not from the app. A correction that leaves a measurement impossible to
plot (dated before the new date of birth) is refused and nothing changes.
Each case runs on SQLite and on the real PostgreSQL server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import uuid
from typing import Any

import pytest
import rcpchgrowth
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from healthvisitor.domain.enums import (
    AgeUsed,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    Sex,
)
from healthvisitor.domain.validation import Gestation
from healthvisitor.errors import ValidationError
from healthvisitor.persistence.models import AuditEvent, Child, Measurement
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import record_edits
from healthvisitor.services.actor import Actor
from healthvisitor.services.contacts import ContactEntry, MeasurementEntry, record_contact
from healthvisitor.services.records import (
    ChildDetails,
    FamilyDetails,
    create_family,
    register_child,
)
from tests import factories

BORN = dt.date(2026, 6, 1)
VISITED = dt.date(2026, 6, 13)  # the new birth visit, day 12
TODAY = dt.date(2026, 11, 24)


@dataclasses.dataclass(frozen=True)
class Baby:
    engine: Engine
    hv: Actor
    child_id: uuid.UUID


@pytest.fixture
def baby(engine: Engine) -> Baby:
    """A girl born at term on 1 June with a birth weight, weighed and measured at day 12."""
    return make_baby(engine)


def make_baby(engine: Engine) -> Baby:
    with unit_of_work(engine) as session:
        hv = factories.actor(factories.user(session, factories.team(session, "North")))
        family_id = create_family(session, hv, FamilyDetails("Khan"))
        child = register_child(
            session,
            hv,
            ChildDetails(
                nhs_number=factories.nhs_number(7),
                given_name="Amelia",
                family_name="Khan",
                date_of_birth=BORN,
                sex=Sex.FEMALE,
                gestation_weeks=40,
                gestation_days=0,
                birth_weight_kg=3.4,
                family_id=family_id,
                health_visitor_id=hv.user_id,
            ),
            today=TODAY,
        )
        record_contact(
            session,
            hv,
            ContactEntry(
                kind=ContactKind.NEW_BIRTH_VISIT,
                child_id=child.id,
                contact_date=VISITED,
                location=ContactLocation.HOME,
                outcome=ContactOutcome.COMPLETED,
                delivered_by_id=hv.user_id,
                accountable_health_visitor_id=hv.user_id,
                measurements=(
                    MeasurementEntry(MeasurementKind.WEIGHT, 3.55),
                    MeasurementEntry(MeasurementKind.LENGTH, 51.0),
                ),
            ),
            today=TODAY,
        )
    return Baby(engine, hv, child.id)


def _rcpch(
    sex: str, born: dt.date, measured: dt.date, method: str, value: float, weeks: int = 40
) -> dict[str, Any]:
    """What rcpchgrowth itself gives (TOOLCHAIN.md), not the app's own code."""
    result: dict[str, Any] = rcpchgrowth.Measurement(
        sex=sex,
        birth_date=born,
        observation_date=measured,
        measurement_method=method,
        observation_value=value,
        reference="uk-who",
        gestation_weeks=weeks,
        gestation_days=0,
    ).measurement
    return {**result["measurement_calculated_values"], **result["measurement_dates"]}


def _stored(baby: Baby) -> dict[tuple[MeasurementKind, bool], tuple[Any, ...]]:
    """Each measurement's stored chart position, keyed by kind and "is the birth weight"."""
    with unit_of_work(baby.engine) as session:
        rows = session.scalars(select(Measurement).where(Measurement.child_id == baby.child_id))
        return {
            (row.kind, row.contact_id is None): (
                row.measured_on,
                row.value,
                row.sds,
                row.centile,
                row.age_used,
                row.decimal_age,
            )
            for row in rows
        }


def _edit(baby: Baby, **changes: Any) -> record_edits.EditSaved:
    with unit_of_work(baby.engine) as session:
        seen = record_edits.editable_child(session, baby.hv, baby.child_id)
    with unit_of_work(baby.engine) as session:
        return record_edits.edit_child(
            session, baby.hv, baby.child_id, base=seen.base, changes=changes, today=TODAY
        )


def _updates(baby: Baby) -> list[dict[str, Any]]:
    with unit_of_work(baby.engine) as session:
        rows = session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.entity_id == baby.child_id, AuditEvent.action == "update"
            )
        ).all()
    return [json.loads(row) for row in rows]


WEIGHT_AT_VISIT = (MeasurementKind.WEIGHT, False)
LENGTH_AT_VISIT = (MeasurementKind.LENGTH, False)
BIRTH_WEIGHT = (MeasurementKind.WEIGHT, True)


def test_a_corrected_date_of_birth_recomputes_every_centile_as_rcpchgrowth_gives(
    baby: Baby,
) -> None:
    before = _stored(baby)
    born = BORN - dt.timedelta(days=5)  # the registration had the wrong day: 17 days old

    saved = _edit(baby, date_of_birth=born)

    after = _stored(baby)
    for key, method, value in (
        (WEIGHT_AT_VISIT, "weight", 3.55),
        (LENGTH_AT_VISIT, "height", 51.0),
    ):
        expected = _rcpch("female", born, VISITED, method, value)
        measured_on, kept_value, sds, centile, age_used, decimal_age = after[key]
        assert (measured_on, kept_value) == (VISITED, value)  # what was measured never changes
        assert sds == pytest.approx(expected["chronological_sds"], rel=1e-12)
        assert centile == pytest.approx(expected["chronological_centile"], rel=1e-12)
        assert decimal_age == pytest.approx(expected["chronological_decimal_age"], rel=1e-12)
        assert age_used is AgeUsed.CHRONOLOGICAL
        assert centile != pytest.approx(before[key][3], abs=0.5)  # it really moved
    # The birth weight is the weight at birth: it moves with the date of birth.
    at_birth = _rcpch("female", born, born, "weight", 3.4)
    assert after[BIRTH_WEIGHT][0] == born
    assert after[BIRTH_WEIGHT][3] == pytest.approx(at_birth["chronological_centile"], rel=1e-12)
    assert saved.centiles_recomputed == 3
    (update,) = _updates(baby)
    assert update["changes"] == {
        "date_of_birth": {"old": BORN.isoformat(), "new": born.isoformat()}
    }
    assert update["centiles_recomputed"] == 3


def test_a_corrected_sex_recomputes_every_centile_on_the_boys_chart(baby: Baby) -> None:
    before = _stored(baby)

    _edit(baby, sex=Sex.MALE)

    after = _stored(baby)
    for key, method, value, measured in (
        (WEIGHT_AT_VISIT, "weight", 3.55, VISITED),
        (LENGTH_AT_VISIT, "height", 51.0, VISITED),
        (BIRTH_WEIGHT, "weight", 3.4, BORN),
    ):
        expected = _rcpch("male", BORN, measured, method, value)
        assert after[key][2] == pytest.approx(expected["chronological_sds"], rel=1e-12)
        assert after[key][3] == pytest.approx(expected["chronological_centile"], rel=1e-12)
        assert after[key][3] < before[key][3]  # the same weight is lower on the boys' chart
    (update,) = _updates(baby)
    assert update["centiles_recomputed"] == 3


def test_a_corrected_gestation_plots_at_corrected_age(baby: Baby) -> None:
    _edit(baby, gestation=Gestation(34, 0))  # preterm: corrected age until 1 year (RCPCH)

    after = _stored(baby)
    expected = _rcpch("female", BORN, VISITED, "weight", 3.55, weeks=34)
    assert after[WEIGHT_AT_VISIT][4] is AgeUsed.CORRECTED
    assert after[WEIGHT_AT_VISIT][2] == pytest.approx(expected["corrected_sds"], rel=1e-12)
    assert after[WEIGHT_AT_VISIT][3] == pytest.approx(expected["corrected_centile"], rel=1e-12)
    assert after[WEIGHT_AT_VISIT][5] == pytest.approx(expected["corrected_decimal_age"], rel=1e-12)


def test_a_date_of_birth_after_a_measurement_is_refused_and_nothing_changes(
    baby: Baby,
) -> None:
    before = _stored(baby)
    too_late = VISITED + dt.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        _edit(baby, date_of_birth=too_late)

    messages = refused.value.for_field("date_of_birth")
    assert len(messages) == 2  # the weight and the length at the visit, each named
    assert all(message.startswith("Not saved:") for message in messages)
    assert "weight of 3.55 kg measured on 13 Jun 2026" in messages[0]
    assert "before the child was born (14 Jun 2026)" in messages[0]
    assert _stored(baby) == before
    with unit_of_work(baby.engine) as session:
        assert session.get_one(Child, baby.child_id).date_of_birth == BORN
    assert _updates(baby) == []


def test_other_details_leave_the_centiles_alone(baby: Baby) -> None:
    before = _stored(baby)

    saved = _edit(baby, given_name="Amilah")

    assert _stored(baby) == before
    assert saved.centiles_recomputed is None
    (update,) = _updates(baby)
    assert "centiles_recomputed" not in update


def test_a_centile_worked_out_elsewhere_is_put_right_with_the_saved_details(
    baby: Baby,
) -> None:
    """What the offline push would need: a laptop's centile from old details, replotted."""
    with unit_of_work(baby.engine) as session:
        weight = session.scalars(
            select(Measurement).where(
                Measurement.child_id == baby.child_id,
                Measurement.kind == MeasurementKind.WEIGHT,
                Measurement.contact_id.is_not(None),
            )
        ).one()
        weight.sds, weight.centile = 3.0, 99.9  # as computed for another date of birth

    with unit_of_work(baby.engine) as session:
        assert record_edits.replot_child_growth(session, baby.child_id) == 3

    expected = _rcpch("female", BORN, VISITED, "weight", 3.55)
    stored = _stored(baby)[WEIGHT_AT_VISIT]
    assert stored[2] == pytest.approx(expected["chronological_sds"], rel=1e-12)
    assert stored[3] == pytest.approx(expected["chronological_centile"], rel=1e-12)


@pytest.mark.postgres
def test_a_contact_saved_during_a_correction_waits_and_is_charted_with_it(
    postgres_engine: Engine,
) -> None:
    """Two laptops at once: the correction holds the child; the contact waits, then uses it."""
    baby_ = make_baby(postgres_engine)
    with unit_of_work(postgres_engine) as session:
        seen = record_edits.editable_child(session, baby_.hv, baby_.child_id)
    born = BORN - dt.timedelta(days=6)
    factory = sessionmaker(postgres_engine, expire_on_commit=False)
    correcting = factory()
    record_edits.edit_child(
        correcting,
        baby_.hv,
        baby_.child_id,
        base=seen.base,
        changes={"date_of_birth": born},
        today=TODAY,
    )  # not yet committed: the child's row is held
    weighed_on = VISITED + dt.timedelta(days=14)
    errors: list[BaseException] = []

    def weigh() -> None:
        try:
            with unit_of_work(postgres_engine) as session:
                record_contact(
                    session,
                    baby_.hv,
                    ContactEntry(
                        kind=ContactKind.OTHER,
                        child_id=baby_.child_id,
                        contact_date=weighed_on,
                        location=ContactLocation.CLINIC,
                        outcome=ContactOutcome.COMPLETED,
                        delivered_by_id=baby_.hv.user_id,
                        accountable_health_visitor_id=baby_.hv.user_id,
                        measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 4.1),),
                    ),
                    today=TODAY,
                )
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    weighing = threading.Thread(target=weigh)
    weighing.start()
    weighing.join(timeout=1.5)
    assert weighing.is_alive(), "the contact waited for the correction"
    correcting.commit()
    correcting.close()
    weighing.join(timeout=30)
    assert not weighing.is_alive() and not errors, errors

    with unit_of_work(postgres_engine) as session:
        weight = session.scalars(
            select(Measurement).where(
                Measurement.child_id == baby_.child_id, Measurement.measured_on == weighed_on
            )
        ).one()
        expected = _rcpch("female", born, weighed_on, "weight", 4.1)
        assert weight.centile == pytest.approx(expected["chronological_centile"], rel=1e-12)
