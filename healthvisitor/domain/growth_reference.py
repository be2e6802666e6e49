"""The single door to ``rcpchgrowth``, the RCPCH implementation of UK-WHO.

``import rcpchgrowth`` costs about 0.65 s (it loads scipy), so it is imported
here, lazily, on first use, never at application start (TOOLCHAIN.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from healthvisitor.domain.enums import MeasurementKind, Sex

#: rcpchgrowth's name for each measurement kind (length and height are one measure).
RCPCH_METHOD = {
    MeasurementKind.WEIGHT: "weight",
    MeasurementKind.LENGTH: "height",
    MeasurementKind.HEIGHT: "height",
    MeasurementKind.HEAD_CIRCUMFERENCE: "ofc",
}
UK_WHO = "uk-who"


@dataclass(frozen=True)
class ReferenceResult:
    """SDS and centile of one measurement, by corrected and by chronological age."""

    corrected_sds: float | None
    corrected_centile: float | None
    chronological_sds: float | None
    chronological_centile: float | None
    corrected_decimal_age: float
    chronological_decimal_age: float
    error: str | None


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def uk_who_result(
    *,
    kind: MeasurementKind,
    value: float,
    sex: Sex,
    date_of_birth: dt.date,
    measured_on: dt.date,
    gestation_weeks: int,
    gestation_days: int,
) -> ReferenceResult:
    """Compute the UK-WHO SDS and centile of a measurement with rcpchgrowth."""
    import rcpchgrowth

    try:
        result: dict[str, Any] = rcpchgrowth.Measurement(
            sex=sex.value,
            birth_date=date_of_birth,
            observation_date=measured_on,
            measurement_method=RCPCH_METHOD[kind],
            observation_value=value,
            reference=UK_WHO,
            gestation_weeks=gestation_weeks,
            gestation_days=gestation_days,
        ).measurement
    except (ValueError, LookupError, TypeError) as exc:
        return ReferenceResult(None, None, None, None, 0.0, 0.0, str(exc))
    values = result["measurement_calculated_values"]
    dates = result["measurement_dates"]
    error = (
        values.get("corrected_measurement_error")
        or values.get("chronological_measurement_error")
        or dates.get("corrected_decimal_age_error")
    )
    return ReferenceResult(
        corrected_sds=_float_or_none(values.get("corrected_sds")),
        corrected_centile=_float_or_none(values.get("corrected_centile")),
        chronological_sds=_float_or_none(values.get("chronological_sds")),
        chronological_centile=_float_or_none(values.get("chronological_centile")),
        corrected_decimal_age=float(dates["corrected_decimal_age"]),
        chronological_decimal_age=float(dates["chronological_decimal_age"]),
        error=str(error) if error else None,
    )


def error_sds_limits() -> tuple[float, float]:
    """rcpchgrowth's limits beyond which a height, weight or OFC is an error (±8 SDS)."""
    from rcpchgrowth import validation_constants as limits

    return (
        float(limits.MINIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS),
        float(limits.MAXIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS),
    )


def uk_who_value_for_sds(
    *, kind: MeasurementKind, sex: Sex, decimal_age: float, sds: float
) -> float:
    """The measurement lying ``sds`` standard deviations from the UK-WHO mean.

    ``decimal_age`` is in years as rcpchgrowth counts them (days / 365.25) and is
    the age the chart plots: corrected for gestation, so negative before 40+0
    weeks (UK-WHO uses the UK90 preterm data there, from 23 weeks). Whole days
    (``days / 365.25``) are safe everywhere; rcpchgrowth 4.6 fails for some
    fractional ages just under 2 years, which is reported as ``LookupError``
    like any other age or measure UK-WHO has no data for (e.g. length below 25
    weeks' gestation).
    """
    import rcpchgrowth

    try:
        value = rcpchgrowth.measurement_from_sds(
            reference=UK_WHO,
            requested_sds=sds,
            measurement_method=RCPCH_METHOD[kind],
            sex=sex.value,
            age=decimal_age,
        )
    except IndexError as exc:
        raise LookupError(
            f"UK-WHO has no {kind.label.lower()} value at age {decimal_age:.4f} years"
        ) from exc
    if value is None:
        raise LookupError(
            f"UK-WHO gives no {kind.label.lower()} {sds:+.2f} SDS at age {decimal_age:.4f} years"
        )
    return float(value)


def uk_who_values_for_sds(
    *,
    kind: MeasurementKind,
    sex: Sex,
    decimal_age: float,
    sds: Sequence[float],
    younger_reference: bool = False,
) -> tuple[float, ...]:
    """The measurements lying each of ``sds`` from the UK-WHO mean at one age.

    One point of every centile line at once (see :func:`uk_who_value_for_sds`
    for ages and errors). ``younger_reference`` matters only at an age where two
    parts of UK-WHO meet (2 weeks after term, 2 years, 4 years): it takes the
    younger part's value there, so that part's lines run right up to the join.
    rcpchgrowth's own chart data does the same (``default_youngest_reference``).
    """
    import rcpchgrowth

    values: list[float] = []
    for one_sds in sds:
        try:
            value = rcpchgrowth.measurement_from_sds(
                reference=UK_WHO,
                requested_sds=one_sds,
                measurement_method=RCPCH_METHOD[kind],
                sex=sex.value,
                age=decimal_age,
                default_youngest_reference=younger_reference,
            )
        except IndexError as exc:
            raise LookupError(
                f"UK-WHO has no {kind.label.lower()} value at age {decimal_age:.4f} years"
            ) from exc
        if value is None:
            raise LookupError(
                f"UK-WHO gives no {kind.label.lower()} {one_sds:+.2f} SDS "
                f"at age {decimal_age:.4f} years"
            )
        values.append(float(value))
    return tuple(values)


# --- Many measurements at once --------------------------------------------------
#
# ``uk_who_result`` builds an rcpchgrowth ``Measurement``, which also works out
# calendar ages, comments and centile bands, and looks the LMS values up by
# scanning the reference table: about 2.5 ms a call. Bulk work (demo data for a
# trust, imports) uses the functions below instead. They call the same
# rcpchgrowth functions ``Measurement`` calls, in the same order, with the LMS
# values of each age looked up once and kept, so every SDS and centile is the
# very number ``Measurement`` gives (``growth.assess_measurement_quickly`` uses
# them, and its tests compare the two).


@functools.cache
def _rcpchgrowth() -> Any:
    """The rcpchgrowth package, imported on first use only (a plain lazy import inside
    a function costs about a microsecond a call, which bulk work notices)."""
    import rcpchgrowth

    return rcpchgrowth


@functools.cache
def _ndtr() -> Any:
    """``scipy.special.ndtr`` (the normal distribution function), imported on first use."""
    # scipy ships no type information.
    from scipy.special import ndtr  # type: ignore[import-untyped]

    return ndtr


def uk_who_decimal_ages(
    *, date_of_birth: dt.date, measured_on: dt.date, gestation_weeks: int, gestation_days: int
) -> tuple[float, float]:
    """(corrected, chronological) decimal ages exactly as ``Measurement`` computes them."""
    date_calculations = _rcpchgrowth().date_calculations
    # Measurement takes a gestation of 0 weeks as "not given": 40 weeks.
    weeks = gestation_weeks or 40
    corrected = date_calculations.corrected_decimal_age(
        birth_date=date_of_birth,
        observation_date=measured_on,
        gestation_weeks=weeks,
        gestation_days=gestation_days,
    )
    chronological = date_calculations.chronological_decimal_age(
        birth_date=date_of_birth, observation_date=measured_on
    )
    return float(corrected), float(chronological)


@functools.lru_cache(maxsize=65_536)
def _uk_who_lms(method: str, sex: str, decimal_age: float) -> dict[str, Any]:
    """The LMS values ``sds_for_measurement`` uses at one age (UK-WHO), looked up once.

    Same calls as rcpchgrowth 4.6's ``sds_for_measurement``: the table for the
    age (the older reference where two meet), the lookup age, then ``fetch_lms``.
    Raises ``LookupError`` where UK-WHO has no data (not cached: rare).
    """
    global_functions = _rcpchgrowth().global_functions
    table = global_functions.lms_value_array_for_measurement_for_reference(
        reference=UK_WHO,
        age=decimal_age,
        measurement_method=method,
        sex=sex,
        default_youngest_reference=False,
    )
    lookup_age = getattr(global_functions, "_age_for_lms_lookup", None)
    age = (
        lookup_age(reference=UK_WHO, age=decimal_age, lms_value_array_for_measurement=table)
        if lookup_age is not None
        else decimal_age
    )
    lms: dict[str, Any] = global_functions.fetch_lms(
        age=age, lms_value_array_for_measurement=table, interpolation_override=False
    )
    return lms


def uk_who_sds(*, kind: MeasurementKind, sex: Sex, decimal_age: float, value: float) -> float:
    """rcpchgrowth's UK-WHO SDS of ``value`` at ``decimal_age`` (years, days / 365.25).

    The number ``Measurement`` reports for that age. Raises ``LookupError``
    wherever ``Measurement`` would report no SDS (no reference data for the
    age or measure, or any failure in rcpchgrowth), so a caller can fall back
    to ``uk_who_result`` and give the same answer or error as it.
    """
    try:
        lms = _uk_who_lms(RCPCH_METHOD[kind], sex.value, decimal_age)
        sds = _rcpchgrowth().global_functions.z_score(
            l=lms["l"], m=lms["m"], s=lms["s"], observation=value
        )
    except Exception as exc:  # Measurement reports any failure as "no SDS"
        raise LookupError(f"UK-WHO gives no SDS at age {decimal_age:.4f} years: {exc}") from exc
    # uk_who_result keeps only plain numbers (_float_or_none): so does this.
    if not isinstance(sds, int | float) or math.isnan(sds):
        raise LookupError(f"UK-WHO gives no SDS at age {decimal_age:.4f} years")
    return float(sds)


def uk_who_centile(sds: float) -> float:
    """The centile rcpchgrowth gives for ``sds``: ``scipy.stats.norm.cdf(sds) * 100``.

    ``norm.cdf`` is ``scipy.special.ndtr`` behind about 50 µs of argument
    handling; called directly it gives the same number, bit for bit.
    """
    return float(_ndtr()(sds)) * 100


def uk_who_value_for_sds_quickly(
    *, kind: MeasurementKind, sex: Sex, decimal_age: float, sds: float
) -> float:
    """``uk_who_value_for_sds``, the same number, with each age's LMS values looked up once.

    The same rcpchgrowth calls as ``measurement_from_sds`` (for bulk work such as
    demo data); ``LookupError`` wherever that gives no value.
    """
    try:
        lms = _uk_who_lms(RCPCH_METHOD[kind], sex.value, decimal_age)
        value = _rcpchgrowth().global_functions.measurement_for_z(
            z=sds, l=lms["l"], m=lms["m"], s=lms["s"]
        )
    except Exception as exc:  # as uk_who_value_for_sds: no value
        raise LookupError(
            f"UK-WHO has no {kind.label.lower()} value at age {decimal_age:.4f} years"
        ) from exc
    if value is None:
        raise LookupError(
            f"UK-WHO gives no {kind.label.lower()} {sds:+.2f} SDS at age {decimal_age:.4f} years"
        )
    return float(round(value, 4))
