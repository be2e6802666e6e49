"""Validation of what a health visitor types: one place for every data rule.

Each function takes plain values (``today`` is passed in, never read from the
clock) and either returns the cleaned value or raises ``ValidationError``
naming the field and saying what is wrong in words a health visitor can act
on. Forms call the same functions as the user types; services call them again
before saving, so nothing invalid reaches the database by any route.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from nhs_number.constants import REGION_SCOTLAND
from nhs_number.validate import calculate_checksum
from nhs_number.validate import is_valid as nhs_number_is_valid

from healthvisitor.domain.enums import ContactKind, MeasurementKind, SafeguardingStatus, Sex
from healthvisitor.errors import ValidationError

# --- NHS number -----------------------------------------------------------

_NHS_SEPARATORS = re.compile(r"[\s\-]")


def clean_nhs_number(text: str, field: str = "nhs_number") -> str:
    """Return the 10-digit NHS number in ``text`` (spaces and dashes allowed).

    The check digit (modulus 11, NHS Data Dictionary "NHS Number") and the
    ranges are verified with the ``nhs-number`` package.
    """
    digits = _NHS_SEPARATORS.sub("", text or "")
    if not digits:
        raise ValidationError("Enter the NHS number.", field)
    if not digits.isdigit():
        raise ValidationError("An NHS number has digits only (spaces are fine).", field)
    if len(digits) != 10:
        raise ValidationError(f"An NHS number has 10 digits; this has {len(digits)}.", field)
    if len(set(digits)) == 1:
        # 000 000 0000, 111 111 1111 ... pass the check digit but are placeholders
        # typed when the number was not to hand; two children would share one.
        raise ValidationError(
            "This looks like a placeholder, not an NHS number. Enter the child's own NHS number.",
            field,
        )
    if calculate_checksum(digits[:9]) != int(digits[9]):
        raise ValidationError(
            "This is not a valid NHS number: the check digit does not match. "
            "Check each digit against the record.",
            field,
        )
    if not nhs_number_is_valid(digits):
        # The package also knows the Scottish CHI range, whose numbers begin
        # with the date of birth (DDMMYY).
        # nhs-number leaves contains_number unannotated; it returns a bool.
        in_chi_range = REGION_SCOTLAND.contains_number(digits)  # type: ignore[no-untyped-call]
        raise ValidationError(
            "This number is in the Scottish CHI range but does not begin with a real date "
            "of birth, so it is not a valid NHS or CHI number."
            if in_chi_range
            else "This is not a valid NHS number.",
            field,
        )
    return digits


def format_nhs_number(digits: str) -> str:
    """Display form, 3-3-4: ``999 123 4560``."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


# --- Dates ------------------------------------------------------------------

#: Child health records run to the 19th birthday; an older date of birth is
#: an entry error in a health visiting record.
OLDEST_CHILD_YEARS = 19


def parse_date(text: str, field: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD), saying clearly when it is impossible."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValidationError(f"{text.strip()} is not a real date.", field) from None
        raise ValidationError(
            f"'{text}' is not a date; write it as year-month-day, e.g. 2026-03-31.", field
        ) from None


def check_date_of_birth(date_of_birth: dt.date, today: dt.date) -> dt.date:
    if date_of_birth > today:
        raise ValidationError(
            f"The date of birth {date_of_birth:%d %b %Y} is in the future.", "date_of_birth"
        )
    oldest = (
        today.replace(year=today.year - OLDEST_CHILD_YEARS)
        if not (today.month == 2 and today.day == 29)
        else dt.date(today.year - OLDEST_CHILD_YEARS, 2, 28)
    )
    if date_of_birth < oldest:
        raise ValidationError(
            f"A date of birth of {date_of_birth:%d %b %Y} makes the child over "
            f"{OLDEST_CHILD_YEARS}; check the year.",
            "date_of_birth",
        )
    return date_of_birth


def check_event_date(
    when: dt.date,
    *,
    today: dt.date,
    date_of_birth: dt.date | None,
    field: str,
    what: str,
    before_birth_allowed: bool = False,
) -> dt.date:
    """A contact or measurement date: not in the future, not before birth."""
    if when > today:
        raise ValidationError(f"The {what} date {when:%d %b %Y} is in the future.", field)
    if date_of_birth is not None and when < date_of_birth and not before_birth_allowed:
        raise ValidationError(
            f"The {what} date {when:%d %b %Y} is before the child was born "
            f"({date_of_birth:%d %b %Y}).",
            field,
        )
    return when


#: An antenatal contact is with a pregnant woman; this far before the
#: estimated date of delivery (42 weeks) it cannot belong to this pregnancy.
EARLIEST_ANTENATAL_DAYS_BEFORE_EDD = 42 * 7


def check_contact_date(
    kind: ContactKind,
    when: dt.date,
    *,
    today: dt.date,
    date_of_birth: dt.date | None,
    estimated_delivery_date: dt.date | None = None,
) -> dt.date:
    if kind is ContactKind.ANTENATAL:
        if when > today:
            raise ValidationError(
                f"The contact date {when:%d %b %Y} is in the future.", "contact_date"
            )
        if date_of_birth is not None and when > date_of_birth:
            raise ValidationError(
                f"An antenatal review is before the birth; {when:%d %b %Y} is after the "
                f"baby was born ({date_of_birth:%d %b %Y}).",
                "contact_date",
            )
        if estimated_delivery_date is not None and when < estimated_delivery_date - dt.timedelta(
            days=EARLIEST_ANTENATAL_DAYS_BEFORE_EDD
        ):
            raise ValidationError(
                f"{when:%d %b %Y} is before this pregnancy began (estimated delivery "
                f"{estimated_delivery_date:%d %b %Y}).",
                "contact_date",
            )
        return when
    return check_event_date(
        when, today=today, date_of_birth=date_of_birth, field="contact_date", what="contact"
    )


# --- Gestation --------------------------------------------------------------

#: rcpchgrowth.validation_constants: MINIMUM_GESTATION_WEEKS = 22 and
#: MAXIMUM_GESTATION_WEEKS = 44 ("very unlikely" outside); issue 2 asks 22+0 to 44+6.
MINIMUM_GESTATION_WEEKS = 22
MAXIMUM_GESTATION_WEEKS = 44
#: RCPCH UK-WHO chart guidance: babies born before 37+0 weeks are preterm.
TERM_GESTATION_WEEKS = 37

_GESTATION = re.compile(r"^\s*(\d{1,2})\s*(?:\+\s*(\d))?\s*$")


@dataclass(frozen=True, order=True)
class Gestation:
    """Gestation at birth in completed weeks plus days (e.g. 36+4)."""

    weeks: int
    days: int = 0

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days}"

    @property
    def total_days(self) -> int:
        return self.weeks * 7 + self.days

    @property
    def is_preterm(self) -> bool:
        return self.weeks < TERM_GESTATION_WEEKS


def check_gestation(weeks: int, days: int, field: str = "gestation") -> Gestation:
    if not 0 <= days <= 6:
        raise ValidationError(f"Days of gestation run from 0 to 6, not {days}.", field)
    if not MINIMUM_GESTATION_WEEKS <= weeks <= MAXIMUM_GESTATION_WEEKS:
        raise ValidationError(
            f"A gestation of {weeks}+{days} weeks is outside {MINIMUM_GESTATION_WEEKS}+0 to "
            f"{MAXIMUM_GESTATION_WEEKS}+6; check the weeks.",
            field,
        )
    return Gestation(weeks, days)


def parse_gestation(text: str, field: str = "gestation") -> Gestation:
    """Parse gestation written as weeks+days, e.g. ``39+2`` or ``40``."""
    match = _GESTATION.match(text or "")
    if not match:
        raise ValidationError(f"'{text}' is not a gestation; write weeks+days, e.g. 39+2.", field)
    return check_gestation(int(match.group(1)), int(match.group(2) or 0), field)


# --- Measurements -------------------------------------------------------------

#: Hard limits for a child under 5, checked as the user types, before any
#: reference is consulted. Lower limits: the smallest surviving baby on record
#: weighed 212 g and measured 24 cm (BBC, 9 August 2021, cited in
#: rcpchgrowth.validation_constants). Upper limits sit beyond +8 SDS of the
#: UK-WHO reference at 5 years (rcpchgrowth's error threshold), so no real
#: child is refused; they catch slips such as grams typed as kilograms.
MEASUREMENT_LIMITS: dict[MeasurementKind, tuple[float, float]] = {
    MeasurementKind.WEIGHT: (0.2, 45.0),
    MeasurementKind.LENGTH: (24.0, 135.0),
    MeasurementKind.HEIGHT: (45.0, 150.0),
    MeasurementKind.HEAD_CIRCUMFERENCE: (17.0, 65.0),
}
#: Birth weight: above 7 kg is beyond any recorded UK birth and is taken as a slip.
BIRTH_WEIGHT_LIMITS_KG = (0.2, 7.0)


def check_measurement_value(kind: MeasurementKind, value: float, field: str | None = None) -> float:
    """The hard physiological limits (no reference needed, instant as the user types)."""
    field = field or kind.value
    low, high = MEASUREMENT_LIMITS[kind]
    if not low <= value <= high:
        raise ValidationError(
            f"A {kind.label.lower()} of {value:g} {kind.unit} is outside what is possible "
            f"for a child ({low:g} to {high:g} {kind.unit}); check the value and the units.",
            field,
        )
    return value


def check_birth_weight(kilograms: float, field: str = "birth_weight_kg") -> float:
    low, high = BIRTH_WEIGHT_LIMITS_KG
    if not low <= kilograms <= high:
        hint = " It looks like grams: enter kilograms, e.g. 3.45." if kilograms > 100 else ""
        raise ValidationError(
            f"A birth weight of {kilograms:g} kg is outside {low:g} to {high:g} kg.{hint}", field
        )
    return kilograms


def check_measurement_against_reference(
    *,
    kind: MeasurementKind,
    value: float,
    sex: Sex,
    date_of_birth: dt.date,
    measured_on: dt.date,
    gestation: Gestation,
    field: str | None = None,
) -> float:
    """Refuse a value more than 8 SDS from the UK-WHO reference for the child's age.

    ±8 SDS is rcpchgrowth's own error threshold
    (MINIMUM/MAXIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS): beyond it the value is
    not a real measurement of this child.
    """
    from healthvisitor.domain.growth_reference import error_sds_limits, uk_who_result

    field = field or kind.value
    result = uk_who_result(
        kind=kind,
        value=value,
        sex=sex,
        date_of_birth=date_of_birth,
        measured_on=measured_on,
        gestation_weeks=gestation.weeks,
        gestation_days=gestation.days,
    )
    low, high = error_sds_limits()
    # Judged at corrected age, as UK-WHO plots a baby (rcpchgrowth corrects for
    # every gestation): at chronological age a healthy 24-week baby's length
    # would read as impossible. No corrected result: the hard limits stand alone.
    sds = result.corrected_sds
    if sds is not None and not low <= sds <= high:
        raise ValidationError(
            f"A {kind.label.lower()} of {value:g} {kind.unit} is {abs(sds):.0f} standard "
            f"deviations {'above' if sds > 0 else 'below'} the UK-WHO average for this "
            "child's age: not possible. Check the value and the units.",
            field,
        )
    return value


# --- Dated history and whom a record is about ---------------------------------


def check_period(
    start: dt.date,
    end: dt.date,
    field: str = "end_date",
    *,
    starts: str = "start date",
    ends: str = "end date",
) -> dt.date:
    """The end of a dated episode (a service level, a safeguarding status) is not before its start.

    The database refuses it too (CHECK ``dates_in_order``); this says so in words.
    """
    if end < start:
        raise ValidationError(
            f"The {ends} {end:%d %b %Y} is before the {starts} {start:%d %b %Y}.", field
        )
    return end


def check_contact_subject(
    kind: ContactKind, *, has_child: bool, has_pregnancy: bool
) -> ContactKind:
    """Whom a contact is about (the database's CHECK constraints on ``contacts``, in words).

    An antenatal review is with a pregnant woman, so it belongs to a pregnancy;
    the four reviews after birth are reviews of a child; any other contact is
    about a child or a pregnancy.
    """
    if kind is ContactKind.ANTENATAL and not has_pregnancy:
        raise ValidationError(
            "An antenatal review belongs to a pregnancy: say which pregnancy.", "pregnancy_id"
        )
    if kind.is_mandated and kind is not ContactKind.ANTENATAL and not has_child:
        raise ValidationError(
            f"A {kind.label} is a review of a child: say which child.", "child_id"
        )
    if not (has_child or has_pregnancy):
        raise ValidationError("A contact is about a child or a pregnancy: say which.", "child_id")
    return kind


#: Statuses that only a born child can have; an unborn child's plan is a
#: pre-birth plan on the pregnancy (DOMAIN.md, "Safeguarding"). A domestic
#: abuse (MARAC) flag may be on either: it can be raised during a pregnancy.
_CHILD_ONLY_SAFEGUARDING = frozenset(
    {
        SafeguardingStatus.CHILD_PROTECTION_PLAN,
        SafeguardingStatus.CHILD_IN_NEED,
        SafeguardingStatus.LOOKED_AFTER,
    }
)


def check_safeguarding_subject(
    status: SafeguardingStatus, *, on_pregnancy: bool
) -> SafeguardingStatus:
    """A pre-birth plan is flagged on the pregnancy; a plan for a born child on the child."""
    if on_pregnancy and status in _CHILD_ONLY_SAFEGUARDING:
        raise ValidationError(
            f"'{status.label}' is recorded on the child once born; before birth, record a "
            "pre-birth plan on the pregnancy.",
            "status",
        )
    if not on_pregnancy and status is SafeguardingStatus.PRE_BIRTH_PLAN:
        raise ValidationError(
            "A pre-birth plan is recorded on the pregnancy, not on the child.", "status"
        )
    return status
