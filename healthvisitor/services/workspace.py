"""The application's front door for the window: one signed-in user on one database.

The Qt shell holds a ``Workspace`` and never a ``Session``: each method is one
unit of work and returns plain read models (frozen dataclasses), so no lazy
load or detached ORM object ever crosses into ``healthvisitor.ui`` or
``healthvisitor.reports``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.enums import PregnancyOutcome, RecordStatus, Role
from healthvisitor.drafts import DRAFTS_FOLDER_NAME, DraftKey, DraftStore
from healthvisitor.errors import EditConflictError, NotFoundError
from healthvisitor.persistence import database
from healthvisitor.persistence import unit_of_work as plain
from healthvisitor.persistence.database import check_connection, watch_connection
from healthvisitor.persistence.models import Child, Team, User
from healthvisitor.persistence.types import utc_now
from healthvisitor.services import access_report as access_report_service
from healthvisitor.services import allocation as allocation_service
from healthvisitor.services import caseload as caseload_service
from healthvisitor.services import child_record as child_record_service
from healthvisitor.services import contacts as contacts_service
from healthvisitor.services import life_events as life_events_service
from healthvisitor.services import pregnancies as pregnancies_service
from healthvisitor.services import record_edits as record_edits_service
from healthvisitor.services import records as records_service
from healthvisitor.services import search as search_service
from healthvisitor.services import team_board as team_board_service
from healthvisitor.services import team_transfer as team_transfer_service
from healthvisitor.services.access import check_account_unchanged
from healthvisitor.services.actor import Actor, actor_for
from healthvisitor.services.policy import no_permission_needed


@no_permission_needed("the window's transaction: each service called inside checks its own")
@contextmanager
def unit_of_work(engine: Engine, actor: Actor | None = None) -> Iterator[Session]:
    """The unit of work of one action in the window, on behalf of ``actor``.

    The window keeps the Actor it signed in with; before anything is read or
    saved, the account is checked to be still active with that role and team
    (AccountChangedError otherwise, and nothing is done)."""
    with plain.unit_of_work(engine) as session:
        if actor is not None:
            check_account_unchanged(session, actor)
        yield session


T = TypeVar("T")


@no_permission_needed("the window's exactly-once save: each service called inside checks its own")
def save_once(
    engine: Engine,
    actor: Actor,
    what: str,
    key: uuid.UUID | None,
    save: Callable[[Session], T],
    earlier: Callable[[Session, uuid.UUID], T | None],
) -> T:
    """``database.save_once`` on behalf of ``actor``: it opens its own unit of work, so
    the account is checked there first, as ``unit_of_work`` does for every other action."""

    def checked(session: Session) -> T:
        check_account_unchanged(session, actor)
        return save(session)

    return database.save_once(engine, what, key, checked, earlier)


@dataclass(frozen=True)
class SignedIn:
    """Who is working and where: shown in the window's title and status bar."""

    full_name: str
    role: Role
    team_name: str
    database: str
    database_source: str


class Workspace:
    def __init__(
        self,
        engine: Engine,
        actor: Actor,
        choice: DatabaseChoice,
        today: Callable[[], dt.date] = local_today,
    ) -> None:
        self.engine = engine
        self.actor = actor
        self.choice = choice
        self._today = today

    def today(self) -> dt.date:
        return self._today()

    def signed_in(self) -> SignedIn:
        with unit_of_work(self.engine, self.actor) as session:
            team = session.get(Team, self.actor.team_id) if self.actor.team_id else None
            return SignedIn(
                full_name=self.actor.full_name,
                role=self.actor.role,
                team_name=team.name if team else "",
                database=self.choice.describe(),
                database_source=self.choice.source,
            )

    def team_health_visitors(self) -> list[caseload_service.HealthVisitorSummary]:
        with unit_of_work(self.engine, self.actor) as session:
            return caseload_service.team_health_visitors(session, self.actor)

    def caseload(
        self, health_visitor_id: uuid.UUID | None = None
    ) -> list[caseload_service.CaseloadRow]:
        with unit_of_work(self.engine, self.actor) as session:
            return caseload_service.caseload(
                session, self.actor, today=self.today(), health_visitor_id=health_visitor_id
            )

    def pregnancies(
        self, health_visitor_id: uuid.UUID | None = None
    ) -> list[pregnancies_service.PregnancyRow]:
        """Ongoing pregnancies on the caseload, with their antenatal review (issue 3)."""
        with unit_of_work(self.engine, self.actor) as session:
            return pregnancies_service.pregnancy_caseload(
                session, self.actor, today=self.today(), health_visitor_id=health_visitor_id
            )

    def team_board(self) -> team_board_service.TeamBoard:
        """Every caseload in the team and the unallocated children (team leads only)."""
        with unit_of_work(self.engine, self.actor) as session:
            return team_board_service.team_board(session, self.actor, today=self.today())

    def child_record(self, child_id: uuid.UUID) -> child_record_service.ChildRecord:
        """One child's record as the screen shows it (opening it is audited)."""
        with unit_of_work(self.engine, self.actor) as session:
            return child_record_service.child_record(
                session, self.actor, child_id, today=self.today()
            )

    def who_accessed(
        self,
        child_id: uuid.UUID | None,
        start: dt.date,
        end: dt.date,
        *,
        nhs_number: str | None = None,
    ) -> access_report_service.AccessReport:
        """Who accessed the child's record in these local days (team leads, administrators).

        The child by id, or (``child_id`` None) by NHS number, as an administrator
        answering a family asks."""
        with unit_of_work(self.engine, self.actor) as session:
            return access_report_service.who_accessed(
                session,
                self.actor,
                child_id=child_id,
                nhs_number=nhs_number,
                start=start,
                end=end,
                now=utc_now(),
            )

    def record_contact(
        self, entry: contacts_service.ContactEntry, *, confirm_implausible: bool = False
    ) -> contacts_service.RecordedContact:
        """Save a contact with its findings; nothing is saved if it raises.

        The referral prompts its findings fire are saved "to decide" in the same
        unit of work (issue 5), so no prompt is lost to a closed window or a crash.
        A dropped connection is a ``DatabaseUnavailableError`` saying whether the
        contact was certainly not saved, or may have been (lost during the commit).
        Saved again with the same idempotency key, it is applied exactly once
        (issue 9): the first save is returned (``replayed``), its prompts not raised twice.
        """

        def save(session: Session) -> contacts_service.RecordedContact:
            recorded = contacts_service.record_contact(
                session,
                self.actor,
                entry,
                today=self.today(),
                confirm_implausible=confirm_implausible,
            )
            if not recorded.replayed:
                self.referrals_service.raise_prompts(
                    session, self.actor, recorded.contact_id, today=self.today()
                )
            return recorded

        def earlier(session: Session, key: uuid.UUID) -> contacts_service.RecordedContact | None:
            return contacts_service.saved_contact(session, self.actor, key, today=self.today())

        return save_once(self.engine, self.actor, "contact", entry.idempotency_key, save, earlier)

    def check_connection(self) -> None:
        """``DatabaseUnavailableError`` unless the database answers (the offline indicator)."""
        check_connection(self.engine)

    def watch_connection(self, lost: Callable[[str], None]) -> Callable[[], None]:
        """Have ``lost`` called, on any thread, when the database connection fails."""
        return watch_connection(self.engine, lost)

    # --- drafts of open forms (issue 9): on this computer, never in the database ---

    def draft_store(self) -> DraftStore:
        """Where this computer keeps the signed-in user's unsaved forms (healthvisitor.drafts)."""
        from healthvisitor.config import data_dir

        return DraftStore(data_dir() / DRAFTS_FOLDER_NAME)

    def draft_key(self, subject_id: uuid.UUID, form: str) -> DraftKey:
        return DraftKey(self.actor.username, subject_id, form)

    # --- allocation and cover (issue 4): add methods below this line only ---

    def plan_allocation(
        self,
        child_ids: list[uuid.UUID],
        to_health_visitor_id: uuid.UUID,
        *,
        keep_siblings_together: bool = True,
        pregnancy_ids: list[uuid.UUID] | None = None,
    ) -> allocation_service.AllocationPlan:
        """What an allocation would move (siblings included), before the lead confirms."""
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.plan_allocation(
                session,
                self.actor,
                child_ids,
                to_health_visitor_id,
                keep_siblings_together=keep_siblings_together,
                pregnancy_ids=pregnancy_ids or (),
            )

    def allocate(
        self,
        child_ids: list[uuid.UUID],
        to_health_visitor_id: uuid.UUID,
        *,
        reason: str,
        keep_siblings_together: bool = True,
        expected: dict[uuid.UUID, uuid.UUID | None] | None = None,
        pregnancy_ids: list[uuid.UUID] | None = None,
    ) -> allocation_service.AllocationResult:
        """Allocate or reallocate children (and pregnancies) to a health visitor; all or
        nothing."""
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.allocate(
                session,
                self.actor,
                child_ids,
                to_health_visitor_id,
                reason=reason,
                today=self.today(),
                keep_siblings_together=keep_siblings_together,
                expected=expected,
                pregnancy_ids=pregnancy_ids or (),
            )

    def undo_allocation(self, batch_id: uuid.UUID) -> allocation_service.AllocationResult:
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.undo_allocation(
                session, self.actor, batch_id, today=self.today()
            )

    def recent_allocation_changes(self) -> tuple[allocation_service.AllocationBatch, ...]:
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.recent_allocation_changes(session, self.actor)

    def allocation_history(
        self, child_id: uuid.UUID
    ) -> tuple[allocation_service.AllocationHistoryLine, ...]:
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.allocation_history(session, self.actor, child_id)

    def team_cover(self) -> tuple[allocation_service.CoverLine, ...]:
        """Cover in force today or arranged for later (team leads only)."""
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.team_cover(session, self.actor, today=self.today())

    def arrange_cover(
        self,
        absent_id: uuid.UUID,
        covering_id: uuid.UUID,
        *,
        start: dt.date,
        end: dt.date,
        reason: str,
    ) -> allocation_service.CoverLine:
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.arrange_cover(
                session,
                self.actor,
                absent_id,
                covering_id,
                start=start,
                end=end,
                reason=reason,
                today=self.today(),
            )

    def end_cover(
        self, cover_id: uuid.UUID, *, expected_version: int | None = None
    ) -> allocation_service.CoverLine:
        with unit_of_work(self.engine, self.actor) as session:
            return allocation_service.end_cover(
                session,
                self.actor,
                cover_id,
                today=self.today(),
                expected_version=expected_version,
            )

    def trust_teams(self) -> tuple[team_transfer_service.TeamChoice, ...]:
        """The other teams of the trust a team lead may transfer a child to."""
        with unit_of_work(self.engine, self.actor) as session:
            return team_transfer_service.trust_teams(session, self.actor)

    def plan_team_transfer(
        self, child_ids: list[uuid.UUID], to_team_id: uuid.UUID | None, *, move_family: bool = True
    ) -> team_transfer_service.TransferPlan:
        """Who a transfer to another team would move, before the lead confirms."""
        with unit_of_work(self.engine, self.actor) as session:
            return team_transfer_service.plan_team_transfer(
                session, self.actor, child_ids, to_team_id, move_family=move_family
            )

    def transfer_to_team(
        self,
        child_ids: list[uuid.UUID],
        to_team_id: uuid.UUID | None,
        *,
        reason: str,
        effective_date: dt.date | None,
        move_family: bool = True,
        expected: dict[uuid.UUID, uuid.UUID | None] | None = None,
    ) -> team_transfer_service.TransferResult:
        """Transfer children (and their family) to another team of the trust; all or nothing."""
        with unit_of_work(self.engine, self.actor) as session:
            return team_transfer_service.transfer_to_team(
                session,
                self.actor,
                child_ids,
                to_team_id,
                reason=reason,
                effective_date=effective_date,
                today=self.today(),
                move_family=move_family,
                expected=expected,
            )

    # --- team search (issue 4): add methods below this line only ---

    def search_records(
        self, text: str, *, limit: int = search_service.DEFAULT_LIMIT
    ) -> search_service.SearchResult:
        """The team's children that ``text`` finds: NHS number, date of birth, postcode or
        name (not audited: it runs as the user types; opening a record is audited)."""
        with unit_of_work(self.engine, self.actor) as session:
            return search_service.search_records(
                session, self.actor, text, today=self.today(), limit=limit
            )

    # --- records through time (issue 4): add methods below this line only ---

    def find_families(self, text: str) -> list[records_service.FamilySummary]:
        """The team's families whose name or postcode starts with ``text`` (a chooser)."""
        with unit_of_work(self.engine, self.actor) as session:
            return records_service.find_families(session, self.actor, text)

    def family(self, family_id: uuid.UUID) -> records_service.FamilySummary:
        with unit_of_work(self.engine, self.actor) as session:
            return records_service.family_summary(session, self.actor, family_id)

    def create_family(
        self,
        details: records_service.FamilyDetails,
        first_carer: records_service.CarerDetails | None = None,
        *,
        idempotency_key: uuid.UUID | None = None,
    ) -> records_service.FamilySummary:
        """A new family and its first carer, saved together or not at all; saved again
        with the same idempotency key, registered once (issue 9)."""

        def save(session: Session) -> records_service.FamilySummary:
            return records_service.create_family_with_carer(
                session,
                self.actor,
                details,
                first_carer,
                today=self.today(),
                idempotency_key=idempotency_key,
            )

        def earlier(session: Session, key: uuid.UUID) -> records_service.FamilySummary | None:
            family_id = records_service.saved_family(session, key)
            return (
                records_service.family_summary(session, self.actor, family_id)
                if family_id
                else None
            )

        return save_once(self.engine, self.actor, "family", idempotency_key, save, earlier)

    def add_carer(
        self,
        family_id: uuid.UUID,
        details: records_service.CarerDetails,
        *,
        idempotency_key: uuid.UUID | None = None,
    ) -> records_service.FamilySummary:
        """A carer joins the family; saved again with the same key, added once (issue 9)."""

        def save(session: Session) -> records_service.FamilySummary:
            records_service.add_carer(
                session,
                self.actor,
                family_id,
                details,
                today=self.today(),
                idempotency_key=idempotency_key,
            )
            return records_service.family_summary(session, self.actor, family_id)

        def earlier(session: Session, key: uuid.UUID) -> records_service.FamilySummary | None:
            found = records_service.saved_carer(session, key) is not None
            return records_service.family_summary(session, self.actor, family_id) if found else None

        return save_once(self.engine, self.actor, "carer", idempotency_key, save, earlier)

    def register_child(
        self, details: records_service.ChildDetails, *, confirm_possible_duplicate: bool = False
    ) -> records_service.ChildSummary:
        """A new birth notification: the child joins a family of the team."""
        with unit_of_work(self.engine, self.actor) as session:
            return records_service.register_child(
                session,
                self.actor,
                details,
                today=self.today(),
                confirm_possible_duplicate=confirm_possible_duplicate,
            )

    def register_pregnancy(
        self,
        family_id: uuid.UUID,
        mother_id: uuid.UUID,
        estimated_delivery_date: dt.date,
        health_visitor_id: uuid.UUID | None,
        *,
        idempotency_key: uuid.UUID | None = None,
    ) -> life_events_service.PregnancySummary:
        """An ongoing pregnancy; saved again with the same key, registered once (issue 9)."""

        def save(session: Session) -> life_events_service.PregnancySummary:
            return life_events_service.register_pregnancy(
                session,
                self.actor,
                family_id,
                mother_id,
                estimated_delivery_date,
                health_visitor_id=health_visitor_id,
                today=self.today(),
                idempotency_key=idempotency_key,
            )

        def earlier(
            session: Session, key: uuid.UUID
        ) -> life_events_service.PregnancySummary | None:
            found = life_events_service.saved_pregnancy(session, key)
            return life_events_service.pregnancy_summary(found) if found is not None else None

        return save_once(self.engine, self.actor, "pregnancy", idempotency_key, save, earlier)

    def record_birth(
        self,
        pregnancy_id: uuid.UUID,
        baby: life_events_service.BabyDetails,
        *,
        confirm_possible_duplicate: bool = False,
    ) -> records_service.ChildSummary:
        with unit_of_work(self.engine, self.actor) as session:
            return life_events_service.record_birth(
                session,
                self.actor,
                pregnancy_id,
                baby,
                today=self.today(),
                confirm_possible_duplicate=confirm_possible_duplicate,
            )

    def record_pregnancy_outcome(
        self, pregnancy_id: uuid.UUID, outcome: PregnancyOutcome, outcome_date: dt.date
    ) -> life_events_service.PregnancySummary:
        with unit_of_work(self.engine, self.actor) as session:
            return life_events_service.record_pregnancy_outcome(
                session,
                self.actor,
                pregnancy_id,
                outcome,
                outcome_date=outcome_date,
                today=self.today(),
            )

    def transfer_in(
        self,
        transfer: life_events_service.TransferIn,
        *,
        confirm_possible_duplicate: bool = False,
        confirm_implausible: bool = False,
    ) -> records_service.ChildSummary:
        with unit_of_work(self.engine, self.actor) as session:
            return life_events_service.transfer_in(
                session,
                self.actor,
                transfer,
                today=self.today(),
                confirm_possible_duplicate=confirm_possible_duplicate,
                confirm_implausible=confirm_implausible,
            )

    def change_record_status(
        self, child_id: uuid.UUID, status: RecordStatus, effective_date: dt.date, detail: str
    ) -> life_events_service.StatusChangeSummary:
        """Close a child's record (transfer out, moved away, discharged, deceased)."""
        with unit_of_work(self.engine, self.actor) as session:
            return life_events_service.change_record_status(
                session,
                self.actor,
                child_id,
                status,
                effective_date=effective_date,
                detail=detail,
                today=self.today(),
            )

    def reopen_record(
        self, child_id: uuid.UUID, effective_date: dt.date, detail: str
    ) -> life_events_service.StatusChangeSummary:
        with unit_of_work(self.engine, self.actor) as session:
            return life_events_service.reopen_record(
                session,
                self.actor,
                child_id,
                effective_date=effective_date,
                detail=detail,
                today=self.today(),
            )

    # --- referrals (issue 5): add methods below this line only ---

    # Imported here because helpers add lines under their marker only; the
    # lead may move it to the imports at the top (then drop the ``self.``).
    from healthvisitor.services import referrals as referrals_service

    def referral_types(
        self, *, include_retired: bool = False
    ) -> list[referrals_service.ReferralTypeLine]:
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.referral_types(
                session, self.actor, include_retired=include_retired
            )

    def add_referral_type(
        self, name: str, code: str = "", *, on_family_copy: bool = False
    ) -> referrals_service.ReferralTypeLine:
        """Administrators only; left off the family's red book copy unless said (H17)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.add_referral_type(
                session, self.actor, name, code, on_family_copy=on_family_copy
            )

    def rename_referral_type(
        self, type_id: uuid.UUID, name: str
    ) -> referrals_service.ReferralTypeLine:
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.rename_referral_type(session, self.actor, type_id, name)

    def retire_referral_type(self, type_id: uuid.UUID) -> referrals_service.ReferralTypeLine:
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.retire_referral_type(session, self.actor, type_id)

    def child_referrals(self, child_id: uuid.UUID) -> list[referrals_service.ReferralLine]:
        """The child's referrals and the family's carers', open first."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.child_referrals(
                session, self.actor, child_id, today=self.today()
            )

    def referral_subjects(self, child_id: uuid.UUID) -> list[referrals_service.ReferralSubject]:
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.referral_subjects(session, self.actor, child_id)

    def make_referral(self, entry: referrals_service.NewReferral) -> uuid.UUID:
        """A new referral; saved again with the same idempotency key, applied once (issue 9)."""
        from healthvisitor.services.referrals import make_referral, saved_referral

        def save(session: Session) -> uuid.UUID:
            return make_referral(session, self.actor, entry, today=self.today())

        return save_once(
            self.engine, self.actor, "referral", entry.idempotency_key, save, saved_referral
        )

    def record_referral_step(
        self,
        referral_id: uuid.UUID,
        status: referrals_service.ReferralStatus,
        *,
        on: dt.date,
        note: str = "",
        outcome: referrals_service.ReferralOutcome | None = None,
    ) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.referrals_service.record_step(
                session,
                self.actor,
                referral_id,
                status,
                on=on,
                today=self.today(),
                note=note,
                outcome=outcome,
            )

    def record_referral_consent(
        self, referral_id: uuid.UUID, consent: referrals_service.ReferralConsent, note: str = ""
    ) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.referrals_service.record_consent(session, self.actor, referral_id, consent, note)

    def set_referral_follow_up(self, referral_id: uuid.UUID, follow_up_on: dt.date | None) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.referrals_service.set_follow_up(session, self.actor, referral_id, follow_up_on)

    def referral_follow_ups_due(
        self, health_visitor_id: uuid.UUID | None = None
    ) -> list[referrals_service.FollowUpLine]:
        """Open referrals on the caseload whose follow-up is due or overdue."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.follow_ups_due(
                session, self.actor, self.today(), health_visitor_id=health_visitor_id
            )

    def update_referral_draft(
        self,
        referral_id: uuid.UUID,
        *,
        base: dict[str, object],
        reason: str,
        sent_to: str,
        tried_so_far: str,
    ) -> record_edits_service.EditSaved:
        """Edit the words of a referral not sent yet (the letter reads them).

        ``base`` is what the form showed, with the version (``ReferralLine.draft_base``);
        a colleague's save since is merged, ``EditConflictError`` when both changed
        the same words (nothing saved: ``resolve_referral_draft_conflict`` saves the
        choices), ``ValidationError`` when the draft was sent meanwhile."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.update_draft(
                session,
                self.actor,
                referral_id,
                base=base,
                reason=reason,
                sent_to=sent_to,
                tried_so_far=tried_so_far,
            )

    def resolve_referral_draft_conflict(
        self, conflict: EditConflictError, choices: dict[str, record_edits_service.Choice]
    ) -> record_edits_service.EditSaved:
        """Save the choice per disputed field against the colleague's version of the draft."""
        again = self.referrals_service.draft_resolution(conflict, choices)
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.update_draft(session, self.actor, **again)

    def referral_letter(self, referral_id: uuid.UUID) -> referrals_service.ReferralLetter:
        """The letter's data (printing it is audited)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.referral_letter(
                session, self.actor, referral_id, today=self.today()
            )

    def referral_prompts(self, contact_id: uuid.UUID) -> list[referrals_service.ReferralPromptLine]:
        """The referrals a saved contact's findings suggest, not yet decided."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.prompts_for_contact(
                session, self.actor, contact_id, today=self.today()
            )

    def accept_referral_prompt(
        self, contact_id: uuid.UUID, rule_id: str, referral_type_id: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        """Draft the suggested referral (its id), or record a discussion is needed (None)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.accept_prompt(
                session,
                self.actor,
                contact_id,
                rule_id,
                today=self.today(),
                referral_type_id=referral_type_id,
            )

    def decline_referral_prompt(self, contact_id: uuid.UUID, rule_id: str, reason: str) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.referrals_service.decline_prompt(
                session, self.actor, contact_id, rule_id, reason=reason, today=self.today()
            )

    def pending_referral_prompts(
        self, child_id: uuid.UUID
    ) -> list[referrals_service.ReferralPromptLine]:
        """Prompts still to decide about the child or a carer of the family."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.pending_prompts(
                session, self.actor, child_id, today=self.today()
            )

    def pregnancy_referral_prompts(
        self, pregnancy_id: uuid.UUID
    ) -> list[referrals_service.ReferralPromptLine]:
        """Prompts still to decide about a pregnancy's mother (no child to open yet)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.pregnancy_prompts(
                session, self.actor, pregnancy_id, today=self.today()
            )

    def pregnancy_referrals(self, pregnancy_id: uuid.UUID) -> list[referrals_service.ReferralLine]:
        """The expectant mother's own referrals, open ones first."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.pregnancy_referrals(
                session, self.actor, pregnancy_id, today=self.today()
            )

    def pregnancy_referral_subjects(
        self, pregnancy_id: uuid.UUID
    ) -> list[referrals_service.ReferralSubject]:
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.pregnancy_referral_subjects(
                session, self.actor, pregnancy_id
            )

    def set_referral_type_family_copy(
        self, type_id: uuid.UUID, on_family_copy: bool
    ) -> referrals_service.ReferralTypeLine:
        """Administrators only: whether the type prints on the family's red book copy."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.set_family_copy(
                session, self.actor, type_id, on_family_copy
            )

    def safeguarding_discussions(
        self, *, include_discussed: bool = False
    ) -> list[referrals_service.DiscussionLine]:
        """The safeguarding discussions asked of the team lead (team leads only)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.referrals_service.safeguarding_discussions(
                session, self.actor, include_discussed=include_discussed
            )

    def record_safeguarding_discussion(
        self, prompt_id: uuid.UUID, *, discussed_on: dt.date, outcome: str
    ) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.referrals_service.record_discussion(
                session,
                self.actor,
                prompt_id,
                discussed_on=discussed_on,
                outcome=outcome,
                today=self.today(),
            )

    # --- team metrics (issue 7): add methods below this line only ---

    # Imported here, as the referrals section does, because helpers add lines
    # under their marker only; the lead may move it to the top.
    from healthvisitor.services import metrics as metrics_service

    def quarter_metrics(
        self,
        quarter: str,
        scope: metrics_service.MetricScope = metrics_service.MetricScope.TEAM,
        health_visitor_id: uuid.UUID | None = None,
    ) -> metrics_service.QuarterMetrics:
        """The national metrics for ``quarter`` ("2026-27Q1"): ValidationError if mistyped."""
        from healthvisitor.domain.metrics import Quarter

        with unit_of_work(self.engine, self.actor) as session:
            return self.metrics_service.quarter_metrics(
                session,
                self.actor,
                Quarter.parse(quarter),
                today=self.today(),
                scope=scope,
                health_visitor_id=health_visitor_id,
            )

    def metric_exceptions(
        self,
        quarter: str,
        code: str,
        scope: metrics_service.MetricScope = metrics_service.MetricScope.TEAM,
        health_visitor_id: uuid.UUID | None = None,
    ) -> list[metrics_service.MissedChild]:
        """The children a review figure leaves out, each with the reason (the drill-down)."""
        from healthvisitor.domain.metrics import Quarter

        with unit_of_work(self.engine, self.actor) as session:
            return self.metrics_service.metric_exceptions(
                session,
                self.actor,
                Quarter.parse(quarter),
                code,
                today=self.today(),
                scope=scope,
                health_visitor_id=health_visitor_id,
            )

    def metrics_history(
        self,
        quarter: str,
        scope: metrics_service.MetricScope = metrics_service.MetricScope.TEAM,
        health_visitor_id: uuid.UUID | None = None,
    ) -> tuple[metrics_service.QuarterMetrics, ...]:
        """``quarter`` and the seven before it, oldest first (the performance view's charts)."""
        from healthvisitor.domain.metrics import Quarter

        with unit_of_work(self.engine, self.actor) as session:
            return self.metrics_service.metrics_history(
                session,
                self.actor,
                Quarter.parse(quarter),
                today=self.today(),
                scope=scope,
                health_visitor_id=health_visitor_id,
            )

    # --- user accounts (issue 8, administrators): add methods below this line only ---

    # Imported here like the blocks above; the lead may move it to the top.
    from healthvisitor.services import accounts as accounts_service

    def user_accounts(self) -> list[accounts_service.UserLine]:
        """Every account, with its state and last sign-in (administrators only)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.accounts_service.list_users(session, self.actor)

    def account_teams(self) -> list[str]:
        with unit_of_work(self.engine, self.actor) as session:
            return self.accounts_service.team_names(session, self.actor)

    def add_account(
        self, *, username: str, full_name: str, role: Role, team_name: str | None, password: str
    ) -> accounts_service.UserLine:
        with unit_of_work(self.engine, self.actor) as session:
            return self.accounts_service.add_user(
                session,
                self.actor,
                username=username,
                full_name=full_name,
                role=role,
                team_name=team_name,
                password=password,
                now=utc_now(),
            )

    def set_account_password(self, username: str, password: str) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.accounts_service.set_password(
                session, self.actor, username, password, now=utc_now()
            )

    def disable_account(self, username: str) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.accounts_service.disable_user(session, self.actor, username)

    def enable_account(self, username: str) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.accounts_service.enable_user(session, self.actor, username)

    def unlock_account(self, username: str) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.accounts_service.unlock_user(session, self.actor, username, now=utc_now())

    def change_account_role(
        self, username: str, *, role: Role, team_name: str | None
    ) -> accounts_service.UserLine:
        with unit_of_work(self.engine, self.actor) as session:
            return self.accounts_service.change_role_and_team(
                session, self.actor, username, role=role, team_name=team_name
            )

    # --- end of user accounts (issue 8) ---

    # --- break-glass (issue 8, services/break_glass.py): add methods below this line only ---

    # Imported here, as the referrals' are, so that this section stays in one place.
    from healthvisitor.services import break_glass as break_glass_service

    def break_glass(
        self, nhs_number: str, reason: str
    ) -> break_glass_service.BreakGlassGrant | break_glass_service.OwnTeamChild:
        """Read-only access, for a reason, to another team's child with this NHS number.

        A number found nowhere is refused (NotFoundError) and the attempt audited."""
        try:
            with unit_of_work(self.engine, self.actor) as session:
                return self.break_glass_service.break_glass(
                    session, self.actor, nhs_number, reason, now=utc_now()
                )
        except NotFoundError:
            with unit_of_work(self.engine, self.actor) as session:
                self.break_glass_service.record_not_found(session, self.actor, nhs_number, reason)
            raise

    def break_glass_record(self, child_id: uuid.UUID) -> break_glass_service.BreakGlassView:
        """The record under the user's running break-glass grant (each opening audited)."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.break_glass_service.break_glass_record(
                session, self.actor, child_id, now=utc_now(), today=self.today()
            )

    def break_glass_to_review(self) -> tuple[break_glass_service.BreakGlassOpening, ...]:
        """Break-glass openings of the team's records the team lead has not reviewed."""
        with unit_of_work(self.engine, self.actor) as session:
            return self.break_glass_service.break_glass_to_review(session, self.actor)

    def mark_break_glass_reviewed(self, grant_id: uuid.UUID) -> None:
        with unit_of_work(self.engine, self.actor) as session:
            self.break_glass_service.mark_break_glass_reviewed(
                session, self.actor, grant_id, now=utc_now()
            )

    # --- end of break-glass (issue 8) ---

    # --- editing details after registration (issue 9, concurrent edits) -------------
    # Added by the record-edits work; add methods below this line only.

    def editable_child(self, child_id: uuid.UUID) -> record_edits_service.EditableRecord:
        with unit_of_work(self.engine, self.actor) as session:
            return record_edits_service.editable_child(session, self.actor, child_id)

    def editable_family(self, family_id: uuid.UUID) -> record_edits_service.EditableRecord:
        with unit_of_work(self.engine, self.actor) as session:
            return record_edits_service.editable_family(session, self.actor, family_id)

    def editable_carers(
        self, family_id: uuid.UUID
    ) -> tuple[record_edits_service.EditableRecord, ...]:
        with unit_of_work(self.engine, self.actor) as session:
            return record_edits_service.editable_carers(session, self.actor, family_id)

    def edit_details(
        self,
        record: record_edits_service.EditableRecord,
        changes: dict[str, object],
        *,
        confirm_possible_duplicate: bool = False,
    ) -> record_edits_service.EditSaved:
        """Save changes typed over ``record`` (a child, family or carer, as it was read).

        ``EditConflictError`` if a colleague changed the same fields meanwhile:
        nothing is saved, and ``resolve_edit_conflict`` saves the user's choices."""
        with unit_of_work(self.engine, self.actor) as session:
            if record.kind == "child":
                return record_edits_service.edit_child(
                    session,
                    self.actor,
                    record.id,
                    base=record.base,
                    changes=changes,
                    today=self.today(),
                    confirm_possible_duplicate=confirm_possible_duplicate,
                )
            edit = (
                record_edits_service.edit_family
                if record.kind == "family"
                else record_edits_service.edit_carer
            )
            return edit(
                session,
                self.actor,
                record.id,
                base=record.base,
                changes=changes,
                today=self.today(),
            )

    def resolve_edit_conflict(
        self,
        conflict: EditConflictError,
        choices: dict[str, record_edits_service.Choice],
        *,
        confirm_possible_duplicate: bool = False,
    ) -> record_edits_service.EditSaved:
        with unit_of_work(self.engine, self.actor) as session:
            return record_edits_service.resolve_conflict(
                session,
                self.actor,
                conflict,
                choices,
                today=self.today(),
                confirm_possible_duplicate=confirm_possible_duplicate,
            )

    def make_referral_noting_retry(
        self, entry: referrals_service.NewReferral
    ) -> tuple[uuid.UUID, bool]:
        """``make_referral``, and whether an earlier save with the same idempotency key
        had already gone through (a save retried after the connection dropped): the
        form then says "saved once" rather than leaving the user to wonder."""
        from sqlalchemy.exc import InterfaceError, OperationalError

        from healthvisitor.services.referrals import saved_referral

        found_earlier = False
        if entry.idempotency_key is not None:
            try:  # a read only: nothing to commit (the save below is the one unit of work)
                with Session(self.engine) as session:
                    found_earlier = saved_referral(session, entry.idempotency_key) is not None
            except (OperationalError, InterfaceError):
                pass  # still unreachable: the save below says so in the user's words
        return self.make_referral(entry), found_earlier


def default_username(session: Session) -> str:
    """Until sign-in exists (issue 8): the clinical user with the largest caseload."""
    row = session.execute(
        select(User.username)
        .join(Child, Child.health_visitor_id == User.id)
        .where(User.active.is_(True), User.role == Role.HEALTH_VISITOR)
        .group_by(User.username)
        .order_by(func.count(Child.id).desc(), User.username)
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError(
            "This database has no health visitor with a caseload yet. Start with --demo to "
            "explore with demo data, or import a caseload with 'healthvisitor import'."
        )
    return str(row[0])


def open_workspace(engine: Engine, choice: DatabaseChoice, username: str | None) -> Workspace:
    with unit_of_work(engine) as session:
        actor = actor_for(session, username or default_username(session))
    return Workspace(engine, actor, choice)
