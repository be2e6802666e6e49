"""The quarter's national metrics on one A4 page (issue 7).

Takes the same ``QuarterMetrics`` the CLI prints and the app shows, so paper
and screen cannot disagree. Each figure: numerator, denominator, percentage
(one decimal) and the note a reader needs ("too small to compare"), with the
definition's source; then the breastfeeding breakdown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO

from reportlab.platypus import Flowable

from healthvisitor.reports.page import (
    PageFrame,
    build_pdf,
    details,
    gap,
    heading,
    long_date,
    paragraph,
    styles,
    table,
)
from healthvisitor.services.metrics import MetricFigure, QuarterMetrics

TITLE = "Health visiting metrics"


def _value(figure: MetricFigure) -> tuple[str, str, str]:
    if figure.denominator is None:
        return str(figure.numerator), "", ""
    share = "" if figure.percent is None else f"{figure.percent}%"
    return str(figure.numerator), str(figure.denominator), share


def metrics_story(found: QuarterMetrics) -> list[Flowable]:
    so_far = " (quarter not ended: figures so far)" if found.provisional else ""
    story: list[Flowable] = [
        paragraph(f"{TITLE}: {found.scope_name}", styles().title),
        details(
            [
                (
                    "Quarter",
                    f"{found.quarter}: {long_date(found.starts)} to "
                    f"{long_date(found.ends)}{so_far}",
                ),
                (
                    "Who counts",
                    "Children the team is responsible for at the end of the quarter, "
                    "in the quarter they turn the age; reviews before the quarter count.",
                ),
            ],
            label_width=0.18,
        ),
        gap(),
        table(
            ["Metric", "Number", "Of", "Per cent", "Note", "Source"],
            [
                [figure.title, *_value(figure), figure.note, figure.source]
                for figure in found.figures
            ],
            [0.40, 0.10, 0.08, 0.10, 0.17, 0.15],
        ),
        heading("Breastfeeding at 6-8 weeks"),
        table(
            ["Totally", "Partially", "Not breastfed", "Not recorded", "Infants due"],
            [
                [
                    str(found.breastfeeding.totally),
                    str(found.breastfeeding.partially),
                    str(found.breastfeeding.not_breastfed),
                    str(found.breastfeeding.not_recorded),
                    str(found.breastfeeding.total),
                ]
            ],
            [0.2, 0.2, 0.2, 0.2, 0.2],
        ),
    ]
    return story


def metrics_pdf(
    found: QuarterMetrics,
    out: str | Path | IO[bytes],
    *,
    printed_by: str,
    printed_on: dt.date,
) -> None:
    """Write the quarter's figures as a one-page PDF to ``out``."""
    frame = PageFrame(TITLE, f"{found.scope_name} · {found.quarter}", printed_on, printed_by)
    build_pdf(out, frame, metrics_story(found))
