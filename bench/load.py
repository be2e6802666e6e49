"""A team on one shared PostgreSQL database at once: 20 users for 60 s (issue 9).

    .venv/bin/python bench/load.py [--seconds 60] [--users 20] [--children 600]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds a throwaway database on the server (loopback only; dropped at the
end) with the 600-child demo, then runs ``--users`` simulated users, each a
thread with a laptop's own engine (its own connection pool), doing what a
team does: health visitors open their caseload, search, open a record,
record a contact with a weight, and refer; two team leads also reallocate
children between health visitors, seeing a caseload and moving a child from
whom they saw, so two leads (or a stale look) clash. Every save carries an
idempotency key, and one in ten is sent twice (the retry after a dropped
connection): the second must be applied zero times.

At the end it prints each operation's count, p50 and p95, the errors (there
must be none but the surfaced conflicts: "someone changed this meanwhile"),
and reconciles the database with what the users were told: every contact
and referral saved exactly once, each contact with its one audit event, every
allocation change in a batch a lead was told of and none from a refused one;
and ``verify_chain`` finds every user's audit events in one unbroken chain.
Exit status 1 if anything does not reconcile or any other error happened.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import multiprocessing
import random
import statistics
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from ipaddress import ip_address
from multiprocessing import Queue
from typing import TypeVar

from databases import throwaway_postgres
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from healthvisitor.config import DatabaseChoice
from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    RecordStatus,
    ReferralConsent,
    Role,
)
from healthvisitor.domain.growth_chart import warm_common_charts
from healthvisitor.domain.growth_reference import uk_who_value_for_sds
from healthvisitor.errors import ConcurrentEditError
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import (
    AllocationChange,
    AuditEvent,
    Child,
    Contact,
    Referral,
    ReferralType,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import actor_for
from healthvisitor.services.audit_chain import verify_chain
from healthvisitor.services.caseload import CaseloadRow
from healthvisitor.services.contacts import ContactEntry, MeasurementEntry
from healthvisitor.services.referrals import NewReferral
from healthvisitor.services.workspace import Workspace

T = TypeVar("T")
TODAY = dt.date(2026, 11, 24)
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: How often a health visitor does each thing (relative weights): looking far
#: more than writing, as in a working day.
VISITOR_MIX = {
    "open caseload": 25,
    "search": 25,
    "open record": 25,
    "record a contact": 18,
    "refer": 7,
}
#: A team lead looks at caseloads and moves children between them.
LEAD_MIX = {"open caseload": 40, "search": 15, "open record": 15, "reallocate": 30}
#: The share of saves sent twice with the same key (a retry after a dropped line).
RETRIED_SHARE = 0.1
LEADS = 2
#: A lead moves one of the newest babies of the caseload they look at.
NEWEST = 4
#: Time for every user's process to start and sign in before the clock starts.
STARTING_S = 8.0


@dataclasses.dataclass
class Tally:
    """What one user did and was told (each user thread has its own: no locks)."""

    seconds: dict[str, list[float]] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(list)
    )
    contacts: set[uuid.UUID] = dataclasses.field(default_factory=set)
    contact_replays_wrong: int = 0
    referrals: set[uuid.UUID] = dataclasses.field(default_factory=set)
    referral_replays_wrong: int = 0
    retries: int = 0
    batches: dict[uuid.UUID, int] = dataclasses.field(default_factory=dict)
    conflicts: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Team:
    visitor_ids: tuple[uuid.UUID, ...]


@dataclasses.dataclass(frozen=True)
class Cast:
    """Who the simulated users sign in as."""

    leads: tuple[str, ...]  # two leads of one team: they can clash
    visitors: tuple[str, ...]  # every health visitor of the demo
    teams: dict[str, Team]  # by username
    referral_type_id: uuid.UUID


def cast_of(engine: Engine) -> Cast:
    """The demo's health visitors, and two leads for the team with the most of them (its
    lead and a deputy added here: a team lead and a deputy share the allocating)."""
    with unit_of_work(engine) as session:
        people = session.execute(
            select(User.username, User.id, User.role, User.team_id)
            .where(User.active.is_(True), User.team_id.is_not(None))
            .order_by(User.username)
        ).all()
        by_team: dict[uuid.UUID, list[uuid.UUID]] = collections.defaultdict(list)
        for person in people:
            if person.role is Role.HEALTH_VISITOR:
                by_team[person.team_id].append(person.id)
        biggest = max(by_team, key=lambda team_id: len(by_team[team_id]))
        lead = next(p for p in people if p.role is Role.TEAM_LEAD and p.team_id == biggest)
        session.add(
            User(
                username="deputy.lead",
                full_name="Deputy Lead",
                role=Role.TEAM_LEAD,
                team_id=biggest,
            )
        )
        type_id = session.scalars(
            select(ReferralType.id).where(ReferralType.retired.is_(False)).limit(1)
        ).one()
    teams = {p.username: Team(tuple(by_team[p.team_id])) for p in people}
    teams["deputy.lead"] = teams[lead.username]
    visitors = tuple(p.username for p in people if p.role is Role.HEALTH_VISITOR)
    return Cast((lead.username, "deputy.lead"), visitors, teams, type_id)


class User_:
    """One simulated user on a laptop of their own (engine and pool)."""

    def __init__(self, url: str, username: str, cast: Cast, seed: int) -> None:
        self.engine = create_database_engine(url)
        with unit_of_work(self.engine) as session:
            actor = actor_for(session, username, machine=f"load-{seed}")
        self.workspace = Workspace(
            self.engine, actor, DatabaseChoice(make_url(url), "load test"), today=lambda: TODAY
        )
        self.team = cast.teams[username]
        self.referral_type_id = cast.referral_type_id
        self.random = random.Random(seed)
        self.tally = Tally()
        self.is_lead = actor.role is Role.TEAM_LEAD
        self.known: list[uuid.UUID] = []  # children seen on a caseload, to open or record on

    def timed(self, name: str, action: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return action()
        finally:
            self.tally.seconds[name].append(time.perf_counter() - started)

    def run(self, until: float) -> None:
        mix = LEAD_MIX if self.is_lead else VISITOR_MIX
        names, weights = list(mix), list(mix.values())
        actions: dict[str, Callable[[], object]] = {
            "open caseload": self.open_caseload,
            "search": self.search,
            "open record": self.open_record,
            "record a contact": self.record_contact,
            "refer": self.refer,
            "reallocate": self.reallocate,
        }
        self.open_caseload()
        while time.time() < until:
            name = self.random.choices(names, weights)[0]
            try:
                actions[name]()
            except ConcurrentEditError:
                self.tally.conflicts += 1  # surfaced to the user: expected
            except Exception:
                self.tally.errors.append(f"{name}: {traceback.format_exc()}")
        self.engine.dispose()

    # --- what users do ------------------------------------------------------------

    def open_caseload(self, health_visitor_id: uuid.UUID | None = None) -> list[CaseloadRow]:
        rows = self.timed("open caseload", lambda: self.workspace.caseload(health_visitor_id))
        if health_visitor_id is None and rows:
            self.known = [row.child_id for row in rows]
        return rows

    def search(self) -> None:
        text = self.random.choice(["smi", "kha", "jon", "LS7", "ali", "pat", "2024"])
        self.timed("search", lambda: self.workspace.search_records(text))

    def open_record(self) -> None:
        if self.is_lead:
            self.known = [row.child_id for row in self.workspace.caseload(self._someone())]
        if self.known:
            child_id = self.random.choice(self.known)
            self.timed("open record", lambda: self.workspace.child_record(child_id))

    def record_contact(self) -> None:
        if not self.known:
            return
        child_id = self.random.choice(self.known)
        with unit_of_work(self.engine) as session:
            child = session.get_one(Child, child_id)
            sex, born, active = child.sex, child.date_of_birth, child.record_status
        if active is not RecordStatus.ACTIVE:
            return
        age = (TODAY - born).days / 365.25
        weight = uk_who_value_for_sds(
            kind=MeasurementKind.WEIGHT, sex=sex, decimal_age=age, sds=self.random.gauss(0, 1)
        )
        me = self.workspace.actor.user_id
        entry = ContactEntry(
            kind=ContactKind.OTHER,
            contact_date=TODAY,
            location=ContactLocation.CLINIC,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=me,
            accountable_health_visitor_id=me,
            child_id=child_id,
            notes="Weighed at clinic (load test).",
            measurements=(MeasurementEntry(MeasurementKind.WEIGHT, round(weight, 2)),),
            idempotency_key=uuid.uuid4(),
        )
        save = lambda: self.workspace.record_contact(entry, confirm_implausible=True)  # noqa: E731
        first = self.timed("record a contact", save)
        assert not first.replayed
        self.tally.contacts.add(first.contact_id)
        if self.random.random() < RETRIED_SHARE:
            self.tally.retries += 1
            again = self.timed("record a contact (retried)", save)
            if not again.replayed or again.contact_id != first.contact_id:
                self.tally.contact_replays_wrong += 1

    def refer(self) -> None:
        if not self.known:
            return
        entry = NewReferral(
            referral_type_id=self.referral_type_id,
            child_id=self.random.choice(self.known),
            reason="Family asked for support (load test).",
            made_on=TODAY,
            consent=ReferralConsent.GIVEN,
            idempotency_key=uuid.uuid4(),
        )
        first = self.timed("refer", lambda: self.workspace.make_referral(entry))
        self.tally.referrals.add(first)
        if self.random.random() < RETRIED_SHARE:
            self.tally.retries += 1
            again = self.timed("refer (retried)", lambda: self.workspace.make_referral(entry))
            if again != first:
                self.tally.referral_replays_wrong += 1

    def reallocate(self) -> None:
        holder = self._someone()
        rows = self.open_caseload(holder)
        if not rows:
            return
        # The newest babies are the ones a lead moves (new births to balance), so two
        # leads at the same caseload often choose the same child: a clash to surface.
        newest = sorted(rows, key=lambda row: row.date_of_birth, reverse=True)[:NEWEST]
        child_id = self.random.choice(newest).child_id
        to = self.random.choice([v for v in self.team.visitor_ids if v != holder])
        result = self.timed(
            "reallocate",
            lambda: self.workspace.allocate(
                [child_id],
                to,
                reason="Balancing caseloads (load test).",
                expected={child_id: holder},
            ),
        )
        self.tally.batches[result.batch_id] = result.children + result.pregnancies

    def _someone(self) -> uuid.UUID:
        return self.random.choice(self.team.visitor_ids)


def one_user(
    url: str,
    username: str,
    cast: Cast,
    seed: int,
    window: tuple[float, float],
    answers: Queue[Tally],
) -> None:
    """A user's process: sign in, work in ``window`` (wall clock), hand the tally back."""
    person = User_(url, username, cast, seed)
    time.sleep(max(0.0, window[0] - time.time()))
    person.run(window[1])
    person.tally.seconds = dict(person.tally.seconds)  # a plain dict crosses processes
    answers.put(person.tally)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def reconcile(engine: Engine, tallies: list[Tally], started: dt.datetime) -> list[str]:
    """Each way the database disagrees with what the users were told (empty: none)."""
    told_contacts = set().union(*(t.contacts for t in tallies))
    told_referrals = set().union(*(t.referrals for t in tallies))
    batches = {batch: moved for t in tallies for batch, moved in t.batches.items()}
    problems = []
    with unit_of_work(engine) as session:
        chain = verify_chain(session)  # every user's events in one unbroken chain
        if chain.problem is not None:
            problems.append(f"the audit chain is broken: {chain.problem.describe()}")
        keyed = session.scalars(select(Contact.id).where(Contact.idempotency_key.is_not(None)))
        in_database = set(keyed)
        events = collections.Counter(
            session.scalars(
                select(AuditEvent.entity_id).where(
                    AuditEvent.entity_type == "contact", AuditEvent.action == "create"
                )
            )
        )
        referrals = set(
            session.scalars(select(Referral.id).where(Referral.idempotency_key.is_not(None)))
        )
        changes = collections.Counter(
            session.scalars(
                select(AllocationChange.batch_id).where(AllocationChange.changed_at >= started)
            )
        )
    if in_database != told_contacts:
        problems.append(
            f"contacts: {len(told_contacts)} saved as told, {len(in_database)} in the database "
            f"({len(in_database - told_contacts)} extra, {len(told_contacts - in_database)} lost)"
        )
    wrong_events = [c for c in told_contacts if events[c] != 1]
    if wrong_events:
        problems.append(f"{len(wrong_events)} contacts without exactly one audit event")
    if referrals != told_referrals:
        problems.append(
            f"referrals: {len(told_referrals)} made as told, {len(referrals)} in the database"
        )
    if dict(changes) != batches:
        problems.append(
            f"allocation changes: {sum(batches.values())} told in {len(batches)} batches, "
            f"{sum(changes.values())} in the database in {len(changes)} batches"
        )
    replays = sum(t.contact_replays_wrong + t.referral_replays_wrong for t in tallies)
    if replays:
        problems.append(f"{replays} retried saves were not answered with the first save")
    return problems


def run(admin_url: str, seconds: float, users: int, children: int) -> int:
    host = make_url(admin_url).host or "localhost"
    if host != "localhost" and not ip_address(host).is_loopback:
        raise SystemExit(f"The load test runs on loopback only, not on {host}.")
    with throwaway_postgres(admin_url) as url:
        engine = create_database_engine(url)
        upgrade(engine)
        built = time.perf_counter()
        generate_demo(engine, children=children, seed=7, today=TODAY)
        warm_common_charts()
        cast = cast_of(engine)
        names = [cast.leads[i % 2] for i in range(min(LEADS, users))]
        names += [cast.visitors[i % len(cast.visitors)] for i in range(users - len(names))]
        print(
            f"{children}-child demo built in {time.perf_counter() - built:.1f} s: "
            f"{len(cast.visitors)} health visitors; {users - min(LEADS, users)} health "
            f"visitor sessions over them, and {min(LEADS, users)} leads of one team"
        )
        # One process a user (each laptop has its own processor; threads would queue
        # on one interpreter lock), forked once the demo and the growth charts are loaded.
        context = multiprocessing.get_context("fork")
        answers: multiprocessing.Queue[Tally] = context.Queue()
        started_at = dt.datetime.now(dt.UTC)
        # The same wall-clock start and end for every process, once all have signed in.
        start = time.time() + STARTING_S
        window = (start, start + seconds)
        processes = [
            context.Process(target=one_user, args=(url, name, cast, seed, window, answers))
            for seed, name in enumerate(names)
        ]
        for process in processes:
            process.start()
        tallies = [answers.get() for _ in processes]
        for process in processes:
            process.join()
        elapsed = seconds
        problems = reconcile(engine, tallies, started_at)
        engine.dispose()

    print(f"\n{users} users ({min(LEADS, users)} team leads) for {elapsed:.0f} s on {host}")
    print(f"  {'operation':<28} {'count':>6} {'per s':>6} {'p50 ms':>8} {'p95 ms':>8}")
    merged: dict[str, list[float]] = collections.defaultdict(list)
    for tally in tallies:
        for name, values in tally.seconds.items():
            merged[name].extend(values)
    for name in sorted(merged):
        values = merged[name]
        print(
            f"  {name:<28} {len(values):>6} {len(values) / elapsed:>6.1f} "
            f"{statistics.median(values) * 1000:>8.1f} {percentile(values, 0.95) * 1000:>8.1f}"
        )
    errors = [error for tally in tallies for error in tally.errors]
    conflicts = sum(t.conflicts for t in tallies)
    print(
        f"\n  saved: {sum(len(t.contacts) for t in tallies)} contacts, "
        f"{sum(len(t.referrals) for t in tallies)} referrals, "
        f"{len({b for t in tallies for b in t.batches})} reallocations; "
        f"{sum(t.retries for t in tallies)} saves sent twice (answered with the first save)"
    )
    print(f"  conflicts surfaced to the user (expected): {conflicts}")
    print(f"  other errors: {len(errors)}")
    for error in errors[:5]:
        print("    " + error.replace("\n", "\n    "))
    print(
        "  reconciled: "
        + ("every write exactly once, the audit chain intact" if not problems else "NO")
    )
    for problem in problems:
        print(f"    {problem}")
    return 1 if errors or problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--children", type=int, default=600)
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args()
    sys.exit(run(args.postgres, args.seconds, args.users, args.children))


if __name__ == "__main__":
    main()
