"""The coded values of the clinical record.

Every enumeration is stored in the database by its ``value`` (a short, stable,
lower-case code), never by its Python name, so that renaming a member in code
cannot silently change what old rows mean. ``label`` gives the words a health
visitor reads on screen and on paper.
"""

from __future__ import annotations

import enum
from typing import Self


class _Coded(enum.StrEnum):
    """A coded value with a human label (the member's second tuple item)."""

    _label: str

    def __new__(cls, value: str, label: str) -> _Coded:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return self._label

    @classmethod
    def from_code(cls, code: str) -> Self:
        """The member stored as ``code``; ValueError for an unknown code."""
        # Enum's lookup by value; mypy reads the call as the two-argument __new__.
        return cls(code)  # type: ignore[call-arg]


class Role(_Coded):
    HEALTH_VISITOR = ("health_visitor", "Health visitor")
    TEAM_LEAD = ("team_lead", "Team lead")
    ADMINISTRATOR = ("administrator", "Administrator")


class Sex(_Coded):
    """Sex as recorded for growth charts: UK-WHO references exist for these two only."""

    MALE = ("male", "Male")
    FEMALE = ("female", "Female")


class RecordStatus(_Coded):
    ACTIVE = ("active", "Active")
    TRANSFERRED_OUT = ("transferred_out", "Transferred out")
    MOVED_AWAY = ("moved_away", "Moved away")
    DISCHARGED = ("discharged", "Discharged")
    DECEASED = ("deceased", "Deceased")


class ServiceLevel(_Coded):
    """Health visiting levels of service (DOMAIN.md, "Levels of service")."""

    COMMUNITY = ("community", "Community")
    UNIVERSAL = ("universal", "Universal")
    UNIVERSAL_PLUS = ("universal_plus", "Universal Plus")
    UNIVERSAL_PARTNERSHIP_PLUS = ("universal_partnership_plus", "Universal Partnership Plus")


class SafeguardingStatus(_Coded):
    """Safeguarding flags (DOMAIN.md, "Safeguarding").

    ``pre_birth_plan`` belongs on a pregnancy; the others on a child.
    """

    CHILD_PROTECTION_PLAN = ("child_protection_plan", "Child protection plan")
    CHILD_IN_NEED = ("child_in_need", "Child in need")
    LOOKED_AFTER = ("looked_after", "Looked-after child")
    PRE_BIRTH_PLAN = ("pre_birth_plan", "Pre-birth plan")
    DOMESTIC_ABUSE_MARAC = ("domestic_abuse_marac", "Domestic abuse (MARAC)")


class PregnancyOutcome(_Coded):
    ONGOING = ("ongoing", "Ongoing")
    LIVE_BIRTH = ("live_birth", "Live birth")
    MISCARRIAGE = ("miscarriage", "Miscarriage")
    STILLBIRTH = ("stillbirth", "Stillbirth")
    TERMINATION = ("termination", "Termination")
    MOVED_AWAY = ("moved_away", "Moved away before birth")


class CarerRelationship(_Coded):
    MOTHER = ("mother", "Mother")
    FATHER = ("father", "Father")
    PARTNER = ("partner", "Partner of parent")
    GRANDPARENT = ("grandparent", "Grandparent")
    FOSTER_CARER = ("foster_carer", "Foster carer")
    GUARDIAN = ("guardian", "Guardian")
    OTHER = ("other", "Other")


class SmokingStatus(_Coded):
    NON_SMOKER = ("non_smoker", "Non-smoker")
    SMOKER = ("smoker", "Smoker")
    EX_SMOKER = ("ex_smoker", "Ex-smoker")
    NOT_KNOWN = ("not_known", "Not known")


class ContactKind(_Coded):
    """The five Healthy Child Programme mandated reviews, and any other contact."""

    ANTENATAL = ("antenatal", "Antenatal health promoting review")
    NEW_BIRTH_VISIT = ("new_birth_visit", "New birth visit")
    SIX_TO_EIGHT_WEEK = ("six_to_eight_week", "6-8 week review")
    ONE_YEAR = ("one_year", "1 year review")
    TWO_YEAR = ("two_year", "2-2½ year review")
    OTHER = ("other", "Other contact")

    @property
    def is_mandated(self) -> bool:
        return self is not ContactKind.OTHER


class ContactLocation(_Coded):
    HOME = ("home", "Home")
    CLINIC = ("clinic", "Clinic")
    FAMILY_HUB = ("family_hub", "Family hub")
    VIRTUAL = ("virtual", "Video")
    PHONE = ("phone", "Telephone")


class ContactOutcome(_Coded):
    COMPLETED = ("completed", "Completed")
    NOT_ATTENDED = ("not_attended", "Was not brought / not at home")
    DECLINED = ("declined", "Declined")
    CANCELLED = ("cancelled", "Cancelled")


class MeasurementKind(_Coded):
    """Growth measurements. Weight is in kilograms, the others in centimetres.

    Length (lying, under 2) and height (standing) are one UK-WHO measure; the
    two kinds keep what the practitioner actually did.
    """

    WEIGHT = ("weight", "Weight")
    LENGTH = ("length", "Length")
    HEIGHT = ("height", "Height")
    HEAD_CIRCUMFERENCE = ("head_circumference", "Head circumference")

    @property
    def unit(self) -> str:
        return "kg" if self is MeasurementKind.WEIGHT else "cm"


class ReferralStatus(_Coded):
    DRAFT = ("draft", "Draft")
    SENT = ("sent", "Sent")
    ACKNOWLEDGED = ("acknowledged", "Acknowledged")
    ACCEPTED = ("accepted", "Accepted")
    DECLINED = ("declined", "Declined by service")
    COMPLETED = ("completed", "Completed")
    CLOSED = ("closed", "Closed")

    @property
    def is_open(self) -> bool:
        return self not in (
            ReferralStatus.COMPLETED,
            ReferralStatus.CLOSED,
            ReferralStatus.DECLINED,
        )


class ReviewStatus(_Coded):
    """Where a mandated review stands for one child (issue 3); the caseload sorts on it.

    Declared in order of urgency for sorting: what needs action first.
    """

    OVERDUE = ("overdue", "Overdue")
    NOT_ATTENDED = ("not_attended", "Not brought, not rebooked")
    DUE = ("due", "Due")
    NOT_ATTENDED_REBOOKED = ("not_attended_rebooked", "Not brought, rebooked")
    NOT_YET_DUE = ("not_yet_due", "Not yet due")
    DECLINED = ("declined", "Declined")
    MISSED = ("missed", "Missed")
    DONE_LATE = ("done_late", "Done late")
    DONE_ON_TIME = ("done_on_time", "Done on time")


class AgeUsed(_Coded):
    """Which age a centile was calculated at (RCPCH UK-WHO chart guidance)."""

    CORRECTED = ("corrected", "Corrected age")
    CHRONOLOGICAL = ("chronological", "Chronological age")


class FeedingStatus(_Coded):
    """Infant feeding at the new birth visit and 6-8 weeks (national breastfeeding metric)."""

    TOTALLY_BREASTFED = ("totally_breastfed", "Totally breastfed")
    PARTIALLY_BREASTFED = ("partially_breastfed", "Partially breastfed")
    NOT_BREASTFED = ("not_breastfed", "Not breastfed")


class DevelopmentDomain(_Coded):
    """ASQ-3 domains, and ASQ:SE-2's single social-emotional score."""

    COMMUNICATION = ("communication", "Communication")
    GROSS_MOTOR = ("gross_motor", "Gross motor")
    FINE_MOTOR = ("fine_motor", "Fine motor")
    PROBLEM_SOLVING = ("problem_solving", "Problem solving")
    PERSONAL_SOCIAL = ("personal_social", "Personal-social")
    SOCIAL_EMOTIONAL = ("social_emotional", "Social-emotional (ASQ:SE-2)")


class ScreeningZone(_Coded):
    """The zone the practitioner reads from the publisher's cut-off table.

    Beware the direction: on ASQ-3 a score *below* the cut-off is the concern;
    on ASQ:SE-2 a score *above* it is. Screens and reports must say which
    (hazard H14); the national metric counts ASQ-3 domains at or above.
    """

    ABOVE_CUTOFF = ("above_cutoff", "Above cut-off")
    MONITORING = ("monitoring", "Monitoring zone")
    BELOW_CUTOFF = ("below_cutoff", "Below cut-off")


class FalteringRule(_Coded):
    """The NICE NG75 faltering-growth criteria."""

    # NICE NG75 1.1.2 says "more than 10%" (DOMAIN.md's "10% or more" is looser).
    EARLY_WEIGHT_LOSS = ("early_weight_loss", "Weight loss of more than 10% of birth weight")
    NOT_BACK_TO_BIRTH_WEIGHT = ("not_back_to_birth_weight", "Not back to birth weight by 3 weeks")
    FALL_ACROSS_CENTILE_SPACES = ("fall_across_centile_spaces", "Fall across centile spaces")
    BELOW_SECOND_CENTILE = ("below_second_centile", "Weight below the 2nd centile")


class AllocationChangeKind(_Coded):
    """Why a child's or a pregnancy's named health visitor changed (issue 4)."""

    ALLOCATE = ("allocate", "Allocated")
    REALLOCATE = ("reallocate", "Reallocated")
    UNALLOCATE = ("unallocate", "Returned to the unallocated list")
    UNDO = ("undo", "Undone")


class ReferralConsent(_Coded):
    """The family's consent to a referral (issue 5).

    A referral is sent only with consent given, or without it when a
    safeguarding concern means consent is not required (the reason is kept).
    """

    NOT_RECORDED = ("not_recorded", "Not recorded yet")
    GIVEN = ("given", "Given")
    REFUSED = ("refused", "Refused")
    NOT_REQUIRED_SAFEGUARDING = ("not_required_safeguarding", "Not required: safeguarding")

    @property
    def allows_sending(self) -> bool:
        return self in (ReferralConsent.GIVEN, ReferralConsent.NOT_REQUIRED_SAFEGUARDING)


class ReferralOutcome(_Coded):
    """How a finished referral ended (issue 5), counted for the service's figures."""

    ENGAGED = ("engaged", "Engaged")
    DID_NOT_ENGAGE = ("did_not_engage", "Did not engage")
    NO_LONGER_NEEDED = ("no_longer_needed", "No longer needed")
    MOVED = ("moved", "Moved")


class PromptDecision(_Coded):
    """What the health visitor did with a referral prompt (kept for audit, issue 5).

    A prompt is saved ``PENDING`` ("to decide") with the contact that fired it
    and moves once to accepted or declined.
    """

    PENDING = ("pending", "To decide")
    ACCEPTED = ("accepted", "Accepted")
    DECLINED = ("declined", "Not now")


class NewbornScreeningTest(_Coded):
    """The newborn and infant screening tests the red book records (issue 6).

    NHS newborn blood spot screening (day 5), the NHS newborn hearing
    screening programme, and the newborn and infant physical examination
    (NIPE) within 72 hours of birth and again at 6-8 weeks (DOMAIN.md, "The red book").
    """

    BLOOD_SPOT = ("blood_spot", "Newborn blood spot")
    HEARING = ("hearing", "Newborn hearing")
    NIPE_NEWBORN = ("nipe_newborn", "Newborn physical examination (NIPE)")
    NIPE_SIX_TO_EIGHT_WEEK = ("nipe_6_8_week", "6-8 week physical examination (NIPE)")


class NewbornScreeningResult(_Coded):
    """The coded outcome of a screening test, as the screening programme reports it."""

    NO_FURTHER_ACTION = ("no_further_action", "No further action")
    REFERRED = ("referred", "Referred")
    REPEAT_NEEDED = ("repeat_needed", "Repeat needed")
    DECLINED = ("declined", "Declined")
    NOT_DONE = ("not_done", "Not done")
