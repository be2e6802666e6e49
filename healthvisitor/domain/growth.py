"""A growth measurement on the UK-WHO chart: its SDS, centile and the age it was plotted at.

Sources:

* The centiles come only from ``rcpchgrowth``, the Royal College of Paediatrics
  and Child Health's own implementation of the UK-WHO charts, through
  ``growth_reference`` (the one module that imports it).
* Gestational correction follows the RCPCH UK-WHO chart guidance (DOMAIN.md,
  "What a review records"; UK-WHO Growth Charts Fact Sheet 5, "Plotting
  preterm infants"): a baby born before 37+0 weeks is preterm; correct for
  gestation until 1 year of age if born at 32+0 to 36+6 weeks, until 2 years
  if born before 32+0 weeks. Under UK-WHO, rcpchgrowth corrects for every
  gestation (corrected age counts from the expected date of delivery, even at
  39 weeks: TOOLCHAIN.md), so this module chooses which of its two results to
  use and records which (``AgeUsed``), as the chart guidance asks.
* "Is this change believable?" (``implausible_change``) uses measurement error
  from the WHO Multicentre Growth Reference Study's protocols and the
  WHO 0.7 cm difference between lying length and standing height; the SDS
  thresholds are this project's clinical-safety judgement, explained by each
  constant (hazard H9 in docs/hazard-log.md).

Everything here is pure: no clock, no database.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from healthvisitor.domain.enums import AgeUsed, MeasurementKind, Sex
from healthvisitor.domain.growth_reference import (
    RCPCH_METHOD,
    UK_WHO,
    error_sds_limits,
    uk_who_centile,
    uk_who_decimal_ages,
    uk_who_result,
    uk_who_sds,
)
from healthvisitor.domain.schedule import add_months
from healthvisitor.domain.validation import (
    Gestation,
    check_measurement_against_reference,
    check_measurement_value,
)
from healthvisitor.errors import ValidationError

# --- Gestational correction -----------------------------------------------------

#: RCPCH UK-WHO chart guidance: correct for gestation if born before 37+0 weeks
#: (``Gestation.is_preterm``, validation.TERM_GESTATION_WEEKS); until 1 year if
#: born 32+0 to 36+6, until 2 years if born before 32+0.
VERY_PRETERM_BEFORE_WEEKS = 32
#: Months of correction for a baby born 32+0 to 36+6 weeks (RCPCH: "until 1 year").
CORRECT_MODERATELY_PRETERM_MONTHS = 12
#: Months of correction for a baby born before 32+0 weeks (RCPCH: "until 2 years").
CORRECT_VERY_PRETERM_MONTHS = 24


def corrected_age_applies(
    gestation: Gestation, date_of_birth: dt.date, measured_on: dt.date
) -> bool:
    """Whether a measurement is plotted at corrected age (RCPCH UK-WHO chart guidance).

    "Until 1 year" means before the first birthday: a baby born at 36+6 is
    plotted at corrected age at 11 months and on the day before the birthday,
    at chronological age from the birthday itself. Birthdays are calendar
    months as everywhere in the app (``schedule.add_months``), so a baby born
    on 29 February is a year old on 28 February of a common year.
    """
    if not gestation.is_preterm:
        return False
    months = (
        CORRECT_VERY_PRETERM_MONTHS
        if gestation.weeks < VERY_PRETERM_BEFORE_WEEKS
        else CORRECT_MODERATELY_PRETERM_MONTHS
    )
    return measured_on < add_months(date_of_birth, months)


# --- One measurement --------------------------------------------------------------


@dataclass(frozen=True)
class GrowthResult:
    """A measurement as plotted on the UK-WHO chart.

    ``centile`` is a percentile number as rcpchgrowth gives it (21.97 means
    21.97% of children are smaller), not the nearest centile line.
    ``decimal_age`` is the age plotted, in years (days / 365.25, rcpchgrowth's
    convention): corrected or chronological as ``age_used`` says, negative for
    a preterm baby measured before the due date.
    """

    kind: MeasurementKind
    value: float
    measured_on: dt.date
    sds: float
    centile: float
    age_used: AgeUsed
    decimal_age: float
    reference: str = UK_WHO


def assess_measurement(
    kind: MeasurementKind,
    value: float,
    *,
    sex: Sex,
    date_of_birth: dt.date,
    gestation: Gestation,
    measured_on: dt.date,
) -> GrowthResult:
    """Check a measurement and place it on the UK-WHO chart at the right age.

    Raises ``ValidationError`` (field: the measurement kind) for a value
    outside physiological limits, a value more than 8 SDS from the reference
    (rcpchgrowth's own error threshold), a date before birth, or an age or
    measurement the UK-WHO reference has no data for.
    """
    field = kind.value
    if measured_on < date_of_birth:
        raise ValidationError(
            f"This {kind.label.lower()} is dated {measured_on:%d %b %Y}, before the child was "
            f"born ({date_of_birth:%d %b %Y}).",
            field,
        )
    check_measurement_value(kind, value, field)
    reference = uk_who_result(
        kind=kind,
        value=value,
        sex=sex,
        date_of_birth=date_of_birth,
        measured_on=measured_on,
        gestation_weeks=gestation.weeks,
        gestation_days=gestation.days,
    )
    if corrected_age_applies(gestation, date_of_birth, measured_on):
        age_used = AgeUsed.CORRECTED
        sds, centile = reference.corrected_sds, reference.corrected_centile
        decimal_age = reference.corrected_decimal_age
    else:
        age_used = AgeUsed.CHRONOLOGICAL
        sds, centile = reference.chronological_sds, reference.chronological_centile
        decimal_age = reference.chronological_decimal_age
    if sds is None or centile is None:
        reason = reference.error or "the reference has no data for this age"
        raise ValidationError(
            f"This {kind.label.lower()} cannot be plotted on the UK-WHO chart at "
            f"{age_used.label.lower()}: {reason.rstrip('.')}. Check the date of birth, the "
            "gestation and the measurement date.",
            field,
        )
    # The ±8 SDS check comes after "can it be plotted at all": where UK-WHO has
    # no corrected-age data (length below 25 weeks' gestation) it falls back to
    # the chronological SDS, which compares a 24-week baby with term babies and
    # would call an ordinary length "not possible".
    check_measurement_against_reference(
        kind=kind,
        value=value,
        sex=sex,
        date_of_birth=date_of_birth,
        measured_on=measured_on,
        gestation=gestation,
        field=field,
    )
    return GrowthResult(
        kind=kind,
        value=value,
        measured_on=measured_on,
        sds=sds,
        centile=centile,
        age_used=age_used,
        decimal_age=decimal_age,
    )


#: rcpchgrowth's ±8 SDS error limits, read once: bulk work asks for every measurement.
_error_sds_limits = functools.cache(error_sds_limits)


def assess_measurement_quickly(
    kind: MeasurementKind,
    value: float,
    *,
    sex: Sex,
    date_of_birth: dt.date,
    gestation: Gestation,
    measured_on: dt.date,
) -> GrowthResult:
    """Exactly what ``assess_measurement`` returns, about a hundred times faster.

    For bulk work (demo data for a whole trust, imports): instead of building an
    rcpchgrowth ``Measurement`` it calls the rcpchgrowth functions that compute
    the two numbers the app keeps, with the reference values of each age looked
    up once (``growth_reference.uk_who_sds``), so the SDS, centile, age used and
    decimal age are identical, not approximations. Anything out of the ordinary
    (a date before birth, a value outside the limits, an age or measure without
    UK-WHO data, more than 8 SDS from the reference) is handed to
    ``assess_measurement`` itself, so the errors are the same too.
    """

    def as_saved() -> GrowthResult:
        return assess_measurement(
            kind,
            value,
            sex=sex,
            date_of_birth=date_of_birth,
            gestation=gestation,
            measured_on=measured_on,
        )

    if measured_on < date_of_birth:
        return as_saved()
    try:
        check_measurement_value(kind, value)
    except ValidationError:
        return as_saved()
    corrected_age, chronological_age = uk_who_decimal_ages(
        date_of_birth=date_of_birth,
        measured_on=measured_on,
        gestation_weeks=gestation.weeks,
        gestation_days=gestation.days,
    )
    try:
        corrected_sds: float | None = uk_who_sds(
            kind=kind, sex=sex, decimal_age=corrected_age, value=value
        )
    except LookupError:
        corrected_sds = None
    if corrected_age_applies(gestation, date_of_birth, measured_on):
        age_used, sds, decimal_age = AgeUsed.CORRECTED, corrected_sds, corrected_age
    else:
        age_used, decimal_age = AgeUsed.CHRONOLOGICAL, chronological_age
        try:
            sds = uk_who_sds(kind=kind, sex=sex, decimal_age=chronological_age, value=value)
        except LookupError:
            sds = None
    low, high = _error_sds_limits()
    if sds is None or (corrected_sds is not None and not low <= corrected_sds <= high):
        return as_saved()
    return GrowthResult(
        kind=kind,
        value=value,
        measured_on=measured_on,
        sds=sds,
        centile=uk_who_centile(sds),
        age_used=age_used,
        decimal_age=decimal_age,
    )


# --- Is the change from the last measurement believable? ----------------------------

#: Largest fall in length (or height) put down to measurement error. The WHO
#: Multicentre Growth Reference Study had two trained measurers take every
#: measurement and repeat it when the two differed by more than a preset
#: "maximum allowable difference" (de Onis et al., Food Nutr Bull 2004;25(1
#: Suppl):S27-36): 7 mm for length and height.
LENGTH_MEASUREMENT_ERROR_CM = 0.7
#: The same protocol's maximum allowable difference for head circumference: 5 mm.
HEAD_CIRCUMFERENCE_MEASUREMENT_ERROR_CM = 0.5
#: Standing height is on average 0.7 cm less than lying length in the same
#: child (WHO Child Growth Standards, Acta Paediatr 2006; Suppl 450:76-85), so
#: the first standing height after lying lengths may be that much lower.
LENGTH_TO_HEIGHT_DIFFERENCE_CM = 0.7
#: Measurements this many days apart or fewer count as "close together".
CLOSE_TOGETHER_DAYS = 28
#: Close together, a real child's SDS does not move by more than 2 (three
#: centile spaces). Our reasoning: scales and mats err by well under 0.3 SDS
#: (100 g at 4 kg, 7 mm of length); the normal weight loss of the early days is
#: at most 10% of birth weight (NICE NG75 1.1), under 1 SDS; and NG75 already
#: treats a fall across 3 centile spaces (2 SDS) over any period as a sign of
#: faltering growth. A 2 SDS jump within four weeks is far more often a slip
#: (digits swapped, wrong child, wrong units) than growth, and either way
#: deserves a second look. Project judgement, not a national threshold.
MAX_SDS_CHANGE_CLOSE_TOGETHER = 2.0
#: Further apart, more than 3 SDS (four and a half centile spaces): beyond any
#: NG75 faltering threshold; real but rare (severe illness), so still asked about.
MAX_SDS_CHANGE = 3.0
#: A centile space is two thirds of a standard deviation (DOMAIN.md).
CENTILE_SPACE_SDS = 2 / 3

_WHAT_DOES_NOT_SHRINK = {
    "height": "a child's length does not go down",
    "ofc": "a child's head circumference does not go down",
}


def _value_text(kind: MeasurementKind, value: float) -> str:
    return f"{value:.2f} kg" if kind is MeasurementKind.WEIGHT else f"{value:.1f} cm"


def _day_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _interval_text(days: int) -> str:
    if days == 0:
        return "on the same day"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} earlier"
    if days < 16 * 7:
        return f"{days // 7} weeks earlier"
    return f"{round(days / 30.44)} months earlier"


def implausible_change(previous: GrowthResult | None, current: GrowthResult) -> str | None:
    """A message asking the practitioner to confirm an unbelievable change, else None.

    ``previous`` is the last measurement of the same measure (length and
    height count as one, as on the UK-WHO chart). Two checks:

    * length/height or head circumference lower than before by more than
      measurement error (plus 0.7 cm where lying length gives way to standing
      height): children do not shrink;
    * an SDS change of more than ``MAX_SDS_CHANGE_CLOSE_TOGETHER`` within
      ``CLOSE_TOGETHER_DAYS``, or more than ``MAX_SDS_CHANGE`` over any interval.

    The SDS compared are those recorded with each measurement, so a preterm
    baby's switch from corrected to chronological age at 1 or 2 years moves
    the SDS: for the most preterm (23 weeks) about 1 SDS for length and 0.6
    for weight at 2 years. That stays under these limits, but can add to a
    small real fall in NICE NG75's centile-space rule (hazard log, H10).
    """
    if previous is None:
        return None
    method = RCPCH_METHOD[current.kind]
    if RCPCH_METHOD[previous.kind] != method:
        raise ValueError(
            f"Compare a {current.kind.label.lower()} with the last {current.kind.label.lower()}, "
            f"not with a {previous.kind.label.lower()}."
        )
    earlier, later = sorted((previous, current), key=lambda result: result.measured_on)
    days = (later.measured_on - earlier.measured_on).days
    what = later.kind.label
    later_text = f"{what} {_value_text(later.kind, later.value)} on {_day_text(later.measured_on)}"
    earlier_text = f"{_value_text(earlier.kind, earlier.value)} on {_day_text(earlier.measured_on)}"

    if method in _WHAT_DOES_NOT_SHRINK:
        allowed = (
            HEAD_CIRCUMFERENCE_MEASUREMENT_ERROR_CM
            if method == "ofc"
            else LENGTH_MEASUREMENT_ERROR_CM
        )
        if earlier.kind is MeasurementKind.LENGTH and later.kind is MeasurementKind.HEIGHT:
            allowed += LENGTH_TO_HEIGHT_DIFFERENCE_CM
        fall = earlier.value - later.value
        if fall > allowed + 1e-9:
            return (
                f"{later_text} is {fall:.1f} cm less than {earlier_text}: more than "
                f"measurement error ({allowed:.1f} cm), and {_WHAT_DOES_NOT_SHRINK[method]}. "
                "Check both measurements, then confirm."
            )

    change = later.sds - earlier.sds
    limit = MAX_SDS_CHANGE_CLOSE_TOGETHER if days <= CLOSE_TOGETHER_DAYS else MAX_SDS_CHANGE
    if abs(change) > limit:
        spaces = abs(change) / CENTILE_SPACE_SDS
        return (
            f"{later_text} is {abs(change):.1f} SDS (about {spaces:.0f} centile spaces) "
            f"{'lower' if change < 0 else 'higher'} than {earlier_text}, "
            f"{_interval_text(days)}: a change this large is very unusual. Check the value, "
            "the units and that this is the right child, then confirm."
        )
    return None
