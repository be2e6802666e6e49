"""A small team's caseloads, built with tests/factories.py, and workspaces on it.

``record_team`` adds children to record contacts for (issue 3): see ``RecordTeam``.

Chapeltown: two health visitors and a team lead. "Me" has three active
children (born 2023, 2025 and 2026, deliberately not in date order by name)
and one discharged child; my colleague has two. A child in Headingley, a
different team, is (wrongly) allocated to me: it must never appear.
"""

from __future__ import annotations

import datetime as dt
import gc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    PregnancyOutcome,
    RecordStatus,
    Role,
    SafeguardingStatus,
    Sex,
)
from healthvisitor.persistence.models import (
    Child,
    Family,
    Pregnancy,
    SafeguardingEntry,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.contacts import ContactEntry, MeasurementEntry, record_contact
from healthvisitor.services.records import (
    ChildDetails,
    FamilyDetails,
    create_family,
    register_child,
)
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.gui_gc import GuiThreadCollector
from healthvisitor.ui.worker import wait_for_loads
from tests import factories

TODAY = dt.date(2026, 11, 24)
#: The longest a test waits for a list read off the GUI thread (ui/worker.py).
LOAD_WAIT_MS = 10_000


def wait_loaded(qtbot: QtBot, window: Any) -> None:
    """Wait, on the event loop (no sleep), until the caseload panel of ``window`` (a
    ``MainWindow``, or the ``CaseloadPanel`` itself) has every list it asked for."""
    panel = getattr(window, "caseload", window)
    qtbot.waitUntil(lambda: not panel.loading(), timeout=LOAD_WAIT_MS)


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> Iterator[Path]:
    """Each test's QSettings (INI files) live in its own folder, never the user's."""
    folder = tmp_path / "qsettings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def _no_window_outlives_its_test() -> Iterator[None]:
    """Hide any window a test left open (a referral prompt after a save, say), so
    it cannot take the keyboard or modality from the next test. Hidden, not
    closed: closing a form with something typed would ask, and wait for an answer."""
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        for widget in app.topLevelWidgets():
            if widget.isVisible():
                widget.hide()


@pytest.fixture(autouse=True)
def _no_read_outlives_its_test() -> Iterator[None]:
    """Every list read off the GUI thread (ui/worker.py) has finished before the next
    test starts, so none can answer into it or hold its database open."""
    yield
    assert wait_for_loads(LOAD_WAIT_MS), "a read off the GUI thread did not finish"


@pytest.fixture(scope="session", autouse=True)
def _cycles_collected_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in the window (ui/app.py): Python's cycle collector runs on the GUI thread
    only, so a test's leftover window is never destroyed on a reading thread."""
    collector = GuiThreadCollector(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _cycles_of_a_test_freed_after_it(_no_read_outlives_its_test: None) -> Iterator[None]:
    """What a test left in reference cycles is freed at its end, on the GUI thread,
    once its reads have finished."""
    yield
    gc.collect()


@dataclass(frozen=True)
class Kid:
    id: uuid.UUID
    name: str
    nhs_number: str  # 10 digits, no spaces
    date_of_birth: dt.date
    postcode: str


@dataclass(frozen=True)
class TeamData:
    engine: Engine
    me: User
    colleague: User
    lead: User
    mine: list[Kid]
    colleagues: list[Kid]
    discharged: Kid
    other_team: Kid

    def workspace(
        self, choice: DatabaseChoice | None = None, user: User | None = None
    ) -> Workspace:
        actor = factories.actor(user or self.me)
        choice = choice or DatabaseChoice(
            parse_url(str(self.engine.url), "test"), "the test database"
        )
        return Workspace(self.engine, actor, choice, today=lambda: TODAY)


def build_team(engine: Engine) -> TeamData:
    with unit_of_work(engine) as session:
        team = factories.team(session, "Chapeltown 0-19 team")
        me = factories.user(session, team)
        me.full_name = "Priya Sharma"
        colleague = factories.user(session, team)
        colleague.full_name = "Helen Walker"
        lead = factories.user(session, team, Role.TEAM_LEAD)
        lead.full_name = "Joanne Fisher"

        def family(name: str, postcode: str, in_team: Team = team) -> Family:
            result = factories.family(session, in_team, name)
            result.postcode = postcode
            return result

        def kid(family: Family, hv: User, given: str, born: dt.date = dt.date(2026, 6, 1)) -> Kid:
            child = factories.child(session, family, hv, given_name=given, date_of_birth=born)
            name = f"{child.given_name} {child.family_name}"
            return Kid(child.id, name, child.nhs_number, born, family.postcode)

        khan, okafor = family("Khan", "LS7 3AB"), family("Okafor", "LS17 5HX")
        mine = [
            kid(khan, me, "Amelia", dt.date(2025, 1, 15)),
            kid(family("Nowak", "LS8 1PQ"), me, "Oliver", dt.date(2026, 3, 2)),
            kid(family("Jones", "LS6 2RT"), me, "Isla", dt.date(2023, 7, 30)),
        ]
        discharged = kid(khan, me, "Zara", dt.date(2024, 2, 1))
        session.get_one(Child, discharged.id).record_status = RecordStatus.DISCHARGED
        colleagues = [kid(okafor, colleague, "Tobi"), kid(okafor, colleague, "Ada")]
        elsewhere = factories.team(session, "Headingley 0-19 team")
        other_team = kid(family("Stray", "LS6 9ZZ", elsewhere), me, "Never")
        return TeamData(engine, me, colleague, lead, mine, colleagues, discharged, other_team)


@pytest.fixture
def team_data(sqlite_engine: Engine) -> TeamData:
    return build_team(sqlite_engine)


# --- Children to record contacts for (issue 3) ----------------------------------


class Clock:
    """``Workspace.today`` for tests: a day that a test may move."""

    def __init__(self, today: dt.date) -> None:
        self.day = today

    def __call__(self) -> dt.date:
        return self.day


@dataclass(frozen=True)
class RecordTeam:
    """Chapeltown (``build_team``) plus five children of mine, one due each review.

    Each is registered through ``register_child``, so its birth weight is a
    measurement with its UK-WHO centile, as in real use:

    * Poppy Ahmed, 11 days old, born of a recorded pregnancy: new birth visit due;
    * Noah Bell, 45 days: 6-8 week review due;
    * Ella Cole, 11 months: 1 year review due;
    * Leo Dunn, 27 months: 2-2½ year review due;
    * Maya Evans, 5 months, weighed below the 2nd centile: a faltering-growth alert.
    """

    team: TeamData
    children: dict[str, uuid.UUID]
    clock: Clock

    @property
    def engine(self) -> Engine:
        return self.team.engine

    def workspace(self) -> Workspace:
        choice = DatabaseChoice(parse_url(str(self.engine.url), "test"), "the test database")
        return Workspace(self.engine, factories.actor(self.team.me), choice, today=self.clock)


#: (given name, family, sex, date of birth, birth weight in kg)
RECORD_CHILDREN = (
    ("Poppy", "Ahmed", Sex.FEMALE, dt.date(2026, 11, 13), 3.3),
    ("Noah", "Bell", Sex.MALE, dt.date(2026, 10, 10), 3.5),
    ("Ella", "Cole", Sex.FEMALE, dt.date(2025, 12, 20), 3.2),
    ("Leo", "Dunn", Sex.MALE, dt.date(2024, 8, 10), 3.6),
    ("Maya", "Evans", Sex.FEMALE, dt.date(2026, 6, 1), 3.4),
)


def build_record_team(engine: Engine) -> RecordTeam:
    team = build_team(engine)
    me = factories.actor(team.me)
    children: dict[str, uuid.UUID] = {}
    with unit_of_work(engine) as session:
        for seed, (given, family_name, sex, born, weight) in enumerate(RECORD_CHILDREN):
            family_id = create_family(
                session, me, FamilyDetails(family_name, "1 Test Street", "", "Leeds", "LS7 4AA")
            )
            child = register_child(
                session,
                me,
                ChildDetails(
                    nhs_number=factories.nhs_number(5000 + seed),
                    given_name=given,
                    family_name=family_name,
                    date_of_birth=born,
                    sex=sex,
                    gestation_weeks=40,
                    gestation_days=0,
                    birth_weight_kg=weight,
                    family_id=family_id,
                    health_visitor_id=team.me.id,
                ),
                today=TODAY,
            )
            children[given] = child.id
        poppy = session.get_one(Child, children["Poppy"])
        mother = factories.carer(session, session.get_one(Family, poppy.family_id), "Sara")
        pregnancy = Pregnancy(
            family_id=poppy.family_id,
            mother_id=mother.id,
            estimated_delivery_date=dt.date(2026, 11, 15),
            outcome=PregnancyOutcome.LIVE_BIRTH,
            outcome_date=poppy.date_of_birth,
            health_visitor_id=team.me.id,
        )
        session.add(pregnancy)
        session.flush()
        poppy.pregnancy_id = pregnancy.id
    with unit_of_work(engine) as session:
        # Maya, 5 months: 5.0 kg is below the 2nd centile (NICE NG75 faltering growth).
        record_contact(
            session,
            me,
            ContactEntry(
                kind=ContactKind.OTHER,
                contact_date=dt.date(2026, 11, 1),
                location=ContactLocation.CLINIC,
                outcome=ContactOutcome.COMPLETED,
                delivered_by_id=team.me.id,
                accountable_health_visitor_id=team.me.id,
                child_id=children["Maya"],
                measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 5.0),),
            ),
            today=TODAY,
        )
    return RecordTeam(team, children, Clock(TODAY))


@pytest.fixture
def record_team(sqlite_engine: Engine) -> RecordTeam:
    return build_record_team(sqlite_engine)


# --- Pregnancies whose babies are not born yet (issue 3) -------------------------


@dataclass(frozen=True)
class ExpectingTeam:
    """``RecordTeam`` plus ongoing pregnancies, for the antenatal review before the birth.

    * Rosa Patel, mine, EDD 20 Jan 2027 (31+6 weeks today), on a pre-birth plan: review due;
    * Lily Green, mine, EDD 10 Apr 2027 (20+3 weeks): review not yet due;
    * Hana Ito, my colleague Helen Walker's, EDD 5 Jan 2027: review due.
    """

    record_team: RecordTeam
    pregnancies: dict[str, uuid.UUID]

    @property
    def engine(self) -> Engine:
        return self.record_team.engine

    def workspace(self) -> Workspace:
        return self.record_team.workspace()


def build_expecting_team(engine: Engine) -> ExpectingTeam:
    record_team = build_record_team(engine)
    team = record_team.team
    pregnancies: dict[str, uuid.UUID] = {}
    with unit_of_work(engine) as session:
        chapeltown = session.get_one(Team, team.me.team_id)
        for given, surname, postcode, hv, edd in (
            ("Rosa", "Patel", "LS7 2QA", team.me, dt.date(2027, 1, 20)),
            ("Lily", "Green", "LS8 4DE", team.me, dt.date(2027, 4, 10)),
            ("Hana", "Ito", "LS7 9XY", team.colleague, dt.date(2027, 1, 5)),
        ):
            family = factories.family(session, chapeltown, surname)
            family.postcode = postcode
            mother = factories.carer(session, family, given)
            pregnancies[given] = factories.pregnancy(session, mother, hv, edd).id
        session.add(
            SafeguardingEntry(
                pregnancy_id=pregnancies["Rosa"],
                status=SafeguardingStatus.PRE_BIRTH_PLAN,
                start_date=dt.date(2026, 10, 1),
                note="",
            )
        )
    return ExpectingTeam(record_team, pregnancies)


@pytest.fixture
def expecting_team(sqlite_engine: Engine) -> ExpectingTeam:
    return build_expecting_team(sqlite_engine)
