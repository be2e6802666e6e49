"""The demo's newborn screening and immunisations (issue 6): plausible, and as the
service would accept them."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import NewbornScreeningResult, NewbornScreeningTest
from healthvisitor.domain.immunisations import VACCINES, DoseStatus, immunisation_plan
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import Child, Immunisation, NewbornScreening
from healthvisitor.services.screening import EARLIEST_VACCINE_AGE_DAYS, SCREENING_AGE_DAYS

TODAY = dt.date(2026, 11, 24)


def test_demo_screening_and_immunisations_are_plausible(
    _sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "demo.db"
    shutil.copy(_sqlite_template, path)
    engine = create_database_engine(f"sqlite:///{path}")
    generate_demo(engine, children=200, seed=5, today=TODAY)
    with Session(engine) as session:
        born = {i: d for i, d in session.execute(select(Child.id, Child.date_of_birth))}
        screenings = session.scalars(select(NewbornScreening)).all()
        doses = session.scalars(select(Immunisation)).all()
    engine.dispose()
    assert {s.child_id for s in screenings} == set(born)  # every child has some
    for s in screenings:
        earliest, latest = SCREENING_AGE_DAYS[s.test]
        assert earliest <= (s.screened_on - born[s.child_id]).days <= latest
        assert s.screened_on <= TODAY
        if s.result in (NewbornScreeningResult.DECLINED, NewbornScreeningResult.NOT_DONE):
            assert s.note
    assert Counter(s.test for s in screenings)[NewbornScreeningTest.BLOOD_SPOT] == len(born)
    assert {s.result for s in screenings} > {NewbornScreeningResult.NO_FURTHER_ACTION}
    assert len({(d.child_id, d.vaccine, d.dose) for d in doses}) == len(doses)
    for d in doses:
        assert d.vaccine in VACCINES
        assert (d.given_on - born[d.child_id]).days >= EARLIEST_VACCINE_AGE_DAYS
        assert d.given_on <= TODAY
    given: dict[object, list[tuple[str, int, dt.date]]] = {}
    for d in doses:
        given.setdefault(d.child_id, []).append((d.vaccine, d.dose, d.given_on))
    statuses = Counter(
        p.status
        for child_id, birthday in born.items()
        for p in immunisation_plan(birthday, given.get(child_id, []), TODAY)
    )
    # Mostly given; some overdue, to show on the record and the red book.
    assert statuses[DoseStatus.GIVEN] > 5 * statuses[DoseStatus.OVERDUE] > 0


def test_the_same_seed_gives_the_same_screening(_sqlite_template: Path, tmp_path: Path) -> None:
    rows = []
    for run in range(2):
        path = tmp_path / f"demo{run}.db"
        shutil.copy(_sqlite_template, path)
        engine = create_database_engine(f"sqlite:///{path}")
        generate_demo(engine, children=40, seed=9, today=TODAY)
        with Session(engine) as session:
            rows.append(
                session.execute(
                    select(Immunisation.id, Immunisation.given_on, Immunisation.batch).order_by(
                        Immunisation.id
                    )
                ).all()
            )
        engine.dispose()
    assert rows[0] == rows[1] and rows[0]
