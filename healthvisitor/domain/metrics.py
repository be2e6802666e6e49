"""The national health visiting metrics: each definition in one place (issue 7).

Sources (DOMAIN.md, "How the national metrics count"):

* OHID, "Health visitor service delivery metrics, 2024 to 2025" and the
  interim data submission guidance 2024 to 2025 (C2-C8 metrics).
* LG Inform metric 4221 (new birth visit within 14 days; its help text gives
  the birth-date range of each quarter's cohort), 4232 (1 year review by 15
  months, including reviews done in earlier quarters), 4239 (2-2½ year review,
  ASQ-3).

The app, the CLI and the printed report all read these definitions; the
service (``healthvisitor.services.metrics``) only counts them in SQL.

Date rules, stated once:

* Quarters are financial: April-June is Q1, January-March is Q4 of the year
  that began the April before. "2026-27Q1" is 1 April to 30 June 2026.
* Day 0 is the date of birth. A child "turns 30 days" on date of birth + 30
  days, "turns 8 weeks" on date of birth + 56 days; a leap day counts as a day
  like any other (born 29 Feb 2028, 30 days old on 30 Mar 2028).
* A child "turns N months" on the same day N calendar months later, a
  month-end birth clamping to the last day of the shorter month (born 31 Aug,
  6 months old on 28 Feb, or 29 Feb in a leap year; born 29 Feb 2024, 12
  months old on 28 Feb 2025). This is ``schedule.add_months``, the same rule
  as the caseload's review windows.
* "By" a target is on or before the target day: a review on the day the child
  turns 8 weeks counts; one the day after does not.
* A child is in the cohort of the quarter in which they turn the age, whatever
  quarter the review was done in: reviews done before the quarter count.
* Cohorts are by chronological age for every baby, preterm or not (LG Inform
  4221 gives birth-date ranges).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    ScreeningZone,
    _Coded,
)
from healthvisitor.domain.schedule import ANTENATAL_OPENS_DAYS_BEFORE_EDD, add_months
from healthvisitor.errors import ValidationError

#: Below this many children a percentage is shown with "too small to compare":
#: one child moves the figure by 20 points or more. A local choice (OHID
#: suppresses small counts in its publications; it does not fix a number for
#: teams), documented here so the screen, the CLI and the PDF agree.
SMALL_DENOMINATOR = 5

#: Where a review counts as face to face for the new birth visit ("face-to-face
#: new birth visit", LG Inform 4221): a video call or a telephone call is not.
FACE_TO_FACE_LOCATIONS = frozenset(
    {ContactLocation.HOME, ContactLocation.CLINIC, ContactLocation.FAMILY_HUB}
)

#: The five ASQ-3 domains (DOMAIN.md, "Development"). ASQ:SE-2's
#: social-emotional score is a different questionnaire and is not an ASQ-3
#: domain: a review with only ASQ:SE-2 did not "use ASQ-3" (hazard H14).
ASQ3_DOMAINS = (
    DevelopmentDomain.COMMUNICATION,
    DevelopmentDomain.GROSS_MOTOR,
    DevelopmentDomain.FINE_MOTOR,
    DevelopmentDomain.PROBLEM_SOLVING,
    DevelopmentDomain.PERSONAL_SOCIAL,
)

#: "At or above the cut-off" on ASQ-3: the monitoring zone is above the
#: cut-off (close to it); only "below cut-off" is under it (OHID 2-2½ year
#: metric, PHOF indicator C29 for communication: "at or above the expected
#: level").
AT_OR_ABOVE_CUTOFF = frozenset({ScreeningZone.ABOVE_CUTOFF, ScreeningZone.MONITORING})

_QUARTER_TEXT = re.compile(r"^\s*(\d{4})-(\d{2})\s*Q([1-4])\s*$", re.IGNORECASE)


# --- Quarters -----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial quarter: ``year`` is the April it starts from (2026 for 2026-27)."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter is 1 to 4, not {self.number}")

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        return dt.date(self.year + month // 13, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        return add_months(self.start, 3) - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def __str__(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}Q{self.number}"

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, text: str, field: str = "quarter") -> Quarter:
        """ "2026-27Q1" (April to June 2026). ValidationError, worded for the user, otherwise."""
        match = _QUARTER_TEXT.match(text)
        if match is None or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise ValidationError(
                f"Write the quarter as the financial year and quarter, e.g. 2026-27Q1 for "
                f"April to June 2026, not '{text}'.",
                field,
            )
        return cls(int(match.group(1)), int(match.group(3)))


# --- Ages and cohorts ---------------------------------------------------------


@dataclass(frozen=True)
class Age:
    """An age counted in days or in calendar months from the date of birth."""

    days: int = 0
    months: int = 0

    def reached_on(self, date_of_birth: dt.date) -> dt.date:
        """The day a child born on ``date_of_birth`` turns this age (rules above)."""
        return add_months(date_of_birth, self.months) + dt.timedelta(days=self.days)

    def birth_dates_turning_in(self, quarter: Quarter) -> tuple[dt.date, dt.date]:
        """The first and last birth dates of the children who turn this age in ``quarter``.

        Days: the quarter shifted back. Months: quarters start on the 1st and
        end on a month's last day, so the range runs from the 1st of the month
        N months before the quarter's first month to the last day of the month
        N months before its last month (month-end clamping puts 29-31 Dec
        births, turning 2 months, all on 28/29 Feb).
        """
        if self.months == 0:
            shift = dt.timedelta(days=self.days)
            return quarter.start - shift, quarter.end - shift
        first = add_months(quarter.start, -self.months)
        last = add_months(add_months(quarter.end, -self.months).replace(day=1), 1)
        return first, last - dt.timedelta(days=1)


#: The cohort ages (OHID metric definitions; DOMAIN.md).
THIRTY_DAYS = Age(days=30)
EIGHT_WEEKS = Age(days=56)
TWELVE_MONTHS = Age(months=12)
FIFTEEN_MONTHS = Age(months=15)
THIRTY_MONTHS = Age(months=30)
#: New birth visit target: "within 14 days" of birth (day 14 inclusive).
FOURTEEN_DAYS = Age(days=14)


class MissedReason(_Coded):
    """Why a child in a metric's denominator is not in its numerator (the drill-down)."""

    NO_REVIEW = ("no_review", "No review recorded")
    AFTER_TARGET = ("after_target", "Review after the target")
    NOT_FACE_TO_FACE = ("not_face_to_face", "Visit not face to face")
    NOT_ATTENDED = ("not_attended", "Not brought / not at home")
    DECLINED = ("declined", "Declined")
    TRANSFERRED_IN_LATE = ("transferred_in_late", "Transferred in after the target")
    ASQ3_NOT_USED = ("asq3_not_used", "ASQ-3 not used at the review")
    BELOW_CUTOFF = ("below_cutoff", "Below the ASQ-3 cut-off")
    NOT_BREASTFED = ("not_breastfed", "Not breastfed")
    FEEDING_NOT_RECORDED = ("feeding_not_recorded", "Feeding not recorded at the review")


@dataclass(frozen=True)
class ReviewMetric:
    """Of the children who turn ``cohort_age`` in the quarter, those whose ``kind``
    review was completed from ``counts_from`` (if any) up to ``target`` days/months.
    """

    code: str
    title: str
    kind: ContactKind
    cohort_age: Age
    target: Age
    source: str
    counts_from: Age | None = None
    face_to_face_only: bool = False
    #: A child who died is no longer the provider's responsibility at the end of
    #: the quarter and leaves every cohort, except here: "children who died
    #: before the review" are excluded (LG Inform 4239), so a child reviewed in
    #: time who died later in the quarter still counts, reviewed.
    counts_reviewed_before_death: bool = False

    def target_date(self, date_of_birth: dt.date) -> dt.date:
        return self.target.reached_on(date_of_birth)

    def earliest_date(self, date_of_birth: dt.date) -> dt.date | None:
        return self.counts_from.reached_on(date_of_birth) if self.counts_from else None

    def counts(
        self,
        date_of_birth: dt.date,
        contact_date: dt.date,
        location: ContactLocation,
        outcome: ContactOutcome,
    ) -> bool:
        """Whether this one (uncorrected) contact of ``kind`` puts the child in the numerator."""
        earliest = self.earliest_date(date_of_birth)
        return (
            outcome is ContactOutcome.COMPLETED
            and contact_date <= self.target_date(date_of_birth)
            and (earliest is None or contact_date >= earliest)
            and (not self.face_to_face_only or location in FACE_TO_FACE_LOCATIONS)
        )


NEW_BIRTH_VISIT_WITHIN_14_DAYS = ReviewMetric(
    code="new_birth_visit_within_14_days",
    title="New birth visit within 14 days (face to face)",
    kind=ContactKind.NEW_BIRTH_VISIT,
    cohort_age=THIRTY_DAYS,
    target=FOURTEEN_DAYS,
    face_to_face_only=True,
    source="OHID C2; LG Inform metric 4221",
)
NEW_BIRTH_VISIT_AFTER_14_DAYS = ReviewMetric(
    code="new_birth_visit_after_14_days",
    title="New birth visit after 14 days (days 15-30, face to face)",
    kind=ContactKind.NEW_BIRTH_VISIT,
    cohort_age=THIRTY_DAYS,
    target=THIRTY_DAYS,
    counts_from=Age(days=15),
    face_to_face_only=True,
    source="OHID C3; LG Inform metric 4221",
)
SIX_TO_EIGHT_WEEK_BY_8_WEEKS = ReviewMetric(
    code="six_to_eight_week_by_8_weeks",
    title="6-8 week review by 8 weeks",
    kind=ContactKind.SIX_TO_EIGHT_WEEK,
    cohort_age=EIGHT_WEEKS,
    target=EIGHT_WEEKS,
    source="OHID C4",
)
ONE_YEAR_BY_12_MONTHS = ReviewMetric(
    code="one_year_by_12_months",
    title="1 year review by 12 months",
    kind=ContactKind.ONE_YEAR,
    cohort_age=TWELVE_MONTHS,
    target=TWELVE_MONTHS,
    source="OHID C5",
)
ONE_YEAR_BY_15_MONTHS = ReviewMetric(
    code="one_year_by_15_months",
    title="1 year review by 15 months",
    kind=ContactKind.ONE_YEAR,
    cohort_age=FIFTEEN_MONTHS,
    target=FIFTEEN_MONTHS,
    source="OHID C6; LG Inform metric 4232",
)
TWO_YEAR_BY_30_MONTHS = ReviewMetric(
    code="two_year_by_30_months",
    title="2-2½ year review by 2½ years",
    kind=ContactKind.TWO_YEAR,
    cohort_age=THIRTY_MONTHS,
    target=THIRTY_MONTHS,
    source="OHID C7; LG Inform metric 4239",
    counts_reviewed_before_death=True,
)

#: In the order the national returns list them.
REVIEW_METRICS = (
    NEW_BIRTH_VISIT_WITHIN_14_DAYS,
    NEW_BIRTH_VISIT_AFTER_14_DAYS,
    SIX_TO_EIGHT_WEEK_BY_8_WEEKS,
    ONE_YEAR_BY_12_MONTHS,
    ONE_YEAR_BY_15_MONTHS,
    TWO_YEAR_BY_30_MONTHS,
)

#: "Of the 2-2½ year reviews done, the share that used ASQ-3" (OHID C8; LG
#: Inform 4239): denominator the numerator of ``TWO_YEAR_BY_30_MONTHS``,
#: numerator those whose review recorded at least one ASQ-3 domain.
ASQ3_USED_CODE = "two_year_asq3_used"
ASQ3_USED_TITLE = "2-2½ year reviews that used ASQ-3"


def asq3_domain_code(domain: DevelopmentDomain) -> str:
    """Per domain: of the reviews with that domain scored, those at or above the cut-off."""
    return f"asq3_{domain.value}_at_or_above_cutoff"


#: Breastfeeding at 6-8 weeks (OHID C10): the cohort due a 6-8 week review in
#: the quarter (turning 8 weeks in it), by the feeding recorded at their 6-8
#: week review; "not recorded" when no review or no answer.
BREASTFEEDING_COHORT_AGE = EIGHT_WEEKS
BREASTFED_CODE = "breastfed_at_6_8_weeks"
BREASTFEEDING_RECORDED_CODE = "breastfeeding_recorded_at_6_8_weeks"
BREASTFED = frozenset({FeedingStatus.TOTALLY_BREASTFED, FeedingStatus.PARTIALLY_BREASTFED})

#: Antenatal health promoting reviews at 28 weeks or later (OHID C1), counted
#: by the day they were done: a count of reviews, no denominator.
ANTENATAL_CODE = "antenatal_reviews_at_28_weeks_or_later"


def antenatal_counts(estimated_delivery_date: dt.date, contact_date: dt.date) -> bool:
    """At 28+0 weeks of pregnancy or later: on or after the EDD less 12 weeks."""
    return contact_date >= estimated_delivery_date - dt.timedelta(
        days=ANTENATAL_OPENS_DAYS_BEFORE_EDD
    )


# --- Figures ------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> Decimal | None:
    """One decimal place, halves rounded up (as published); None with no denominator."""
    if denominator == 0:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def too_small_to_compare(denominator: int) -> bool:
    return denominator < SMALL_DENOMINATOR


@dataclass(frozen=True)
class Attempt:
    """One uncorrected contact of a metric's review kind, for the drill-down."""

    contact_date: dt.date
    location: ContactLocation
    outcome: ContactOutcome


def feeding_missed_reason(
    reviewed: bool, feeding: FeedingStatus | None, *, recorded_only: bool
) -> MissedReason | None:
    """Why a child due a 6-8 week review is not in a breastfeeding figure; None if they are.

    ``feeding`` is the answer at their latest completed 6-8 week review by the
    quarter's end (None: no review, or not asked). ``recorded_only``: the
    "status recorded" figure, in which any answer counts; otherwise the
    "totally or partially breastfed" figure (OHID C10).
    """
    if feeding is None:
        return MissedReason.FEEDING_NOT_RECORDED if reviewed else MissedReason.NO_REVIEW
    if recorded_only or feeding in BREASTFED:
        return None
    return MissedReason.NOT_BREASTFED


def missed_reason(
    metric: ReviewMetric,
    date_of_birth: dt.date,
    attempts: list[Attempt],
    transferred_in_on: dt.date | None = None,
) -> MissedReason | None:
    """Why the child is not in ``metric``'s numerator; None if they are.

    In order: counted (None); transferred in after the target; a completed
    review after the target; a completed visit that was not face to face; the
    latest attempt not attended or declined; otherwise no review recorded.
    """
    if any(metric.counts(date_of_birth, a.contact_date, a.location, a.outcome) for a in attempts):
        return None
    target = metric.target_date(date_of_birth)
    if transferred_in_on is not None and transferred_in_on > target:
        return MissedReason.TRANSFERRED_IN_LATE
    completed = [a for a in attempts if a.outcome is ContactOutcome.COMPLETED]
    if any(a.contact_date > target for a in completed):
        return MissedReason.AFTER_TARGET
    if completed:
        return MissedReason.NOT_FACE_TO_FACE
    latest = max(attempts, key=lambda a: a.contact_date, default=None)
    if latest is not None and latest.outcome is ContactOutcome.NOT_ATTENDED:
        return MissedReason.NOT_ATTENDED
    if latest is not None and latest.outcome is ContactOutcome.DECLINED:
        return MissedReason.DECLINED
    return MissedReason.NO_REVIEW
