"""Faltering growth (NICE NG75): which weights should make a health visitor look again.

Source: NICE guideline NG75, "Faltering growth: recognition and management of
faltering growth in children" (September 2017), as published at
nice.org.uk/guidance/ng75/chapter/Recommendations and summarised in DOMAIN.md:

* 1.1 Weight loss in the early days of life. 1.1.1: weight loss "usually stops
  after about 3 or 4 days of life"; "most infants have returned to their birth
  weight by 3 weeks of age". 1.1.2: act "if infants in the early days of life
  lose more than 10% of their birth weight".
* 1.2 Faltering growth after the early days of life, thresholds for concern:
  a fall across 1 or more weight centile spaces if birth weight was below the
  9th centile; 2 or more if between the 9th and 91st centiles; 3 or more if
  above the 91st centile; or current weight below the 2nd centile for age,
  whatever the birth weight.

How this module reads them, for the weights a record holds:

* Every rule is about the child's current state: it looks at the latest weight
  known on ``today`` (weights dated after ``today`` are not yet known, so the
  alerts can also be replayed as they stood on any past day). A dip that has
  since recovered raises nothing.
* "The early days" are the first three weeks (days 0 to 20; day 0 is the date
  of birth): NG75 section 1.1 covers the time until babies are expected to be
  back to birth weight, "by 3 weeks"; section 1.2 applies from day 21.
* "More than 10%" is strict, as NG75 1.1.2 says. DOMAIN.md and the
  ``FalteringRule`` label say "10% or more"; the publication wins (DOMAIN.md),
  so a loss of exactly 10% does not raise an alert.
* "Not back to birth weight by 3 weeks": from the day the baby is 3 weeks old
  (day 21), an alert while the latest weight is below birth weight, whether it
  was measured at 3 weeks or later (still below) or before (not known to be
  back: weigh again).
* A fall across centile spaces is measured from the lowest weight centile in
  the early days, birth weight included, to the latest weight, so the normal
  early weight loss is not counted as faltering. This follows NG75 section 1.2
  as we recall it ("use the lowest centile within the early days of life as
  the baseline, rather than the birth weight centile"); the public summaries
  we could check quote only the thresholds, so have the clinical safety
  officer confirm this sentence against the published guideline.
  Which threshold applies (1, 2 or 3 spaces) is set by the birth weight
  centile. Without a birth weight only the 2nd-centile rule can be judged.
* "Centile" means the lines printed on the UK-WHO chart, which lie two thirds
  of an SD apart (DOMAIN.md): the "9th" line is at -4/3 SDS (9.1%), the "91st"
  at +4/3 (90.9%), the "2nd" at -2 SDS (2.3%). Health visitors read a weight
  against those lines, so bands and the 2nd-centile rule compare SDS with the
  lines, not the rounded percentile names. A weight exactly on the 9th or 91st
  line counts as between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from healthvisitor.domain.ages import age_text
from healthvisitor.domain.enums import FalteringRule
from healthvisitor.domain.growth import CENTILE_SPACE_SDS
from healthvisitor.errors import ValidationError

#: The early days of life are days 0 to 20; from day 21 (3 weeks old) NG75
#: section 1.2 applies and a baby is expected back to birth weight (NG75 1.1.1).
THREE_WEEKS_DAYS = 21
#: NG75 1.1.2: losing more than 10% of birth weight in the early days of life.
EARLY_WEIGHT_LOSS_PERCENT = 10
#: The UK-WHO chart's 9th and 91st centile lines, in SDS (4/3 SD from the median).
NINTH_CENTILE_LINE_SDS = -2 * CENTILE_SPACE_SDS
NINETY_FIRST_CENTILE_LINE_SDS = 2 * CENTILE_SPACE_SDS
#: The UK-WHO chart's 2nd centile line (NG75 1.2: "below the 2nd centile").
SECOND_CENTILE_LINE_SDS = -3 * CENTILE_SPACE_SDS
#: NG75 1.2: centile spaces of fall that suggest faltering, by birth weight centile.
SPACES_IF_BORN_BELOW_9TH = 1
SPACES_IF_BORN_9TH_TO_91ST = 2
SPACES_IF_BORN_ABOVE_91ST = 3
#: SDS carry floating-point noise: a fall equal to N spaces to 9 decimal places is N.
_SDS_TOLERANCE = 1e-9


@dataclass(frozen=True)
class WeightPoint:
    """One weight with its UK-WHO SDS and centile (at the age the chart used)."""

    measured_on: dt.date
    kg: float
    sds: float
    centile: float


@dataclass(frozen=True)
class FalteringAlert:
    """One NG75 threshold met now, with the weights behind it (earliest first)."""

    rule: FalteringRule
    message: str
    measurements: tuple[WeightPoint, ...]


def _grams(kg: float) -> int:
    # Scales read to the gram at best; whole grams make "more than 10%" exact.
    return round(kg * 1000)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _centile(centile: float) -> str:
    """A percentile as read next to the chart: whole numbers in the middle, tenths at the edges."""
    return f"{centile:.0f}" if 10 <= centile <= 90 else f"{centile:.1f}"


def _percent(loss_grams: int, birth_grams: int) -> str:
    percent = 100 * loss_grams / birth_grams
    # Whole percent, unless rounding would hide which side of 10% it is.
    return (
        f"{percent:.0f}%" if abs(percent - EARLY_WEIGHT_LOSS_PERCENT) >= 0.5 else f"{percent:.1f}%"
    )


def _shortfall(loss_grams: int, birth_grams: int) -> str:
    """How far below birth weight, in grams and (from 1%) per cent: "130 g (4%)"."""
    if 100 * loss_grams < birth_grams:
        return f"{loss_grams} g"
    return f"{loss_grams} g ({_percent(loss_grams, birth_grams)})"


def _weight(point: WeightPoint) -> str:
    return f"{point.kg:.2f} kg"


def faltering_alerts(
    *,
    date_of_birth: dt.date,
    birth_weight: WeightPoint | None,
    weights: Sequence[WeightPoint],
    today: dt.date,
) -> list[FalteringAlert]:
    """The NG75 faltering-growth thresholds the child meets today (none: an empty list).

    ``birth_weight`` is the weight on the date of birth with its birth centile;
    ``weights`` are the weights since, in any order (for two on one day, the
    later in the sequence counts as the latest). See the module docstring for
    how each rule is read.
    """
    for point in weights:
        if point.measured_on < date_of_birth:
            raise ValidationError(
                f"A weight dated {point.measured_on:%d %b %Y} is before the child was born "
                f"({date_of_birth:%d %b %Y}).",
                "weight",
            )
    known = sorted(
        (point for point in weights if point.measured_on <= today), key=lambda p: p.measured_on
    )
    if not known:
        return []
    latest = known[-1]
    three_weeks_old = date_of_birth + dt.timedelta(days=THREE_WEEKS_DAYS)
    latest_in_early_days = latest.measured_on < three_weeks_old
    latest_age = f"{age_text(date_of_birth, latest.measured_on)} old"
    alerts: list[FalteringAlert] = []

    if birth_weight is not None:
        birth_grams, latest_grams = _grams(birth_weight.kg), _grams(latest.kg)
        loss = birth_grams - latest_grams
        behind = (birth_weight, latest)
        if latest_in_early_days and loss * 100 > EARLY_WEIGHT_LOSS_PERCENT * birth_grams:
            alerts.append(
                FalteringAlert(
                    FalteringRule.EARLY_WEIGHT_LOSS,
                    f"Weight {_weight(latest)} on {_day(latest.measured_on)} ({latest_age}) is "
                    f"{_percent(loss, birth_grams)} below birth weight {_weight(birth_weight)}: "
                    f"more than {EARLY_WEIGHT_LOSS_PERCENT}% lost in the early days.",
                    behind,
                )
            )
        if today >= three_weeks_old and loss > 0:
            if latest_in_early_days:
                message = (
                    "Not known to be back to birth weight at 3 weeks: last weighed "
                    f"{_weight(latest)} on {_day(latest.measured_on)} ({latest_age}), "
                    f"{_shortfall(loss, birth_grams)} below birth weight {_weight(birth_weight)}, "
                    "and not weighed since. Weigh again."
                )
            else:
                message = (
                    f"Weight {_weight(latest)} on {_day(latest.measured_on)} ({latest_age}) is "
                    f"still {_shortfall(loss, birth_grams)} below birth weight "
                    f"{_weight(birth_weight)}: not back to birth weight by 3 weeks."
                )
            alerts.append(FalteringAlert(FalteringRule.NOT_BACK_TO_BIRTH_WEIGHT, message, behind))
        if not latest_in_early_days:
            alerts.extend(_fall_across_centile_spaces(birth_weight, known, latest, three_weeks_old))

    if not latest_in_early_days and latest.sds < SECOND_CENTILE_LINE_SDS:
        alerts.append(
            FalteringAlert(
                FalteringRule.BELOW_SECOND_CENTILE,
                f"Weight {_weight(latest)} on {_day(latest.measured_on)} ({latest_age}) is below "
                f"the 2nd centile line (centile {_centile(latest.centile)}).",
                (latest,),
            )
        )
    return alerts


def _fall_across_centile_spaces(
    birth_weight: WeightPoint,
    known: Sequence[WeightPoint],
    latest: WeightPoint,
    three_weeks_old: dt.date,
) -> list[FalteringAlert]:
    """NG75 1.2: the fall from the lowest early-days centile to the latest weight."""
    early = [point for point in known if point.measured_on < three_weeks_old]
    baseline = min([birth_weight, *early], key=lambda point: point.sds)
    if birth_weight.sds < NINTH_CENTILE_LINE_SDS:
        needed, band = SPACES_IF_BORN_BELOW_9TH, "below the 9th centile"
    elif birth_weight.sds > NINETY_FIRST_CENTILE_LINE_SDS:
        needed, band = SPACES_IF_BORN_ABOVE_91ST, "above the 91st centile"
    else:
        needed, band = SPACES_IF_BORN_9TH_TO_91ST, "between the 9th and 91st centiles"
    fall = baseline.sds - latest.sds
    if fall + _SDS_TOLERANCE < needed * CENTILE_SPACE_SDS:
        return []
    start = "birth weight" if baseline is birth_weight else "the lowest weight in the first 3 weeks"
    return [
        FalteringAlert(
            FalteringRule.FALL_ACROSS_CENTILE_SPACES,
            f"Weight has fallen across {fall / CENTILE_SPACE_SDS:.1f} centile spaces: from "
            f"centile {_centile(baseline.centile)} ({_weight(baseline)} on "
            f"{_day(baseline.measured_on)}, {start}) to centile {_centile(latest.centile)} "
            f"({_weight(latest)} on {_day(latest.measured_on)}). Birth weight was {band}, "
            f"where a fall across {needed} or more centile space{'s' if needed > 1 else ''} "
            "suggests faltering growth.",
            tuple(dict.fromkeys((birth_weight, baseline, latest))),
        )
    ]
