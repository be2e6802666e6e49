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

from healthvisitor.demo import (
    ASQ3_CUTOFFS,
    DemoSummary,
    _GrowthCurves,
    asq3_zone,
    asq_se2_zone,
    generate_demo,
)
from healthvisitor.domain.enums import (
    AgeUsed,
    CarerRelationship,
    ContactKind,
    ContactOutcome,
    DevelopmentDomain,
    FalteringRule,
    FeedingStatus,
    MeasurementKind,
    PregnancyOutcome,
    RecordStatus,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.growth import (
    GrowthResult,
    assess_measurement,
    assess_measurement_quickly,
    implausible_change,
)
from healthvisitor.domain.growth_reference import uk_who_value_for_sds
from healthvisitor.domain.schedule import add_months, child_review_windows
from healthvisitor.domain.validation import Gestation, check_measurement_value, clean_nhs_number
from healthvisitor.errors import HealthVisitorError, ValidationError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import (
    AuditChainHead,
    AuditEvent,
    Base,
    Carer,
    Child,
    Contact,
    DevelopmentScore,
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
from healthvisitor.services.contacts import (
    FEEDING_REVIEWS,
    MATERNAL_MOOD_REVIEWS,
    ContactEntry,
    DevelopmentEntry,
    MeasurementEntry,
    _check_findings,
    _Problems,
)
from healthvisitor.services.growth_alerts import alerts_for_children
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


NOT_REPRODUCIBLE = {"occurred_at", "row_hash", "last_hash", "chain_id"}


def canonical_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the demo writes, in a stable order.

    The seeded referral types are left out (the migration stamps them with the
    time it ran), and so is the audit event's ``occurred_at`` (the real time), with
    the audit chain's hashes and chain id (made from that time and a per-database key).
    """
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == ReferralType.__tablename__:
                continue
            columns = [c for c in table.columns if c.name not in NOT_REPRODUCIBLE]
            rows = connection.execute(select(*columns)).all()
            dump[table.name] = sorted(
                (tuple(row) for row in rows), key=lambda row: tuple(map(str, row))
            )
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
    # The audit chain head's id is always 1 (one row), not a generated id.
    with_ids = [
        name
        for name in first
        if "id" in Base.metadata.tables[name].c and name != AuditChainHead.__tablename__
    ]
    ids = {row[0] for table in with_ids for row in first[table]}
    assert not ids & {row[0] for table in with_ids for row in other[table]}


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


def test_every_measurement_is_saved_with_its_uk_who_result_as_the_app_saves_it(
    demo: GeneratedDemo,
) -> None:
    children = {child.id: child for child in rows(demo.engine, Child)}
    measurements = rows(demo.engine, Measurement)
    for measurement in measurements:
        check_measurement_value(measurement.kind, measurement.value)
        assert measurement.sds is not None and measurement.centile is not None
        assert measurement.age_used is not None and measurement.decimal_age is not None
        assert measurement.growth_reference == "uk-who"
    # The app's own rule (assess_measurement: rcpchgrowth, and the RCPCH guidance on
    # which age) gives exactly the stored numbers; preterm babies at corrected age too.
    corrected = [m for m in measurements if m.age_used is AgeUsed.CORRECTED]
    sample = random.Random(0).sample(measurements, 150)
    sample += random.Random(1).sample(corrected, min(40, len(corrected)))
    assert corrected
    for measurement in sample:
        child = children[measurement.child_id]
        expected = assess_measurement(
            measurement.kind,
            measurement.value,
            sex=child.sex,
            date_of_birth=child.date_of_birth,
            gestation=Gestation(child.gestation_weeks, child.gestation_days),
            measured_on=measurement.measured_on,
        )
        stored = (
            measurement.sds,
            measurement.centile,
            measurement.age_used,
            measurement.decimal_age,
            measurement.growth_reference,
        )
        assert stored == (
            expected.sds,
            expected.centile,
            expected.age_used,
            expected.decimal_age,
            expected.reference,
        )
    # Children follow their own centiles, so the caseload looks like the reference.
    scores = [m.sds for m in measurements if m.sds is not None]
    mean = sum(scores) / len(scores)
    spread = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
    assert abs(mean) < 0.3
    assert 0.7 < spread < 1.3


def test_implausible_changes_are_confirmed_as_the_app_asks(demo: GeneratedDemo) -> None:
    """Saved in date order, each measurement is checked against the last of its kind."""
    by_child: dict[uuid.UUID, list[Measurement]] = collections.defaultdict(list)
    for measurement in rows(demo.engine, Measurement):
        by_child[measurement.child_id].append(measurement)
    for measurements in by_child.values():
        latest: dict[MeasurementKind, GrowthResult] = {}
        for m in sorted(measurements, key=lambda m: (m.measured_on, m.recorded_at)):
            assert m.sds is not None and m.centile is not None and m.age_used is not None
            result = GrowthResult(
                m.kind, m.value, m.measured_on, m.sds, m.centile, m.age_used, m.decimal_age or 0
            )
            asked = implausible_change(latest.get(m.kind), result) is not None
            assert m.change_confirmed == asked
            latest[m.kind] = result


def test_every_child_has_a_birth_weight_on_the_date_of_birth(demo: GeneratedDemo) -> None:
    at_birth = collections.Counter(
        (m.child_id, m.value)
        for m in rows(demo.engine, Measurement)
        if m.kind is MeasurementKind.WEIGHT and m.contact_id is None
    )
    born = {c.id: c.date_of_birth for c in rows(demo.engine, Child)}
    for child in rows(demo.engine, Child):
        assert child.birth_weight_kg is not None
        assert at_birth[(child.id, child.birth_weight_kg)] == 1
    for m in rows(demo.engine, Measurement):
        if m.contact_id is None:
            assert m.measured_on == born[m.child_id]


def test_every_ng75_alert_shows_on_the_caseload(demo: GeneratedDemo) -> None:
    with Session(demo.engine) as session:
        active = [
            (child.id, child.date_of_birth)
            for child in session.scalars(
                select(Child).where(Child.record_status == RecordStatus.ACTIVE)
            )
        ]
        alerts = alerts_for_children(session, active, today=TODAY)
    shown = collections.Counter(alert.rule for found in alerts.values() for alert in found)
    assert set(shown) == set(FalteringRule)
    # A few children (about 3% falter; NG75 catches some others), not many.
    assert len(alerts) < 0.1 * len(active)


def test_a_few_children_falter_across_the_first_year(demo: GeneratedDemo) -> None:
    children = {child.id: child for child in rows(demo.engine, Child)}
    at_birth: dict[uuid.UUID, float] = {}
    at_one: dict[uuid.UUID, float] = {}
    for m in rows(demo.engine, Measurement):
        if m.kind is MeasurementKind.WEIGHT and m.sds is not None:
            age = (m.measured_on - children[m.child_id].date_of_birth).days
            if age == 0:
                at_birth[m.child_id] = m.sds
            elif 270 <= age <= 460:
                at_one[m.child_id] = m.sds
    falls = [at_birth[child_id] - sds for child_id, sds in at_one.items()]
    # Two centile spaces (1.33 SDS) is faltering for most babies (NICE NG75).
    faltering = sum(fall >= 1.33 for fall in falls)
    assert 0 < faltering < 0.1 * len(falls)


def _quick_and_slow_cases() -> list[tuple[MeasurementKind, float, Sex, dt.date, Gestation, int]]:
    """Measurements for every part of UK-WHO: preterm, the ends of gestational
    correction, where the references meet, and a few impossible values."""
    draw = random.Random(7)
    born = dt.date(2022, 2, 27)
    gestations = [(24, 0), (26, 3), (31, 6), (32, 0), (34, 2), (36, 6), (37, 0), (39, 4), (42, 1)]
    cases = []
    for weeks, days in gestations:
        gestation = Gestation(weeks, days)
        correction_ends = (add_months(born, 24 if weeks < 32 else 12) - born).days
        ages = [0, 1, 10, 14, 15, 42, 364, 365, 366, 729, 730, 731, 1460, 1461, 1462]
        ages += [correction_ends - 1, correction_ends, *draw.sample(range(1827), 6)]
        for age_days in ages:
            kind = draw.choice(list(MeasurementKind))
            sex = draw.choice(list(Sex))
            corrected_days = age_days - (280 - gestation.total_days)
            try:
                value = uk_who_value_for_sds(
                    kind=kind,
                    sex=sex,
                    decimal_age=max(corrected_days, -100) / 365.25,
                    sds=draw.uniform(-3.5, 3.5),
                )
            except LookupError:
                value = draw.uniform(0.5, 60)
            if draw.random() < 0.08:  # impossible, or more than 8 SDS out
                value = draw.choice([0.2, 4.0, 150.0, 900.0])
            cases.append((kind, round(value, 2), sex, born, gestation, age_days))
    return cases


def test_quick_assessment_is_identical_to_assess_measurement() -> None:
    """The demo's fast path gives the very numbers (and errors) of the app's own rule."""
    for kind, value, sex, born, gestation, age_days in _quick_and_slow_cases():
        answers = []
        for assess in (assess_measurement, assess_measurement_quickly):
            try:
                answers.append(
                    assess(
                        kind,
                        value,
                        sex=sex,
                        date_of_birth=born,
                        gestation=gestation,
                        measured_on=born + dt.timedelta(days=age_days),
                    )
                )
            except ValidationError as error:
                answers.append(error.problems)
        assert answers[0] == answers[1], (kind, value, gestation, age_days)


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


# --- What completed reviews record ---------------------------------------------------------


@dataclass
class _Recorded:
    """The demo's contacts with their ASQ scores and measurements, and who the carers are."""

    contacts: list[Contact]
    scores: dict[uuid.UUID, list[DevelopmentScore]]
    measured: collections.Counter[uuid.UUID]
    family_of: dict[uuid.UUID, uuid.UUID]  # contact id -> family id
    carers: dict[uuid.UUID, list[Carer]]  # family id -> carers
    interpreter_needed: dict[uuid.UUID, bool]  # family id

    def completed(self, kind: ContactKind) -> list[Contact]:
        return [
            c for c in self.contacts if c.kind is kind and c.outcome is ContactOutcome.COMPLETED
        ]


@pytest.fixture(scope="module")
def recorded(demo: GeneratedDemo) -> _Recorded:
    contacts = rows(demo.engine, Contact)
    scores: dict[uuid.UUID, list[DevelopmentScore]] = collections.defaultdict(list)
    for score in rows(demo.engine, DevelopmentScore):
        scores[score.contact_id].append(score)
    measured = collections.Counter(
        m.contact_id for m in rows(demo.engine, Measurement) if m.contact_id
    )
    child_family = {c.id: c.family_id for c in rows(demo.engine, Child)}
    pregnancy_family = {p.id: p.family_id for p in rows(demo.engine, Pregnancy)}
    family_of = {
        c.id: child_family[c.child_id] if c.child_id else pregnancy_family[c.pregnancy_id]
        for c in contacts
    }
    carers: dict[uuid.UUID, list[Carer]] = collections.defaultdict(list)
    for carer in rows(demo.engine, Carer):
        carers[carer.family_id].append(carer)
    needed = {f.id: f.interpreter_needed for f in rows(demo.engine, Family)}
    return _Recorded(contacts, scores, measured, family_of, carers, needed)


def test_findings_are_recorded_only_where_the_app_allows_them(recorded: _Recorded) -> None:
    for contact in recorded.contacts:
        scores = recorded.scores[contact.id]
        entry = ContactEntry(
            kind=contact.kind,
            contact_date=contact.contact_date,
            location=contact.location,
            outcome=contact.outcome,
            delivered_by_id=contact.delivered_by_id,
            accountable_health_visitor_id=contact.accountable_health_visitor_id,
            child_id=contact.child_id,
            pregnancy_id=contact.pregnancy_id,
            who_was_seen=contact.who_was_seen,
            interpreter_used=contact.interpreter_used,
            notes=contact.notes,
            next_planned_contact=contact.next_planned_contact,
            measurements=tuple(  # the checks ask only whether there are any
                MeasurementEntry(MeasurementKind.WEIGHT, 1.0)
                for _ in range(recorded.measured[contact.id])
            ),
            feeding=contact.feeding,
            whooley_low_mood=contact.whooley_low_mood,
            whooley_loss_of_interest=contact.whooley_loss_of_interest,
            gad2_score=contact.gad2_score,
            mother_smokes=contact.mother_smokes,
            household_smokes=contact.household_smokes,
            carbon_monoxide_ppm=contact.carbon_monoxide_ppm,
            development=tuple(DevelopmentEntry(s.domain, s.score, s.zone) for s in scores),
        )
        problems = _Problems()
        _check_findings(entry, problems)  # the service's own checks of the findings
        assert not problems.found, (contact.kind, contact.outcome, problems.found)
        # Stricter than the service: nothing but a rebooking unless the contact took place.
        if contact.outcome is not ContactOutcome.COMPLETED:
            assert contact.who_was_seen == "" and not contact.interpreter_used
            assert contact.mother_smokes is None and contact.household_smokes is None
            assert contact.carbon_monoxide_ppm is None
        else:
            assert contact.who_was_seen
        if contact.carbon_monoxide_ppm is not None:
            assert contact.kind is ContactKind.ANTENATAL
        if scores:
            assert contact.kind in (ContactKind.ONE_YEAR, ContactKind.TWO_YEAR)
        if contact.feeding is not None:
            assert contact.kind in FEEDING_REVIEWS
        if contact.gad2_score is not None or contact.whooley_low_mood is not None:
            assert contact.kind in MATERNAL_MOOD_REVIEWS
        assert len(contact.notes) < 300  # short: the findings have their own fields


def test_feeding_and_maternal_mood_come_in_realistic_shares(recorded: _Recorded) -> None:
    breastfed = (FeedingStatus.TOTALLY_BREASTFED, FeedingStatus.PARTIALLY_BREASTFED)

    def breastfed_share(kind: ContactKind) -> float:
        feeding = [c.feeding for c in recorded.completed(kind)]
        known = [f for f in feeding if f is not None]
        assert 0.01 < 1 - len(known) / len(feeding) < 0.12  # about 5% not recorded
        return sum(f in breastfed for f in known) / len(known)

    # England: about half breastfed at 6-8 weeks, more at the new birth visit.
    at_six_weeks = breastfed_share(ContactKind.SIX_TO_EIGHT_WEEK)
    assert 0.4 < at_six_weeks < 0.65
    assert breastfed_share(ContactKind.NEW_BIRTH_VISIT) > at_six_weeks + 0.05

    asked = [
        c
        for kind in MATERNAL_MOOD_REVIEWS
        for c in recorded.completed(kind)
        if c.whooley_low_mood is not None
    ]
    assert len(asked) > 0.7 * sum(len(recorded.completed(k)) for k in MATERNAL_MOOD_REVIEWS)
    positive = [c for c in asked if c.whooley_low_mood or c.whooley_loss_of_interest]
    assert 0.06 < len(positive) / len(asked) < 0.2  # 10-15% screen positive
    gad2 = [c.gad2_score for c in asked if c.gad2_score is not None]
    assert len(gad2) == len(asked)
    assert sum(score <= 2 for score in gad2) > 0.7 * len(gad2)
    assert any(score >= 3 for score in gad2)


def test_smoking_findings_follow_the_carers_smoking_status(recorded: _Recorded) -> None:
    asked = [c for c in recorded.contacts if c.mother_smokes is not None]
    assert asked
    for contact in asked + [c for c in recorded.contacts if c.household_smokes is not None]:
        carers = recorded.carers[recorded.family_of[contact.id]]
        mother = [c for c in carers if c.relationship_to_child is CarerRelationship.MOTHER]
        others = [c.smoking_status for c in carers if c not in mother]
        if contact.mother_smokes is not None:
            assert contact.mother_smokes == (mother[0].smoking_status is SmokingStatus.SMOKER)
        if contact.household_smokes is not None:
            assert contact.household_smokes == (SmokingStatus.SMOKER in others)
    antenatal = recorded.completed(ContactKind.ANTENATAL)
    readings = [c for c in antenatal if c.carbon_monoxide_ppm is not None]
    assert 0.15 * len(antenatal) < len(readings) < 0.7 * len(antenatal)
    for contact in readings:
        assert contact.carbon_monoxide_ppm is not None
        # NICE NG209: 4 ppm or more in smokers; non-smokers read 0-3.
        assert (contact.carbon_monoxide_ppm >= 4) == bool(contact.mother_smokes)
    assert any(c.mother_smokes for c in readings)


def test_who_was_seen_and_interpreters(recorded: _Recorded) -> None:
    completed = [c for c in recorded.contacts if c.outcome is ContactOutcome.COMPLETED]
    seen = collections.Counter(c.who_was_seen for c in completed)
    assert seen.most_common(1)[0][0] == "Mother and baby"
    for usual in ("Both parents and baby", "Father and baby", "Mother and child", "Mother"):
        assert seen[usual], usual
    with_interpreter = [c for c in completed if c.interpreter_used]
    assert with_interpreter
    assert all(recorded.interpreter_needed[recorded.family_of[c.id]] for c in with_interpreter)
    needing = [c for c in completed if recorded.interpreter_needed[recorded.family_of[c.id]]]
    assert len(with_interpreter) > 0.7 * len(needing)


def test_asq_scores_at_one_and_two_year_reviews(recorded: _Recorded) -> None:
    below: collections.Counter[DevelopmentDomain] = collections.Counter()
    screened = 0
    for kind, least_share in ((ContactKind.ONE_YEAR, 0.6), (ContactKind.TWO_YEAR, 0.8)):
        reviews = recorded.completed(kind)
        with_asq3 = 0
        for contact in reviews:
            scores = recorded.scores[contact.id]
            asq3 = [s for s in scores if s.domain is not DevelopmentDomain.SOCIAL_EMOTIONAL]
            if asq3:
                with_asq3 += 1
                assert {s.domain for s in asq3} == set(ASQ3_CUTOFFS)  # all five domains
            for score in asq3:
                assert 0 <= score.score <= 60 and score.score % 5 == 0
                assert score.zone is asq3_zone(score.domain, score.score)
                below[score.domain] += score.zone is ScreeningZone.BELOW_CUTOFF
            for score in scores:
                if score.domain is DevelopmentDomain.SOCIAL_EMOTIONAL:
                    assert kind is ContactKind.TWO_YEAR
                    assert score.score % 5 == 0
                    assert score.zone is asq_se2_zone(score.score)
        assert with_asq3 > least_share * len(reviews)
        screened += with_asq3
    # Communication is below the cut-off more often than the other domains (~10%).
    communication = below.pop(DevelopmentDomain.COMMUNICATION)
    assert 0.04 * screened < communication < 0.18 * screened
    assert communication > sum(below.values()) / len(below)
    social_emotional = [
        s
        for c in recorded.completed(ContactKind.TWO_YEAR)
        for s in recorded.scores[c.id]
        if s.domain is DevelopmentDomain.SOCIAL_EMOTIONAL
    ]
    assert social_emotional


def test_contacts_the_child_was_not_brought_to_are_mostly_rebooked(recorded: _Recorded) -> None:
    not_attended = [c for c in recorded.contacts if c.outcome is ContactOutcome.NOT_ATTENDED]
    rebooked = [c for c in not_attended if c.next_planned_contact is not None]
    assert 0.75 * len(not_attended) < len(rebooked) < len(not_attended)
    for contact in recorded.contacts:
        if contact.next_planned_contact is not None:
            assert contact.next_planned_contact > contact.contact_date
