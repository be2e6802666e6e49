"""The red book summary of one child (issue 6), on the shared report page.

Drawn from ``services.printing.RedBookSummary``, which is built from the same
child record the screen shows, so paper and screen cannot disagree. Sections
in red book order: the child's details, family and GP; flags and plan; the
mandated reviews with their key findings; every measurement with its centile;
the growth charts (the screen's renderer, ``reports/growth_chart.py``); other
contacts; referrals. Newborn screening (blood spot, hearing, NIPE) and
immunisations given, due and overdue come from ``services.screening`` through
the same record; a test with no result on record is printed as "not recorded",
never left out, so nobody reads absence as "none".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO

from reportlab.platypus import Flowable

from healthvisitor.domain.enums import ContactKind, MeasurementKind
from healthvisitor.domain.immunisations import DoseStatus
from healthvisitor.reports.growth_chart import DESIGN_HEIGHT, DESIGN_WIDTH, growth_chart_drawing
from healthvisitor.reports.page import (
    CONTENT_WIDTH,
    PageFrame,
    build_pdf,
    details,
    gap,
    heading,
    in_report_fonts,
    long_date,
    paragraph,
    styles,
    subheading,
    table,
)
from healthvisitor.services.printing import RedBookSummary, ReviewSummary, measurement_text

TITLE = "Red book summary"
#: Points: two charts and a heading fit between the header and the footer of an A4 page.
CHART_HEIGHT = 290.0

#: Printed when a record was built without its screening and immunisations.
NOT_RECORDED_HERE = (
    "Newborn screening and immunisations could not be read for this summary: see the "
    "child's record and the red book itself."
)


def subject_line(summary: RedBookSummary) -> str:
    record = summary.record
    return (
        f"{record.name} · NHS number {record.nhs_number} · born {long_date(record.date_of_birth)}"
    )


def _child_details(summary: RedBookSummary) -> list[Flowable]:
    record = summary.record
    birth_weight = (
        f"{record.birth_weight_kg:.3f} kg".replace(".000 kg", " kg")
        if record.birth_weight_kg is not None
        else "Not recorded"
    )
    pairs = [
        ("Name", record.name),
        ("NHS number", record.nhs_number),
        ("Date of birth", f"{long_date(record.date_of_birth)} (age {record.age})"),
        *(
            [("Corrected age", f"{summary.corrected_age} (used on the growth charts)")]
            if summary.corrected_age
            else []
        ),
        ("Sex", record.sex.label),
        ("Gestation at birth", f"{record.gestation} weeks"),
        ("Birth weight", birth_weight),
        ("Place of birth", summary.place_of_birth or "Not recorded"),
        ("Family", record.family),
        ("Address", record.address or "Not recorded"),
        ("Parents and carers", "; ".join(record.carers) or "None recorded"),
        (
            "Main language",
            record.main_language + (", interpreter needed" if record.interpreter_needed else ""),
        ),
        ("GP practice", summary.gp_practice or "Not recorded"),
        ("Health visitor", record.health_visitor),
        ("Record status", record.record_status.label),
    ]
    return [heading("Child's details"), details(pairs)]


def _flags_and_plan(summary: RedBookSummary) -> list[Flowable]:
    look = styles()
    story: list[Flowable] = [heading("Current flags and plan")]
    story.append(subheading("Flags in force"))
    if summary.flags:
        story.extend(paragraph(f"• {flag}") for flag in summary.flags)
    else:
        story.append(paragraph("No flags in force.", look.body))
    story.append(subheading("Plan"))
    if summary.plan:
        story.extend(paragraph(f"• {line}") for line in summary.plan)
    else:
        story.append(paragraph("No mandated review open and no contact planned."))
    return story


def _review_block(review: ReviewSummary) -> list[Flowable]:
    title = review.kind.label
    if review.done_on:
        title += f": {long_date(review.done_on)}"
    pairs = [("Status", f"{review.status.label} (target by {long_date(review.target_by)})")]
    if review.done_on:
        who = review.delivered_by or "Not recorded"
        if review.accountable and review.accountable != review.delivered_by:
            who += f" (accountable health visitor: {review.accountable})"
        pairs.append(("Done by", who))
        if review.measurements:
            pairs.append(("Measurements", "\n".join(map(measurement_text, review.measurements))))
        pairs.append(("Key findings", review.findings or "None recorded"))
    # The subheading keeps with its details (keepWithNext); no KeepTogether
    # here, or reportlab could no longer keep a section heading with its first review.
    return [subheading(title), details(pairs, label_width=0.2)]


def _reviews(summary: RedBookSummary) -> list[Flowable]:
    story: list[Flowable] = [heading("Mandated reviews (Healthy Child Programme)")]
    for review in summary.reviews:
        story.extend(_review_block(review))
    return story


def _measurements(summary: RedBookSummary) -> list[Flowable]:
    record = summary.record
    story: list[Flowable] = [heading("Growth measurements (UK-WHO)")]
    if not record.measurements:
        story.append(paragraph("No growth measurements recorded yet."))
        return story
    rows = []
    for m in record.measurements:
        value = f"{m.value:.2f}" if m.kind is MeasurementKind.WEIGHT else f"{m.value:.1f}"
        rows.append(
            (
                long_date(m.measured_on),
                m.kind.label,
                f"{value} {m.kind.unit}",
                f"{m.centile:.1f}" if m.centile is not None else "—",
                f"{m.sds:+.2f}" if m.sds is not None else "—",
                m.age_used.label if m.age_used else "—",
            )
        )
    story.append(
        table(
            ("Date", "Measurement", "Value", "Centile", "SDS", "Age used"),
            rows,
            (0.17, 0.24, 0.14, 0.12, 0.11, 0.22),
        )
    )
    return story


def _charts(summary: RedBookSummary) -> list[Flowable]:
    story: list[Flowable] = [heading("Growth charts")]
    # Two charts to a page, with their heading: the screen's chart, smaller.
    height = CHART_HEIGHT
    width = min(CONTENT_WIDTH, height * DESIGN_WIDTH / DESIGN_HEIGHT)
    for chart in summary.record.charts:
        if not chart.child:
            story.append(paragraph(f"{chart.title}: no measurements to plot yet."))
            continue
        # A drawing never splits; left bare so the heading above keeps with it.
        story.append(in_report_fonts(growth_chart_drawing(chart, width, height)))
        story.append(gap(8))
    return story


def _newborn_screening(summary: RedBookSummary) -> list[Flowable]:
    story: list[Flowable] = [
        heading("Newborn screening (blood spot, hearing, physical examination)")
    ]
    screening = summary.record.screening
    if screening is None:
        story.append(paragraph(NOT_RECORDED_HERE))
        return story
    rows = [
        (s.test.label, long_date(s.screened_on), s.result.label, s.note or "—")
        for s in screening.screenings
    ]
    rows += [(test.label, "—", "Not recorded", "—") for test in screening.untested]
    story.append(table(("Screening", "Date", "Result", "Note"), rows, (0.34, 0.16, 0.18, 0.32)))
    return story


def _immunisations(summary: RedBookSummary) -> list[Flowable]:
    story: list[Flowable] = [heading("Immunisations")]
    screening = summary.record.screening
    if screening is None:
        story.append(paragraph(NOT_RECORDED_HERE))
        return story
    story.append(subheading("Given"))
    if screening.immunisations:
        rows = [
            (
                long_date(i.given_on),
                i.vaccine_name,
                f"Dose {i.dose}",
                "Elsewhere" if i.given_elsewhere else "Here",
                i.batch or "—",
            )
            for i in screening.immunisations
        ]
        story.append(
            table(("Date", "Vaccine", "Dose", "Given", "Batch"), rows, (0.17, 0.4, 0.1, 0.13, 0.2))
        )
    else:
        story.append(paragraph("No immunisations recorded in HealthVisitor."))
    story.append(subheading("Due and overdue"))
    missing = [p for p in screening.plan if p.status in (DoseStatus.DUE, DoseStatus.OVERDUE)]
    if missing:
        rows = [
            (
                p.scheduled.appointment,
                p.scheduled.vaccine_name,
                f"Dose {p.scheduled.dose}",
                long_date(p.due_on),
                p.status.value,
            )
            for p in missing
        ]
        story.append(
            table(
                ("Appointment", "Vaccine", "Dose", "Due from", "Status"),
                rows,
                (0.18, 0.4, 0.1, 0.17, 0.15),
            )
        )
    else:
        story.append(paragraph("No routine immunisation is due or overdue today."))
    coming = next((p for p in screening.plan if p.status is DoseStatus.NOT_YET_DUE), None)
    if coming is not None:
        story.append(
            paragraph(
                f"Next on the routine schedule: {coming.scheduled.appointment} "
                f"(from {long_date(coming.due_on)})."
            )
        )
    return story


def _contacts(summary: RedBookSummary) -> list[Flowable]:
    contacts = [c for c in summary.record.contacts if c.kind is ContactKind.OTHER]
    story: list[Flowable] = [heading("Other contacts")]
    if not contacts:
        story.append(paragraph("No other contacts recorded."))
        return story
    measured: dict[dt.date, list[str]] = {}
    for m in summary.record.measurements:
        measured.setdefault(m.measured_on, []).append(measurement_text(m))
    rows = [
        (
            long_date(c.contact_date),
            c.outcome_label,
            c.location_label,
            c.delivered_by,
            # What was measured that day, then the structured findings.
            "; ".join([*measured.get(c.contact_date, []), *filter(None, [c.findings])]) or "—",
        )
        for c in reversed(contacts)  # oldest first, as the red book reads
    ]
    story.append(
        table(
            ("Date", "Outcome", "Where", "By", "Measurements and key findings"),
            rows,
            (0.14, 0.13, 0.12, 0.16, 0.45),
        )
    )
    return story


#: The family's copy leaves out a carer's own referrals and the routes not marked for
#: it (hazard H17), so it never says "no referrals recorded": that could be untrue. It
#: says the same words whether or not anything was left out, so the paper cannot tell
#: a reader that a referral they may not see exists (issue 5).
FAMILY_COPY_REFERRALS = (
    "This copy lists only the referrals shared in the parent-held record. The health "
    "visiting team keeps the child's full record."
)
FAMILY_COPY_NONE_LISTED = "No referrals are listed on the family's copy."


def _referrals(summary: RedBookSummary) -> list[Flowable]:
    story: list[Flowable] = [heading("Referrals")]
    if not summary.referrals_available:
        # Never "none" when they simply could not be read (issue 5's service).
        story.append(paragraph("Referrals are not printed yet: see the child's record."))
        return story
    if summary.for_family:
        story.append(paragraph(FAMILY_COPY_REFERRALS, styles().small))
    if not summary.referrals:
        # The professional's copy lists every referral, so "none" is true there.
        story.append(
            paragraph(FAMILY_COPY_NONE_LISTED if summary.for_family else "No referrals recorded.")
        )
        return story
    rows = [
        (
            r.referral_type,
            r.about,
            r.status,
            long_date(r.made_on),
            long_date(r.follow_up_on) or "—",
        )
        for r in summary.referrals
    ]
    story.append(
        table(
            ("Referral", "About", "Status", "Made", "Follow-up"),
            rows,
            (0.3, 0.2, 0.18, 0.16, 0.16),
        )
    )
    return story


def red_book_story(summary: RedBookSummary) -> list[Flowable]:
    look = styles()
    copy = (
        "The family's copy, for the parent-held record."
        if summary.for_family
        else "A professional's copy, including safeguarding information: not for the "
        "parent-held record."
    )
    story: list[Flowable] = [
        paragraph(f"{TITLE}: {summary.record.name}", look.title),
        paragraph(copy, look.small),
    ]
    story += _child_details(summary)
    story += _flags_and_plan(summary)
    story += _newborn_screening(summary)
    story += _reviews(summary)
    story += _measurements(summary)
    story += _charts(summary)
    story += _immunisations(summary)
    story += _contacts(summary)
    story += _referrals(summary)
    return story


def red_book_pdf(summary: RedBookSummary, out: str | Path | IO[bytes]) -> None:
    """Write the red book summary of one child as a PDF to ``out`` (a path or a binary file)."""
    frame = PageFrame(TITLE, subject_line(summary), summary.printed_on, summary.printed_by)
    build_pdf(out, frame, red_book_story(summary))
