"""The single door to ``rcpchgrowth``, the RCPCH implementation of UK-WHO.

``import rcpchgrowth`` costs about 0.65 s (it loads scipy), so it is imported
here, lazily, on first use, never at application start (TOOLCHAIN.md).
"""

from __future__ import annotations

import datetime as dt
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
