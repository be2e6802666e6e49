"""The clinical data model (SQLAlchemy 2 typed ORM).

The schema itself is built only by the alembic migrations in
``healthvisitor/persistence/migrations``; ``tests/persistence/test_migrations.py``
checks that these models and the migrations agree.

Conventions (STYLE.md, issue 2):

* Primary keys are UUIDs made by the application (offline laptops never clash).
* Every editable row has a ``version`` column used for optimistic concurrency:
  a save against a stale version raises ``StaleDataError`` instead of silently
  overwriting a colleague's change.
* Clinical entries (contacts, measurements) are never deleted or overwritten:
  a correction is a new row whose ``supersedes_id`` points at the old one.
* Service level and safeguarding status are dated history, not a single field.
* Times are UTC and timezone-aware; enumerations are stored by value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    delete,
    event,
    false,
    insert,
    inspect,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    declared_attr,
    mapped_column,
    relationship,
)

from healthvisitor.domain.enums import (
    AgeUsed,
    AllocationChangeKind,
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    NewbornScreeningResult,
    NewbornScreeningTest,
    PregnancyOutcome,
    PromptDecision,
    RecordStatus,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.names import name_key
from healthvisitor.persistence.types import (
    UTCDateTime,
    coded,
    created_at,
    name_str,
    short_str,
    text_str,
    updated_at,
    utc_now,
    uuid_pk,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Mixin for editable rows: optimistic concurrency through ``version``."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Team(Base, Versioned):
    __tablename__ = "teams"

    id: Mapped[uuid_pk]
    name: Mapped[name_str] = mapped_column(unique=True)

    members: Mapped[list[User]] = relationship(back_populates="team")


class User(Base, Versioned):
    __tablename__ = "users"

    id: Mapped[uuid_pk]
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[name_str]
    role: Mapped[Role] = mapped_column(coded(Role, "role"), nullable=False)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # argon2id hash (issue 8); never a clear-text password.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Sign-in lockout (issue 8, healthvisitor.domain.accounts): failed attempts since
    # the last success, how many lockouts in a row (the delay doubles), and until when.
    # A leaver is disabled with ``active = False``: they cannot sign in, history stays.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(back_populates="members")


class Family(Base, Versioned):
    """A household: where the children live and who cares for them."""

    __tablename__ = "families"

    id: Mapped[uuid_pk]
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False, index=True)
    family_name: Mapped[name_str]
    address_line_1: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    address_line_2: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    town: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    postcode: Mapped[str] = mapped_column(String(10), nullable=False, default="", index=True)
    main_language: Mapped[str] = mapped_column(String(50), nullable=False, default="English")
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    gp_practice: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # Issue 9 (migration 0019): the registration dialog's key, as on ``Contact.idempotency_key``.
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)

    carers: Mapped[list[Carer]] = relationship(back_populates="family", order_by="Carer.given_name")
    children: Mapped[list[Child]] = relationship(
        back_populates="family", order_by="Child.date_of_birth"
    )
    pregnancies: Mapped[list[Pregnancy]] = relationship(back_populates="family")


class Carer(Base, Versioned):
    __tablename__ = "carers"

    id: Mapped[uuid_pk]
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id"), nullable=False, index=True
    )
    given_name: Mapped[name_str]
    family_name: Mapped[name_str]
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    relationship_to_child: Mapped[CarerRelationship] = mapped_column(
        coded(CarerRelationship, "carer_relationship"), nullable=False
    )
    phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    smoking_status: Mapped[SmokingStatus] = mapped_column(
        coded(SmokingStatus, "smoking_status"), nullable=False, default=SmokingStatus.NOT_KNOWN
    )
    # Issue 9 (migration 0019): the registration dialog's key, as on ``Contact.idempotency_key``.
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)

    family: Mapped[Family] = relationship(back_populates="carers")


class Pregnancy(Base, Versioned):
    __tablename__ = "pregnancies"

    id: Mapped[uuid_pk]
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id"), nullable=False, index=True
    )
    mother_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("carers.id"), nullable=False)
    estimated_delivery_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    outcome: Mapped[PregnancyOutcome] = mapped_column(
        coded(PregnancyOutcome, "pregnancy_outcome"),
        nullable=False,
        default=PregnancyOutcome.ONGOING,
    )
    outcome_date: Mapped[dt.date | None] = mapped_column(Date)
    health_visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Issue 9 (migration 0019): the registration dialog's key, as on ``Contact.idempotency_key``.
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)

    family: Mapped[Family] = relationship(back_populates="pregnancies")
    mother: Mapped[Carer] = relationship()


class Child(Base, Versioned):
    __tablename__ = "children"

    id: Mapped[uuid_pk]
    nhs_number: Mapped[str] = mapped_column(String(10), nullable=False, unique=True)
    given_name: Mapped[name_str]
    family_name: Mapped[name_str]
    date_of_birth: Mapped[dt.date] = mapped_column(Date, nullable=False)
    sex: Mapped[Sex] = mapped_column(coded(Sex, "sex"), nullable=False)
    gestation_weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    gestation_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    birth_weight_kg: Mapped[float | None] = mapped_column(Float)
    place_of_birth: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id"), nullable=False, index=True
    )
    pregnancy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pregnancies.id"))
    # The team responsible for the child (national metrics count children in
    # the team responsible at the end of the quarter).
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False, index=True)
    # The allocated (named) health visitor; NULL while awaiting allocation.
    health_visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    record_status: Mapped[RecordStatus] = mapped_column(
        coded(RecordStatus, "record_status"), nullable=False, default=RecordStatus.ACTIVE
    )
    record_status_date: Mapped[dt.date | None] = mapped_column(Date)
    # Arrived from another area's health visiting service (issue 4): shown on
    # the unallocated list as a transfer in rather than a new birth.
    transferred_in_from: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    transferred_in_on: Mapped[dt.date | None] = mapped_column(Date)

    family: Mapped[Family] = relationship(back_populates="children")
    health_visitor: Mapped[User | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="child", order_by="Contact.contact_date"
    )
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="child", order_by="Measurement.measured_on"
    )

    __table_args__ = (
        CheckConstraint("gestation_weeks BETWEEN 22 AND 44", name="gestation_weeks_range"),
        CheckConstraint("gestation_days BETWEEN 0 AND 6", name="gestation_days_range"),
        Index("ix_children_name", "family_name", "given_name"),
        Index("ix_children_date_of_birth", "date_of_birth"),
        # The national metrics read cohorts by date of birth from the index alone
        # (migration 0010, issue 7).
        Index(
            "ix_children_for_metrics",
            "date_of_birth",
            "id",
            "team_id",
            "health_visitor_id",
            "record_status",
            "record_status_date",
            "transferred_in_on",
        ),
        # A health visitor's caseload (migration 0014, issue 10).
        Index("ix_children_caseload", "health_visitor_id", "team_id", "record_status"),
    )


class ChildSearchWord(Base):
    """One word of a child's name, folded by ``name_key``, for the team search.

    "smi" finds Smith-Jones and "jon" finds her too: each word of the given
    and family names is a row, so a prefix of any word is an index range scan.
    Kept in step with ``Child`` by the mapper events below; the demo
    generator's bulk rows call ``search_words_for`` itself.
    """

    __tablename__ = "child_search_words"

    word: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql"), primary_key=True
    )
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), primary_key=True, index=True
    )


def search_words_for(
    child_id: uuid.UUID, given_name: str, family_name: str
) -> list[dict[str, Any]]:
    """The ``child_search_words`` rows for one child's name."""
    words = set(name_key(given_name).split()) | set(name_key(family_name).split())
    return [{"word": word[:100], "child_id": child_id} for word in sorted(words)]


@event.listens_for(Child, "after_insert")
def _index_new_child(mapper: Mapper[Child], connection: Connection, child: Child) -> None:
    rows = search_words_for(child.id, child.given_name, child.family_name)
    if rows:
        connection.execute(insert(ChildSearchWord), rows)


@event.listens_for(Child, "after_update")
def _reindex_renamed_child(mapper: Mapper[Child], connection: Connection, child: Child) -> None:
    state = inspect(child)
    if not (
        state.attrs.given_name.history.has_changes()
        or state.attrs.family_name.history.has_changes()
    ):
        return
    connection.execute(delete(ChildSearchWord).where(ChildSearchWord.child_id == child.id))
    _index_new_child(mapper, connection, child)


class AllocationChange(Base):
    """One change of a child's or a pregnancy's named health visitor. Append-only.

    The child's allocation history (issue 4): who moved them, when, from whom
    to whom and why. Changes made together (a bulk reallocation, siblings
    moved with a child) share a ``batch_id``, which is what undo reverses.
    """

    __tablename__ = "allocation_changes"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    pregnancy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pregnancies.id"), index=True)
    kind: Mapped[AllocationChangeKind] = mapped_column(
        coded(AllocationChangeKind, "allocation_change_kind"), nullable=False
    )
    from_health_visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    to_health_visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[text_str]
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    undoes_batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    changed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)

    __table_args__ = (
        CheckConstraint(
            "(child_id IS NOT NULL AND pregnancy_id IS NULL)"
            " OR (child_id IS NULL AND pregnancy_id IS NOT NULL)",
            name="one_subject",
        ),
    )


class TeamTransfer(Base):
    """A child moving from one team of the trust to another (issue 4). Append-only.

    ``Child.team_id`` holds the team responsible now; this history says which
    team was responsible on any earlier date, which the national metrics need:
    a child counts in the team responsible at the end of the quarter (issue 7,
    LG Inform metrics 4232 and 4239). On a date before the first transfer the
    child was with that transfer's ``from_team_id``.
    """

    __tablename__ = "team_transfers"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    from_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False)
    to_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False)
    # The first day the receiving team is responsible.
    effective_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reason: Mapped[text_str]
    transferred_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    transferred_at: Mapped[created_at]

    __table_args__ = (
        CheckConstraint("from_team_id <> to_team_id", name="different_teams"),
        Index("ix_team_transfers_effective_date", "effective_date"),
    )


class CoverArrangement(Base, Versioned):
    """A colleague holds an absent health visitor's caseload until a date.

    The children stay allocated to their own health visitor; from
    ``start_date`` to ``end_date`` (inclusive) they also appear on the
    covering health visitor's caseload, and after it they simply do not:
    the caseload returns by itself. ``ended_on`` records an early end.
    """

    __tablename__ = "cover_arrangements"

    id: Mapped[uuid_pk]
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False, index=True)
    absent_health_visitor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id"), nullable=False, index=True
    )
    covering_health_visitor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id"), nullable=False, index=True
    )
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[text_str]
    arranged_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint(
            "absent_health_visitor_id <> covering_health_visitor_id", name="not_self_cover"
        ),
    )


class RecordStatusChange(Base):
    """A child's record moving through time: transfer out, moved away, discharge,
    death, or reopening. Append-only; ``Child.record_status`` holds the latest."""

    __tablename__ = "record_status_changes"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    status: Mapped[RecordStatus] = mapped_column(
        coded(RecordStatus, "record_status"), nullable=False
    )
    effective_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # Where to or why, in the health visitor's words ("School nursing, Hillside Primary").
    detail: Mapped[text_str]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[created_at]


class ServiceLevelEntry(Base):
    """Dated history of a child's level of service; the open entry is current."""

    __tablename__ = "service_level_history"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    level: Mapped[ServiceLevel] = mapped_column(
        coded(ServiceLevel, "service_level"), nullable=False
    )
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_at]

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )


class SafeguardingEntry(Base):
    """Dated history of safeguarding status, on a child or (pre-birth plan) a pregnancy."""

    __tablename__ = "safeguarding_history"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    pregnancy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pregnancies.id"), index=True)
    status: Mapped[SafeguardingStatus] = mapped_column(
        coded(SafeguardingStatus, "safeguarding_status"), nullable=False
    )
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[text_str]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_at]

    __table_args__ = (
        CheckConstraint(
            "(child_id IS NOT NULL AND pregnancy_id IS NULL)"
            " OR (child_id IS NULL AND pregnancy_id IS NOT NULL)",
            name="one_subject",
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )


class Contact(Base, Versioned):
    """A contact with a family: one of the five mandated reviews, or another contact."""

    __tablename__ = "contacts"

    id: Mapped[uuid_pk]
    kind: Mapped[ContactKind] = mapped_column(coded(ContactKind, "contact_kind"), nullable=False)
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    pregnancy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pregnancies.id"), index=True)
    contact_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    location: Mapped[ContactLocation] = mapped_column(
        coded(ContactLocation, "contact_location"), nullable=False
    )
    outcome: Mapped[ContactOutcome] = mapped_column(
        coded(ContactOutcome, "contact_outcome"), nullable=False
    )
    # Who delivered the contact, and the named health visitor accountable for it
    # (DHSC, "Delivery of the healthy child programme", 2026: supervised delegation).
    delivered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    accountable_health_visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[text_str]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"))
    # A review done by another area's service, recorded when the child
    # transferred in (issue 4): who did it, in their words. Empty for our own.
    previous_provider: Mapped[str] = mapped_column(String(100), nullable=False, default="")

    # Structured findings (issue 3). NULL means "not asked or not recorded",
    # which the national metrics count separately from a recorded answer.
    who_was_seen: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    interpreter_used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    next_planned_contact: Mapped[dt.date | None] = mapped_column(Date)
    feeding: Mapped[FeedingStatus | None] = mapped_column(coded(FeedingStatus, "feeding_status"))
    # Whooley questions (NICE CG192): a yes to either is a positive screen.
    whooley_low_mood: Mapped[bool | None] = mapped_column(Boolean)
    whooley_loss_of_interest: Mapped[bool | None] = mapped_column(Boolean)
    # GAD-2 (NICE CG192): 0-6; 3 or more warrants further assessment.
    gad2_score: Mapped[int | None] = mapped_column(Integer)
    mother_smokes: Mapped[bool | None] = mapped_column(Boolean)
    household_smokes: Mapped[bool | None] = mapped_column(Boolean)
    carbon_monoxide_ppm: Mapped[float | None] = mapped_column(Float)
    # Issue 9: chosen when the form opens (kept in its draft); a save retried
    # after a dropped connection finds the first one instead of writing twice.
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)

    child: Mapped[Child | None] = relationship(back_populates="contacts")
    measurements: Mapped[list[Measurement]] = relationship(back_populates="contact")
    development_scores: Mapped[list[DevelopmentScore]] = relationship(back_populates="contact")
    delivered_by: Mapped[User] = relationship(foreign_keys=[delivered_by_id])

    __table_args__ = (
        CheckConstraint("child_id IS NOT NULL OR pregnancy_id IS NOT NULL", name="has_subject"),
        CheckConstraint(
            "kind <> 'antenatal' OR pregnancy_id IS NOT NULL", name="antenatal_on_pregnancy"
        ),
        CheckConstraint(
            "kind IN ('antenatal', 'other') OR child_id IS NOT NULL", name="review_on_child"
        ),
        CheckConstraint("gad2_score BETWEEN 0 AND 6", name="gad2_range"),
        CheckConstraint("carbon_monoxide_ppm BETWEEN 0 AND 100", name="co_range"),
        # A child's reviews of one kind, for the national metrics, from the index
        # alone (migration 0010, issue 7).
        Index(
            "ix_contacts_for_metrics",
            "child_id",
            "kind",
            "contact_date",
            "outcome",
            "location",
            "supersedes_id",
            "id",
        ),
        # The antenatal reviews (contacts on a pregnancy) of a quarter, by date.
        Index(
            "ix_contacts_on_pregnancy_by_date",
            "contact_date",
            sqlite_where=text("pregnancy_id IS NOT NULL"),
            postgresql_where=text("pregnancy_id IS NOT NULL"),
        ),
        # Issue 7: a cohort's child reviews by kind and date, for PostgreSQL (migration
        # 0015 says why partial, and why SQLite does not use it).
        Index(
            "ix_contacts_by_kind_date",
            "kind",
            "outcome",
            "contact_date",
            "child_id",
            "location",
            "id",
            sqlite_where=text(
                "kind IN ('new_birth_visit', 'six_to_eight_week', 'one_year', 'two_year')"
            ),
            postgresql_where=text(
                "kind IN ('new_birth_visit', 'six_to_eight_week', 'one_year', 'two_year')"
            ),
        ),
        # Issue 10: "is it corrected?" is one look-up in the few correcting rows.
        Index(
            "ix_contacts_supersedes_id",
            "supersedes_id",
            sqlite_where=text("supersedes_id IS NOT NULL"),
            postgresql_where=text("supersedes_id IS NOT NULL"),
        ),
    )


class Measurement(Base):
    """A growth measurement. Never edited: a correction supersedes it."""

    __tablename__ = "measurements"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), nullable=False)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[MeasurementKind] = mapped_column(
        coded(MeasurementKind, "measurement_kind"), nullable=False
    )
    # kilograms for weight, centimetres for the others (MeasurementKind.unit)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    measured_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[created_at]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("measurements.id"))
    # UK-WHO result computed with rcpchgrowth when saved (issue 3), with the
    # reference and the age it was computed at, so a centile can be traced.
    sds: Mapped[float | None] = mapped_column(Float)
    centile: Mapped[float | None] = mapped_column(Float)
    age_used: Mapped[AgeUsed | None] = mapped_column(coded(AgeUsed, "age_used"))
    decimal_age: Mapped[float | None] = mapped_column(Float)
    growth_reference: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    # The practitioner confirmed a change the app found implausible.
    change_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    child: Mapped[Child] = relationship(back_populates="measurements")
    contact: Mapped[Contact | None] = relationship(back_populates="measurements")

    __table_args__ = (
        CheckConstraint("value > 0", name="value_positive"),
        Index("ix_measurements_child_id_measured_on", "child_id", "measured_on"),
        # Issue 10: "is it corrected?" is one look-up in the few correcting rows.
        Index(
            "ix_measurements_supersedes_id",
            "supersedes_id",
            sqlite_where=text("supersedes_id IS NOT NULL"),
            postgresql_where=text("supersedes_id IS NOT NULL"),
        ),
        # A caseload's weights, read from the index alone (migration 0014, issue 10).
        Index(
            "ix_measurements_weights",
            "child_id",
            "kind",
            "measured_on",
            "recorded_at",
            "value",
            "sds",
            "centile",
            "id",
        ),
    )


class DevelopmentScore(Base):
    """One ASQ-3 domain (or the ASQ:SE-2 total) scored at a review.

    The cut-off tables are the publisher's: the score and the zone the
    practitioner read from the questionnaire are both stored (DOMAIN.md).
    """

    __tablename__ = "development_scores"

    id: Mapped[uuid_pk]
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id"), nullable=False, index=True
    )
    domain: Mapped[DevelopmentDomain] = mapped_column(
        coded(DevelopmentDomain, "development_domain"), nullable=False
    )
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    zone: Mapped[ScreeningZone] = mapped_column(
        coded(ScreeningZone, "screening_zone"), nullable=False
    )

    contact: Mapped[Contact] = relationship(back_populates="development_scores")

    __table_args__ = (
        UniqueConstraint("contact_id", "domain"),
        CheckConstraint("score >= 0", name="score_not_negative"),
    )


class ReferralType(Base, Versioned):
    """A route a health visitor refers families to. Retired types stay on old referrals."""

    __tablename__ = "referral_types"

    id: Mapped[uuid_pk]
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[name_str]
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Printed on the family's (parent-held) red book copy? False unless an
    # administrator says so: a new route fails closed (hazard H17, issue 5).
    on_family_copy: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class Referral(Base, Versioned):
    """A referral about a child, or about a carer (a smoking mother is referred herself)."""

    __tablename__ = "referrals"

    id: Mapped[uuid_pk]
    referral_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referral_types.id"), nullable=False
    )
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    carer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("carers.id"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(
        coded(ReferralStatus, "referral_status"), nullable=False, default=ReferralStatus.DRAFT
    )
    reason: Mapped[text_str]
    made_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    made_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    # Consent (issue 5): given, refused, or not required because of safeguarding;
    # the note says why when it is not given.
    consent: Mapped[ReferralConsent] = mapped_column(
        coded(ReferralConsent, "referral_consent"),
        nullable=False,
        default=ReferralConsent.NOT_RECORDED,
    )
    consent_note: Mapped[text_str]
    # The coded outcome of a completed or closed referral; ``outcome`` keeps the words.
    outcome_code: Mapped[ReferralOutcome | None] = mapped_column(
        coded(ReferralOutcome, "referral_outcome")
    )
    # For the letter: the service (team, address) it goes to, and what has been tried.
    sent_to: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    tried_so_far: Mapped[text_str]
    # Issue 9: the new-referral form's key, as on ``Contact.idempotency_key``.
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)

    referral_type: Mapped[ReferralType] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.recorded_at"
    )

    __table_args__ = (
        CheckConstraint(
            "(child_id IS NOT NULL AND carer_id IS NULL)"
            " OR (child_id IS NULL AND carer_id IS NOT NULL)",
            name="one_subject",
        ),
    )


class ReferralEvent(Base):
    """One step of a referral (made, sent, acknowledged, ...). Append-only.

    ``Referral.status`` holds the latest step; this is the history a family
    or a service may ask about: what happened on which day, recorded by whom.
    """

    __tablename__ = "referral_events"

    id: Mapped[uuid_pk]
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id"), nullable=False, index=True
    )
    status: Mapped[ReferralStatus] = mapped_column(
        coded(ReferralStatus, "referral_status"), nullable=False
    )
    event_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[text_str]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[created_at]

    referral: Mapped[Referral] = relationship(back_populates="events")


class ReferralPrompt(Base):
    """A referral prompt that fired, and the health visitor's decision on it (issue 5).

    Which rule (``healthvisitor.domain.referral_rules``) fired on which
    contact about which child or carer. The row is written "to decide"
    (``pending``) in the unit of work that saves the contact, so closing the
    window or a crash cannot lose it; it then moves once, and only once, to
    accepted (the drafted referral, if the rule suggests one) or declined with
    the reason typed, saying who decided and when. An accepted "was not
    brought" prompt asks the team lead for a safeguarding discussion, which
    the lead closes once (``discussed_on``, the outcome, who). Never deleted.
    """

    __tablename__ = "referral_prompts"

    id: Mapped[uuid_pk]
    rule_id: Mapped[str] = mapped_column(String(40), nullable=False)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    carer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("carers.id"), index=True)
    # What was found, in words ("CO 8 ppm"), as the prompt showed it.
    finding: Mapped[text_str]
    decision: Mapped[PromptDecision] = mapped_column(
        coded(PromptDecision, "prompt_decision"), nullable=False
    )
    # When the prompt fired (the contact was saved), and by whose save.
    raised_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    raised_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    raised_at: Mapped[created_at]
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    reason: Mapped[text_str]
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The team lead's safeguarding discussion, for an accepted discussion prompt.
    discussed_on: Mapped[dt.date | None] = mapped_column(Date)
    discussed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    discussed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    discussion_outcome: Mapped[str] = mapped_column(
        String(4000), nullable=False, default="", server_default=""
    )

    __table_args__ = (
        CheckConstraint(
            "(child_id IS NOT NULL AND carer_id IS NULL)"
            " OR (child_id IS NULL AND carer_id IS NOT NULL)",
            name="one_subject",
        ),
        CheckConstraint("decision <> 'declined' OR reason <> ''", name="declined_with_reason"),
        CheckConstraint(
            "(decision = 'pending' AND decided_on IS NULL AND decided_by_id IS NULL)"
            " OR (decision <> 'pending' AND decided_on IS NOT NULL"
            " AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided_by_whom",
        ),
        CheckConstraint(
            "discussed_on IS NULL OR (decision = 'accepted' AND discussed_by_id IS NOT NULL"
            " AND discussed_at IS NOT NULL AND discussion_outcome <> '')",
            name="discussed_with_outcome",
        ),
        Index("ix_referral_prompts_rule_id_child_id_carer_id", "rule_id", "child_id", "carer_id"),
        Index("ix_referral_prompts_decision", "decision"),
    )


class AuditEvent(Base):
    """Who did what to which record, when and from which machine. Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[uuid_pk]
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[short_str]
    entity_type: Mapped[short_str]
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    machine: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # The tamper-evident chain (issue 8, healthvisitor.services.audit_chain): the
    # event's place in the chain, and the HMAC-SHA256 of its fields and the previous
    # event's hash. None only for events written before the chain began (0009).
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    row_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_occurred_at", "occurred_at"),)


class AuditChainHead(Base):
    """The last link of the audit chain, kept apart from the events (issue 8).

    One row. Appending an event locks it (serialising writers, so two sessions
    cannot fork the chain); ``healthvisitor audit verify`` compares it with the
    last event, so deleting events from the end is detected.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Names this database's chain key outside the database (never the key itself).
    chain_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # The first sequence number signed; events below it predate the chain.
    signed_from: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


class NewbornScreening(Base):
    """One newborn or infant screening result (issue 6). Append-only.

    Blood spot, hearing, and the newborn and 6-8 week physical examinations
    (NIPE), with the coded result the programme reported. Never edited: a
    correction is a new row whose ``supersedes_id`` points at the old one.
    """

    __tablename__ = "newborn_screenings"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    test: Mapped[NewbornScreeningTest] = mapped_column(
        coded(NewbornScreeningTest, "newborn_screening_test"), nullable=False
    )
    screened_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    result: Mapped[NewbornScreeningResult] = mapped_column(
        coded(NewbornScreeningResult, "newborn_screening_result"), nullable=False
    )
    note: Mapped[text_str]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[created_at]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("newborn_screenings.id"))


class Immunisation(Base):
    """One vaccine dose given to a child (issue 6). Append-only.

    ``vaccine`` is a code from ``healthvisitor.domain.immunisations.VACCINES``;
    ``given_elsewhere`` marks a dose given by another service (a GP practice
    abroad, another area) and recorded here from the family's record. A
    correction is a new row whose ``supersedes_id`` points at the old one.
    """

    __tablename__ = "immunisations"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    vaccine: Mapped[str] = mapped_column(String(40), nullable=False)
    dose: Mapped[int] = mapped_column(Integer, nullable=False)
    given_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    given_elsewhere: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    batch: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[created_at]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("immunisations.id"))

    __table_args__ = (CheckConstraint("dose >= 1", name="dose_positive"),)


# --- Offline working (issue 12, healthvisitor.sync) -------------------------------
# The same schema runs on the shared database and on a laptop's local copy:
# ``sync_state``, ``sync_outbox`` and ``sync_base`` are used on the laptop,
# ``sync_receipts`` and ``sync_conflicts`` on the shared database.


class SyncState(Base):
    """Whose local copy this is, and when it last synchronised (one row, laptop only)."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    machine: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    last_pulled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_pushed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


class SyncOutboxEntry(Base):
    """One change made on the laptop, waiting to be sent (laptop only).

    ``kind`` is ``add`` (a new row, sent as it stands when pushed) or ``edit``
    (an editable record changed; the fields are found by comparing it with its
    ``sync_base`` row). Entries written in one local transaction share a
    ``batch_id`` and reach the server in one transaction. ``change_id`` names
    the change on the server, which is what makes sending twice harmless.
    """

    __tablename__ = "sync_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, unique=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    queued_at: Mapped[created_at]
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("kind IN ('add', 'edit')", name="kind_known"),
        Index(
            "ix_sync_outbox_unsent",
            "table_name",
            "record_id",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
    )


class SyncBase(Base):
    """An editable record as it was pulled from the server (laptop only).

    The base of the three-way merge: what the laptop changed is the local row
    against this; what the server changed is the server's row against this.
    """

    __tablename__ = "sync_base"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # JSON object: column name -> value as ``healthvisitor.sync.values`` writes it.
    base_values: Mapped[str] = mapped_column(Text, nullable=False)


class SyncReceipt(Base):
    """One change received from a laptop (shared database only). Append-only.

    ``sequence`` is the server's own order of arrival (never a laptop clock);
    ``change_id`` is unique, so a change sent twice is applied once.
    """

    __tablename__ = "sync_receipts"

    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    change_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, unique=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    # added, already_present, applied, merged, conflict, unchanged
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    pushed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    machine: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    received_at: Mapped[created_at]


class SyncConflict(Base):
    """The same field changed on the server and offline: both values, for a person to decide.

    The record keeps the server's value until someone resolves the conflict;
    nothing is silently overwritten (issue 12). Values are JSON as
    ``healthvisitor.sync.values`` writes them.
    """

    __tablename__ = "sync_conflicts"

    id: Mapped[uuid_pk]
    receipt_sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("sync_receipts.sequence"),
        nullable=False,
    )
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(64), nullable=False)
    base_value: Mapped[str] = mapped_column(Text, nullable=False)
    server_value: Mapped[str] = mapped_column(Text, nullable=False)
    laptop_value: Mapped[str] = mapped_column(Text, nullable=False)
    laptop_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    raised_at: Mapped[created_at]
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    resolved_value: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_sync_conflicts_open",
            "table_name",
            "record_id",
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )


# --- break-glass access (issue 8, migration 0017): begin ---


class BreakGlassAccess(Base):
    """A clinician opened another team's child's record with a typed reason. Never deleted.

    The grant lets its user read that one record until ``expires_at``
    (``healthvisitor.services.break_glass``); ``team_id`` is the team whose record
    it was, whose lead sees the access until they mark it reviewed.
    """

    __tablename__ = "break_glass_access"

    id: Mapped[uuid_pk]
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), nullable=False)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)
    machine: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("expires_at > granted_at", name="expires_after_granted"),
        CheckConstraint(
            "(reviewed_at IS NULL) = (reviewed_by_id IS NULL)", name="reviewed_with_reviewer"
        ),
        Index("ix_break_glass_access_user_child", "user_id", "child_id"),
        Index(
            "ix_break_glass_access_to_review",
            "team_id",
            "granted_at",
            sqlite_where=text("reviewed_at IS NULL"),
            postgresql_where=text("reviewed_at IS NULL"),
        ),
    )


# --- break-glass access (issue 8): end ---
