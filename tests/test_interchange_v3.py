"""Version 3 of the interchange format: what issues 4 and 5 added travels with the records.

Allocation history, cover arrangements, record status history, a child's
transfer in, a contact's previous provider, referral consent, coded outcome,
service, what has been tried, referral events and referral prompt decisions.
A team moving its records must not lose any of them. Runs on SQLite and
PostgreSQL (the ``engine`` fixture) except the demo round trip (SQLite).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import (
    AllocationChangeKind,
    ContactKind,
    PromptDecision,
    RecordStatus,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
    Role,
)
from healthvisitor.interchange import (
    FORMAT_VERSION,
    RECORD_SPECS,
    ImportRejected,
    RecordSpec,
    export_document,
    export_file,
    import_document,
    import_file,
)
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import (
    AllocationChange,
    Carer,
    Child,
    Contact,
    CoverArrangement,
    Pregnancy,
    RecordStatusChange,
    Referral,
    ReferralEvent,
    ReferralPrompt,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from tests import test_interchange
from tests.test_interchange import (
    NOW,
    TODAY,
    People,
    actor_of,
    build_caseload,
    exported,
    lead_actor,
    row_counts,
    same_people,
)

#: The empty database a file is imported into (a fixture of the version 2 tests).
second_engine = test_interchange.second_engine

V3_TABLES = (
    "allocation_changes",
    "cover_arrangements",
    "record_status_changes",
    "referral_events",
    "referral_prompts",
)


def add_issue_4_and_5_records(engine: Engine, people: People) -> None:
    """Everything version 3 added, on the caseload of ``build_caseload``."""
    with unit_of_work(engine) as session:

        def user_id(username: str) -> uuid.UUID:
            return session.scalars(select(User.id).where(User.username == username)).one()

        lead, hv, nurse = (
            user_id(people.lead),
            user_id(people.health_visitor),
            user_id(people.nursery_nurse),
        )
        team_id = session.scalars(select(Team.id).where(Team.name == people.team)).one()
        amelia = session.scalars(select(Child).where(Child.given_name == "Amelia")).one()
        yusuf = session.scalars(select(Child).where(Child.given_name == "Yusuf")).one()
        pregnancy = session.scalars(select(Pregnancy)).one()
        father = session.scalars(select(Carer).where(Carer.given_name == "Imran")).one()
        smoking = session.scalars(select(Referral).where(Referral.carer_id == father.id)).one()
        feeding = session.scalars(select(Referral).where(Referral.child_id == yusuf.id)).one()
        antenatal = session.scalars(select(Contact).where(Contact.pregnancy_id.is_not(None))).one()

        amelia.transferred_in_from = "Bradford 0-19 Service"
        amelia.transferred_in_on = dt.date(2025, 8, 1)
        amelia.record_status, amelia.record_status_date = RecordStatus.ACTIVE, dt.date(2026, 6, 1)
        session.add(
            Contact(
                kind=ContactKind.NEW_BIRTH_VISIT,
                child_id=amelia.id,
                contact_date=dt.date(2025, 3, 20),
                location=antenatal.location,
                outcome=antenatal.outcome,
                delivered_by_id=hv,
                previous_provider="Bradford 0-19 Service",
            )
        )
        moved, bulk = uuid.uuid4(), uuid.uuid4()
        session.add_all(
            [
                AllocationChange(
                    child_id=amelia.id,
                    kind=AllocationChangeKind.ALLOCATE,
                    to_health_visitor_id=nurse,
                    reason="Transferred in.",
                    batch_id=moved,
                    changed_by_id=lead,
                    changed_at=dt.datetime(2025, 8, 1, 9, 0, tzinfo=dt.UTC),
                ),
                AllocationChange(
                    child_id=amelia.id,
                    kind=AllocationChangeKind.REALLOCATE,
                    from_health_visitor_id=nurse,
                    to_health_visitor_id=hv,
                    reason="Siblings together.",
                    batch_id=bulk,
                    changed_by_id=lead,
                    changed_at=dt.datetime(2026, 9, 2, 10, 0, tzinfo=dt.UTC),
                ),
                AllocationChange(
                    child_id=amelia.id,
                    kind=AllocationChangeKind.UNDO,
                    from_health_visitor_id=hv,
                    to_health_visitor_id=nurse,
                    reason="",
                    batch_id=uuid.uuid4(),
                    undoes_batch_id=bulk,
                    changed_by_id=lead,
                    changed_at=dt.datetime(2026, 9, 2, 10, 5, 30, 123456, tzinfo=dt.UTC),
                ),
                AllocationChange(
                    pregnancy_id=pregnancy.id,
                    kind=AllocationChangeKind.ALLOCATE,
                    to_health_visitor_id=hv,
                    reason="Antenatal notification.",
                    batch_id=uuid.uuid4(),
                    changed_by_id=lead,
                ),
                RecordStatusChange(
                    child_id=amelia.id,
                    status=RecordStatus.MOVED_AWAY,
                    effective_date=dt.date(2026, 4, 1),
                    detail="Moved to Wakefield.",
                    recorded_by_id=hv,
                ),
                RecordStatusChange(
                    child_id=amelia.id,
                    status=RecordStatus.ACTIVE,
                    effective_date=dt.date(2026, 6, 1),
                    detail="Moved back.",
                    recorded_by_id=lead,
                ),
                CoverArrangement(
                    team_id=team_id,
                    absent_health_visitor_id=hv,
                    covering_health_visitor_id=nurse,
                    start_date=dt.date(2026, 10, 1),
                    end_date=dt.date(2026, 10, 31),
                    ended_on=dt.date(2026, 10, 20),
                    reason="Sick leave.",
                    arranged_by_id=lead,
                ),
                ReferralEvent(
                    referral_id=smoking.id,
                    status=ReferralStatus.DRAFT,
                    event_date=dt.date(2026, 10, 1),
                    recorded_by_id=hv,
                ),
                ReferralEvent(
                    referral_id=smoking.id,
                    status=ReferralStatus.SENT,
                    event_date=dt.date(2026, 10, 2),
                    note="Sent by secure e-mail.",
                    recorded_by_id=hv,
                ),
                ReferralPrompt(
                    rule_id="smoking",
                    contact_id=antenatal.id,
                    carer_id=father.id,
                    finding="Household smokes",
                    decision=PromptDecision.ACCEPTED,
                    referral_id=smoking.id,
                    raised_on=dt.date(2026, 10, 1),
                    raised_by_id=hv,
                    decided_on=dt.date(2026, 10, 1),
                    decided_by_id=hv,
                    decided_at=dt.datetime(2026, 10, 1, 10, 5, tzinfo=dt.UTC),
                ),
                ReferralPrompt(
                    rule_id="faltering_growth",
                    child_id=yusuf.id,
                    finding="Weight down two centile spaces",
                    decision=PromptDecision.DECLINED,
                    reason="Already referred to infant feeding.",
                    raised_on=dt.date(2026, 9, 12),
                    raised_by_id=nurse,
                    decided_on=dt.date(2026, 9, 12),
                    decided_by_id=nurse,
                    decided_at=dt.datetime(2026, 9, 12, 15, 30, tzinfo=dt.UTC),
                ),
            ]
        )
        smoking.consent = ReferralConsent.GIVEN
        smoking.sent_to = "Leeds Stop Smoking Service, 1 Park Row"
        smoking.tried_so_far = "Brief advice at the antenatal review."
        feeding.consent = ReferralConsent.NOT_REQUIRED_SAFEGUARDING
        feeding.consent_note = "Seeking consent would put the baby at risk."
        feeding.outcome_code = ReferralOutcome.ENGAGED


def _sections(spec: RecordSpec) -> set[str]:
    return {spec.section}.union(*(_sections(nested) for nested in spec.nested))


def test_every_record_kind_of_issues_4_and_5_is_in_the_format() -> None:
    sections = set().union(*(_sections(spec) for spec in RECORD_SPECS))
    assert {
        "allocation_history",
        "record_status_history",
        "events",
        "referral_prompts",
        "cover_arrangements",
    } <= sections
    assert FORMAT_VERSION == 3


def test_history_consent_and_decisions_survive_export_import_and_export(
    engine: Engine, second_engine: Engine, tmp_path: Path
) -> None:
    people = build_caseload(engine)
    add_issue_4_and_5_records(engine, people)
    path = tmp_path / "team.json"

    summary = export_file(engine, lead_actor(engine, people), path, now=NOW)
    assert (
        summary.allocation_changes,
        summary.cover_arrangements,
        summary.record_status_changes,
        summary.referral_events,
        summary.referral_prompts,
    ) == (4, 1, 2, 2, 2)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["version"] == 3
    amelia = next(c for c in written["children"] if c["given_name"] == "Amelia")
    assert amelia["transferred_in_from"] == "Bradford 0-19 Service"
    assert amelia["transferred_in_on"] == "2025-08-01"
    assert [
        (a["kind"], a["from_health_visitor"], a["to_health_visitor"])
        for a in amelia["allocation_history"]
    ] == [
        ("allocate", None, people.nursery_nurse),
        ("reallocate", people.nursery_nurse, people.health_visitor),
        ("undo", people.health_visitor, people.nursery_nurse),
    ]
    assert (
        amelia["allocation_history"][2]["undoes_batch_id"]
        == (amelia["allocation_history"][1]["batch_id"])
    )
    assert {a["changed_by"] for a in amelia["allocation_history"]} == {people.lead}
    assert [s["status"] for s in amelia["record_status_history"]] == ["moved_away", "active"]
    consents = {r["referral_type"]: r["consent"] for r in written["referrals"]}
    assert consents == {"stop_smoking": "given", "infant_feeding": "not_required_safeguarding"}
    assert written["cover_arrangements"][0]["covering_health_visitor"] == people.nursery_nurse
    assert {p["decision"] for p in written["referral_prompts"]} == {"accepted", "declined"}
    assert any(c["previous_provider"] for c in written["contacts"])

    there = same_people(second_engine, people)
    assert import_file(second_engine, there[people.lead], path, today=TODAY) == summary
    with unit_of_work(second_engine) as session:
        again = export_document(
            session, there[people.lead], exported_at=NOW + dt.timedelta(hours=1)
        )
    assert again.pop("exported_at") != written.pop("exported_at")
    assert again == written
    counts = row_counts(second_engine)
    assert [counts[table] for table in V3_TABLES] == [4, 1, 2, 2, 2]


def _as_version_2(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a HealthVisitor of format version 2 would have written it."""
    old = copy.deepcopy(document)
    old["version"] = 2
    del old["cover_arrangements"], old["referral_prompts"]
    for pregnancy in old["pregnancies"]:
        del pregnancy["allocation_history"]
    for child in old["children"]:
        for key in (
            "allocation_history",
            "record_status_history",
            "transferred_in_from",
            "transferred_in_on",
        ):
            del child[key]
    for contact in old["contacts"]:
        del contact["previous_provider"]
    for referral in old["referrals"]:
        for key in ("consent", "consent_note", "outcome_code", "sent_to", "tried_so_far", "events"):
            del referral[key]
    return old


def test_a_version_2_file_still_imports_with_the_new_fields_defaults(
    engine: Engine, second_engine: Engine
) -> None:
    people = build_caseload(engine)
    add_issue_4_and_5_records(engine, people)
    old = _as_version_2(exported(engine, people))
    lead = same_people(second_engine, people)[people.lead]

    summary = import_document(second_engine, lead, old, today=TODAY)

    assert summary.children == 2 and summary.referrals == 2
    counts = row_counts(second_engine)
    assert [counts[table] for table in V3_TABLES] == [0, 0, 0, 0, 0]
    with unit_of_work(second_engine) as session:
        referrals = session.scalars(select(Referral)).all()
        assert {r.consent for r in referrals} == {ReferralConsent.NOT_RECORDED}
        assert {(r.consent_note, r.sent_to, r.tried_so_far) for r in referrals} == {("", "", "")}
        assert {r.outcome_code for r in referrals} == {None}
        children = session.scalars(select(Child)).all()
        assert {(c.transferred_in_from, c.transferred_in_on) for c in children} == {("", None)}
        assert {c.previous_provider for c in session.scalars(select(Contact))} == {""}


def test_a_version_2_file_with_a_version_3_field_is_refused_naming_it(
    engine: Engine, second_engine: Engine
) -> None:
    people = build_caseload(engine)
    old = _as_version_2(exported(engine, people))
    old["referrals"][0]["consent"] = "given"
    old["cover_arrangements"] = []
    lead = same_people(second_engine, people)[people.lead]
    before = row_counts(second_engine)

    with pytest.raises(ImportRejected) as rejected:
        import_document(second_engine, lead, old, today=TODAY)

    found = {(p.record.split(" ")[0], p.field): p.message for p in rejected.value.problems}
    assert set(found) == {("referrals[0]", "consent"), ("the", "cover_arrangements")}
    assert "only from version 3" in found[("referrals[0]", "consent")]
    assert row_counts(second_engine) == before


def test_bad_new_fields_are_reported_by_record_and_field_and_nothing_is_written(
    engine: Engine, second_engine: Engine
) -> None:
    people = build_caseload(engine)
    add_issue_4_and_5_records(engine, people)
    document = exported(engine, people)
    amelia_index, amelia = next(
        (i, c) for i, c in enumerate(document["children"]) if c["given_name"] == "Amelia"
    )
    amelia["allocation_history"][0]["changed_by"] = "no.such.person"
    amelia["allocation_history"][1]["kind"] = "poached"
    amelia["record_status_history"][0]["effective_date"] = "2024-01-01"  # before birth
    amelia["transferred_in_on"] = "2027-01-01"
    smoking_index, smoking = next(
        (i, r) for i, r in enumerate(document["referrals"]) if r["referral_type"] == "stop_smoking"
    )
    smoking["consent"] = "maybe"
    smoking["events"][1]["event_date"] = "2026-12-25"
    declined_index, declined = next(
        (i, p) for i, p in enumerate(document["referral_prompts"]) if p["decision"] == "declined"
    )
    declined["reason"] = "  "
    cover = document["cover_arrangements"][0]
    cover["covering_health_visitor"] = cover["absent_health_visitor"]
    cover["end_date"] = "2026-09-01"
    document["contacts"][0]["previous_provider"] = "x" * 101

    lead = same_people(second_engine, people)[people.lead]
    before = row_counts(second_engine)
    with pytest.raises(ImportRejected) as rejected:
        import_document(second_engine, lead, document, today=TODAY)

    found = {(p.record, p.field): p.message for p in rejected.value.problems}
    child = f"children[{amelia_index}] (NHS {_nhs(amelia)}, Amelia Khan)"
    changed_at = amelia["allocation_history"][0]["changed_at"]
    first_allocation = f"{child} allocation_history[0] (allocate at {changed_at})"
    assert "no.such.person" in found[(first_allocation, "changed_by")]
    second_allocation = next(r for r, f in found if f == "kind")
    assert second_allocation.startswith(f"{child} allocation_history[1]")
    assert "allocate, reallocate, unallocate, undo" in found[(second_allocation, "kind")]
    status = f"{child} record_status_history[0] (moved_away from 2024-01-01)"
    assert "before" in found[(status, "effective_date")]
    assert "future" in found[(child, "transferred_in_on")]
    referral = f"referrals[{smoking_index}] (stop_smoking made 2026-10-01)"
    assert "given, refused" in found[(referral, "consent")]
    assert "future" in found[(f"{referral} events[1] (sent on 2026-12-25)", "event_date")]
    prompt = f"referral_prompts[{declined_index}] (faltering_growth on 2026-09-12, Yusuf Khan)"
    assert "reason" in found[(prompt, "reason")]
    cover_label = f"cover_arrangements[0] (cover for {people.health_visitor} from 2026-10-01)"
    assert "own caseload" in found[(cover_label, "covering_health_visitor")]
    assert "is before the start date" in found[(cover_label, "end_date")]
    assert "most is 100" in next(m for (r, f), m in found.items() if f == "previous_provider")
    assert len(found) == 10, rejected.value.problems
    assert row_counts(second_engine) == before


def _nhs(child: dict[str, Any]) -> str:
    digits = child["nhs_number"]
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def test_a_prompt_may_not_name_another_childs_referral(
    engine: Engine, second_engine: Engine
) -> None:
    people = build_caseload(engine)
    add_issue_4_and_5_records(engine, people)
    document = exported(engine, people)
    feeding = next(r for r in document["referrals"] if r["referral_type"] == "infant_feeding")
    amelia = next(c for c in document["children"] if c["given_name"] == "Amelia")
    prompt = next(p for p in document["referral_prompts"] if p["decision"] == "declined")
    prompt["child_id"] = amelia["id"]
    prompt["referral_id"] = feeding["id"]  # about Yusuf
    lead = same_people(second_engine, people)[people.lead]

    with pytest.raises(ImportRejected) as rejected:
        import_document(second_engine, lead, document, today=TODAY)

    ((record, field),) = {(p.record, p.field) for p in rejected.value.problems}
    assert record.startswith("referral_prompts[") and field == "referral_id"


def test_cover_is_for_the_importing_team_and_its_own_health_visitors(
    engine: Engine, second_engine: Engine
) -> None:
    people = build_caseload(engine)
    add_issue_4_and_5_records(engine, people)
    document = exported(engine, people)
    there = same_people(second_engine, people)
    with unit_of_work(second_engine) as session:
        elsewhere = Team(name="Harehills Health Visiting")
        session.add(elsewhere)
        session.flush()
        session.add(
            User(
                username="moved.on",
                full_name="Moved On",
                role=Role.HEALTH_VISITOR,
                team_id=elsewhere.id,
            )
        )
    over = document["cover_arrangements"][0]  # 1 to 20 October: over by 20 November
    over["covering_health_visitor"] = "moved.on"  # has since joined another team: fine
    current = dict(over, id=str(uuid.uuid4()), start_date="2026-11-16", end_date="2026-12-04")
    current["ended_on"] = None
    other_team = dict(over, id=str(uuid.uuid4()), team="Harehills Health Visiting")
    other_team["covering_health_visitor"] = people.nursery_nurse
    document["cover_arrangements"] += [current, other_team]
    before = row_counts(second_engine)

    with pytest.raises(ImportRejected) as rejected:
        import_document(second_engine, there[people.lead], document, today=TODAY)

    found = {(p.record.split(" ")[0], p.field): p.message for p in rejected.value.problems}
    assert set(found) == {
        ("cover_arrangements[1]", "covering_health_visitor"),
        ("cover_arrangements[2]", "team"),
    }
    assert "not in your team" in found[("cover_arrangements[1]", "covering_health_visitor")]
    assert row_counts(second_engine) == before

    document["cover_arrangements"] = [over]
    import_document(second_engine, there[people.lead], document, today=TODAY)
    with unit_of_work(second_engine) as session:
        cover = session.scalars(select(CoverArrangement)).one()
        covering = session.get_one(User, cover.covering_health_visitor_id)
        assert (covering.username, cover.ended_on) == ("moved.on", dt.date(2026, 10, 20))


def test_a_demo_teams_records_round_trip_into_an_empty_database(tmp_path: Path) -> None:
    source = create_database_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(source)
    generate_demo(source, children=60, seed=7, today=TODAY)
    target = create_database_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(target)
    with source.connect() as reading, target.begin() as writing:
        # The people and teams a real import needs in place first.
        for table in (Team.__table__, User.__table__):
            rows = [row._asdict() for row in reading.execute(select(table))]
            writing.execute(insert(table), rows)
        lead_row = reading.execute(
            select(User).where(User.role == Role.TEAM_LEAD).order_by(User.username).limit(1)
        ).one()
    with unit_of_work(source) as session:
        lead = actor_of(session.get_one(User, lead_row.id))
        document = export_document(session, lead, exported_at=NOW)
    assert document["children"], "the demo team has children"

    import_document(target, lead, document, today=TODAY)

    with unit_of_work(target) as session:
        again = export_document(session, lead, exported_at=NOW)
    assert again == document
    source.dispose()
    target.dispose()
