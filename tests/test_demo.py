"""The demo caseload: realistic, reproducible, and never mixed into real records.

Most checks read one 300-child demo generated once for the module (SQLite); the
checks that matter on both engines (reproducibility, refusal) use ``engine``.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from healthvisitor.demo import DemoSummary, _GrowthCurves, generate_demo
from healthvisitor.domain.enums import (
    ContactKind,
    ContactOutcome,
    MeasurementKind,
    PregnancyOutcome,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    Sex,
)
from healthvisitor.domain.growth_reference import uk_who_result, uk_who_value_for_sds
from healthvisitor.domain.schedule import child_review_windows
from healthvisitor.domain.validation import (
    Gestation,
    check_measurement_against_reference,
    check_measurement_value,
    clean_nhs_number,
)
from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import (
    AuditEvent,
    Base,
    Carer,
    Child,
    Contact,
    Family,
    Measurement,
    Pregnancy,
    Referral,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from tests import factories

TODAY = dt.date(2026, 11, 24)
CHILDREN = 300


@dataclass(frozen=True)
class GeneratedDemo:
    engine: Engine
    summary: DemoSummary


@pytest.fixture(scope="module")
def demo(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GeneratedDemo]:
    """One 300-child demo (seed 1) for the read-only checks in this module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(_sqlite_template, path)
    engine = create_database_engine(f"sqlite:///{path}")
    summary = generate_demo(engine, children=CHILDREN, seed=1, today=TODAY)
    yield GeneratedDemo(engine, summary)
    engine.dispose()


def canonical_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the demo writes, in id order.

    The seeded referral types are left out (the migration stamps them with the
    time it ran), and so is the audit event's ``occurred_at`` (the real time).
    """
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == ReferralType.__tablename__:
                continue
            columns = [c for c in table.columns if c.name != "occurred_at"]
            rows = connection.execute(select(*columns)).all()
            dump[table.name] = sorted((tuple(row) for row in rows), key=lambda row: str(row[0]))
    return dump


def rows(engine: Engine, model: type[Base]) -> list[Any]:
    with Session(engine) as session:
        return list(session.scalars(select(model)))


# --- Reproducible ------------------------------------------------------------------


def test_the_same_seed_gives_identical_data_on_either_engine(
    engine: Engine, demo: GeneratedDemo
) -> None:
    summary = generate_demo(engine, children=CHILDREN, seed=1, today=TODAY)
    assert summary == demo.summary
    assert canonical_dump(engine) == canonical_dump(demo.engine)


def test_a_different_seed_gives_different_data(sqlite_engine: Engine, demo: GeneratedDemo) -> None:
    generate_demo(sqlite_engine, children=CHILDREN, seed=2, today=TODAY)
    other, first = canonical_dump(sqlite_engine), canonical_dump(demo.engine)
    assert other["children"] != first["children"]
    ids = {row[0] for table in first.values() for row in table}
    assert not ids & {row[0] for table in other.values() for row in table}


def test_the_summary_counts_what_was_written_and_is_audited(demo: GeneratedDemo) -> None:
    with Session(demo.engine) as session:

        def count(model: type[Base]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        assert demo.summary == DemoSummary(
            teams=count(Team),
            users=count(User),
            families=count(Family),
            children=count(Child),
            pregnancies=count(Pregnancy),
            contacts=count(Contact),
            measurements=count(Measurement),
            referrals=count(Referral),
            safeguarding_flags=count(SafeguardingEntry),
        )
        assert demo.summary.children == CHILDREN
        (event,) = session.scalars(select(AuditEvent)).all()
    assert event.action == "demo_data_created"
    assert event.user_id is None
    details = json.loads(event.details)
    assert details["seed"] == 1
    assert details["created"] == asdict(demo.summary)


# --- Safe -----------------------------------------------------------------------------


def test_a_database_with_children_is_refused_and_left_unchanged(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        factories.child(session, factories.family(session, team))
    before = canonical_dump(engine)
    with pytest.raises(HealthVisitorError, match="already holds children"):
        generate_demo(engine, children=20, seed=1, today=TODAY)
    assert canonical_dump(engine) == before


def test_nhs_numbers_are_valid_unique_and_from_the_never_issued_range(
    demo: GeneratedDemo,
) -> None:
    numbers = [child.nhs_number for child in rows(demo.engine, Child)]
    assert len(set(numbers)) == len(numbers) == CHILDREN
    for number in numbers:
        assert number.startswith("999")
        assert clean_nhs_number(number) == number


def test_phone_numbers_and_postcodes_cannot_be_real(demo: GeneratedDemo) -> None:
    for carer in rows(demo.engine, Carer):
        assert carer.phone == "" or re.fullmatch(r"07700 900\d{3}", carer.phone)
    for family in rows(demo.engine, Family):
        assert re.fullmatch(r"ZY\d{1,2} \d[A-Z]{2}", family.postcode)


# --- Realistic ------------------------------------------------------------------------


def test_staff_scale_with_the_caseload(demo: GeneratedDemo) -> None:
    users = rows(demo.engine, User)
    teams = rows(demo.engine, Team)
    by_role = collections.Counter(user.role for user in users)
    assert len(teams) >= 2
    assert by_role[Role.TEAM_LEAD] == len(teams)
    assert by_role[Role.HEALTH_VISITOR] >= 2 * len(teams)
    assert by_role[Role.ADMINISTRATOR] == 1
    assert all(re.fullmatch(r"[a-z]+\d*", user.username) for user in users)
    assert len({user.username for user in users}) == len(users)


def test_children_are_under_five_and_some_await_allocation(demo: GeneratedDemo) -> None:
    children = rows(demo.engine, Child)
    five_years_ago = TODAY.replace(year=TODAY.year - 5)
    assert all(five_years_ago < child.date_of_birth < TODAY for child in children)
    unallocated = sum(child.health_visitor_id is None for child in children)
    assert 0 < unallocated < 0.1 * len(children)
    preterm = sum(child.gestation_weeks < 37 for child in children)
    assert 0.03 * len(children) < preterm < 0.15 * len(children)
    by_family = collections.Counter(child.family_id for child in children)
    assert collections.Counter(by_family.values())[1] < len(by_family)  # siblings


def test_children_carry_their_household_name_except_foster_children(demo: GeneratedDemo) -> None:
    # A caseload reads "Freya Barker, Barker family": siblings share the name.
    families = {family.id: family for family in rows(demo.engine, Family)}
    looked_after = {
        entry.child_id
        for entry in rows(demo.engine, SafeguardingEntry)
        if entry.status is SafeguardingStatus.LOOKED_AFTER
    }
    children = rows(demo.engine, Child)
    differ = [c for c in children if c.family_name != families[c.family_id].family_name]
    assert all(child.id in looked_after for child in differ)
    assert len(differ) < 0.05 * len(children)


def test_contacts_and_measurements_fall_between_birth_and_today(demo: GeneratedDemo) -> None:
    children = {child.id: child for child in rows(demo.engine, Child)}
    for contact in rows(demo.engine, Contact):
        assert contact.contact_date <= TODAY
        assert contact.created_at.date() == contact.contact_date
        if contact.child_id is not None:
            child = children[contact.child_id]
            assert contact.contact_date >= child.date_of_birth
            assert contact.contact_date <= (child.record_status_date or TODAY)
    for measurement in rows(demo.engine, Measurement):
        assert children[measurement.child_id].date_of_birth <= measurement.measured_on <= TODAY


def test_antenatal_reviews_are_before_the_birth(demo: GeneratedDemo) -> None:
    pregnancies = {p.id: p for p in rows(demo.engine, Pregnancy)}
    born = {c.pregnancy_id: c.date_of_birth for c in rows(demo.engine, Child) if c.pregnancy_id}
    antenatal = [c for c in rows(demo.engine, Contact) if c.kind is ContactKind.ANTENATAL]
    assert antenatal
    for contact in antenatal:
        assert contact.pregnancy_id is not None
        pregnancy = pregnancies[contact.pregnancy_id]
        if pregnancy.outcome is PregnancyOutcome.LIVE_BIRTH:
            assert contact.contact_date < born[pregnancy.id]
    outcomes = collections.Counter(p.outcome for p in pregnancies.values())
    assert outcomes[PregnancyOutcome.ONGOING] and outcomes[PregnancyOutcome.LIVE_BIRTH]
    ongoing = [p for p in pregnancies.values() if p.outcome is PregnancyOutcome.ONGOING]
    assert all(TODAY < p.estimated_delivery_date <= TODAY + dt.timedelta(weeks=16) for p in ongoing)


def review_outcomes(engine: Engine) -> collections.Counter[str]:
    """How each mandated review went, per child, in words a team lead would use."""
    by_review: dict[tuple[uuid.UUID, ContactKind], list[Contact]] = collections.defaultdict(list)
    for contact in rows(engine, Contact):
        if contact.child_id is not None:
            by_review[(contact.child_id, contact.kind)].append(contact)
    tally: collections.Counter[str] = collections.Counter()
    for child in rows(engine, Child):
        on_caseload_until = child.record_status_date or TODAY
        for window in child_review_windows(child.date_of_birth):
            contacts = sorted(by_review[(child.id, window.kind)], key=lambda c: c.contact_date)
            done = [c for c in contacts if c.outcome is ContactOutcome.COMPLETED]
            outcomes = [c.outcome for c in contacts]
            if done:
                tally["on time" if done[0].contact_date <= window.target_by else "late"] += 1
                if outcomes[0] is ContactOutcome.NOT_ATTENDED:
                    tally["not attended then rebooked"] += 1
            elif ContactOutcome.DECLINED in outcomes:
                tally["declined"] += 1
            elif not contacts and window.closes < min(TODAY, on_caseload_until):
                tally["missed"] += 1
    return tally


def test_every_review_outcome_appears_in_realistic_shares(demo: GeneratedDemo) -> None:
    tally = review_outcomes(demo.engine)
    for outcome in ("on time", "late", "missed", "declined", "not attended then rebooked"):
        assert tally[outcome] > 0, outcome
    # Most reviews are on time, as in the national figures (DOMAIN.md).
    assert tally["on time"] > 0.65 * sum(
        tally[o] for o in ("on time", "late", "missed", "declined")
    )


def test_reviews_are_sometimes_delegated(demo: GeneratedDemo) -> None:
    contacts = [c for c in rows(demo.engine, Contact) if c.accountable_health_visitor_id]
    delegated = sum(c.delivered_by_id != c.accountable_health_visitor_id for c in contacts)
    assert 0.05 * len(contacts) < delegated < 0.3 * len(contacts)


def test_every_referral_status_appears_with_consistent_dates(demo: GeneratedDemo) -> None:
    referrals = rows(demo.engine, Referral)
    with Session(demo.engine) as session:
        types = session.execute(select(ReferralType.id, ReferralType.code))
        codes = {type_id: code for type_id, code in types}
    assert {r.status for r in referrals} == set(ReferralStatus)
    assert 0.05 * CHILDREN <= len(referrals) <= 0.2 * CHILDREN
    for referral in referrals:
        assert referral.made_on <= TODAY
        finished = not referral.status.is_open
        assert (referral.closed_on is not None) == finished
        assert bool(referral.outcome) == finished
        if referral.closed_on:
            assert referral.made_on <= referral.closed_on <= TODAY
        if codes[referral.referral_type_id] == "stop_smoking":
            assert referral.carer_id is not None and referral.child_id is None
    open_follow_ups = [r.follow_up_on for r in referrals if r.status.is_open and r.follow_up_on]
    assert any(day < TODAY for day in open_follow_ups)  # overdue
    assert any(day >= TODAY for day in open_follow_ups)  # still to come


def test_safeguarding_flags_a_small_share_with_history(demo: GeneratedDemo) -> None:
    entries = rows(demo.engine, SafeguardingEntry)
    flagged_children = {e.child_id for e in entries if e.child_id}
    assert 0.01 * CHILDREN <= len(flagged_children) <= 0.10 * CHILDREN
    for entry in entries:
        on_pregnancy = entry.status is SafeguardingStatus.PRE_BIRTH_PLAN
        assert (entry.pregnancy_id is not None) == on_pregnancy
        assert entry.end_date is None or entry.end_date >= entry.start_date
    levels = collections.Counter(e.child_id for e in rows(demo.engine, ServiceLevelEntry))
    assert set(levels) == {child.id for child in rows(demo.engine, Child)}
    assert any(count > 1 for count in levels.values())


# --- Growth ------------------------------------------------------------------------------


def test_every_measurement_is_possible_and_a_sample_fits_uk_who(demo: GeneratedDemo) -> None:
    children = {child.id: child for child in rows(demo.engine, Child)}
    measurements = rows(demo.engine, Measurement)
    for measurement in measurements:
        check_measurement_value(measurement.kind, measurement.value)
    sample = random.Random(0).sample(measurements, 200)
    scores = []
    for measurement in sample:
        child = children[measurement.child_id]
        gestation = Gestation(child.gestation_weeks, child.gestation_days)
        check_measurement_against_reference(
            kind=measurement.kind,
            value=measurement.value,
            sex=child.sex,
            date_of_birth=child.date_of_birth,
            measured_on=measurement.measured_on,
            gestation=gestation,
        )
        scores.append(_sds(child, measurement))
    # Children follow their own centiles, so the caseload looks like the reference.
    mean = sum(scores) / len(scores)
    spread = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
    assert abs(mean) < 0.3
    assert 0.7 < spread < 1.3


def test_a_few_children_falter_across_the_first_year(demo: GeneratedDemo) -> None:
    children = {child.id: child for child in rows(demo.engine, Child)}
    at_birth: dict[uuid.UUID, Measurement] = {}
    at_one: dict[uuid.UUID, Measurement] = {}
    for m in rows(demo.engine, Measurement):
        if m.kind is MeasurementKind.WEIGHT:
            age = (m.measured_on - children[m.child_id].date_of_birth).days
            if age == 0:
                at_birth[m.child_id] = m
            elif 270 <= age <= 460:
                at_one[m.child_id] = m
    falls = [
        _sds(children[child_id], at_birth[child_id]) - _sds(children[child_id], measurement)
        for child_id, measurement in at_one.items()
    ]
    # Two centile spaces (1.33 SDS) is faltering for most babies (NICE NG75).
    faltering = sum(fall >= 1.33 for fall in falls)
    assert 0 < faltering < 0.1 * len(falls)


def _sds(child: Child, measurement: Measurement) -> float:
    result = uk_who_result(
        kind=measurement.kind,
        value=measurement.value,
        sex=child.sex,
        date_of_birth=child.date_of_birth,
        measured_on=measurement.measured_on,
        gestation_weeks=child.gestation_weeks,
        gestation_days=child.gestation_days,
    )
    sds = result.corrected_sds
    assert sds is not None, result.error
    return sds


@pytest.mark.parametrize("kind", [MeasurementKind.WEIGHT, MeasurementKind.LENGTH])
def test_interpolated_reference_values_match_rcpchgrowth(kind: MeasurementKind) -> None:
    """The demo's fast growth curves stay within 0.5% of rcpchgrowth's exact values."""
    curves = _GrowthCurves()
    draw = random.Random(kind.value)
    for _ in range(40):
        sex = draw.choice(list(Sex))
        age_days, sds = draw.randint(-70, 1800), draw.uniform(-3, 3)
        exact = uk_who_value_for_sds(kind=kind, sex=sex, decimal_age=age_days / 365.25, sds=sds)
        assert curves.value(kind, sex, age_days, sds) == pytest.approx(exact, rel=0.005)
