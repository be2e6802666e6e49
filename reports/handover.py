"""The handover report of a caseload (issue 6), on the shared report page.

For a health visitor going on leave or leaving, or for a team lead: a cover
page with the caseload's totals, then one block per child, most urgent first
(``services.printing.handover_report`` sorts them): who the child is, the
next review, flags, referrals, and the last contact with its key points.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from reportlab.platypus import Flowable, PageBreak, Table, TableStyle

from healthvisitor.reports.fonts import REGULAR
from healthvisitor.reports.page import (
    CONTENT_WIDTH,
    HEADER_FILL,
    NHS_BLUE,
    PageFrame,
    Progress,
    build_pdf,
    details,
    gap,
    heading,
    kept_together,
    long_date,
    paragraph,
    styles,
    subheading,
)
from healthvisitor.services.printing import HandoverChild, HandoverReport

TITLE = "Caseload handover"


def _totals(report: HandoverReport) -> Table:
    look = styles()
    totals = report.totals
    rows = [
        ("Children on the caseload", totals.children),
        ("Reviews due in the next 4 weeks", totals.reviews_due_next_4_weeks),
        ("Reviews overdue", totals.reviews_overdue),
        ("Children with a safeguarding flag", totals.safeguarding),
        (
            "Open referrals",
            totals.open_referrals if report.referrals_available else "not printed yet",
        ),
    ]
    data = [
        [paragraph(label, look.body), paragraph(str(value), look.title)] for label, value in rows
    ]
    result = Table(data, colWidths=[0.55 * CONTENT_WIDTH, 0.3 * CONTENT_WIDTH], hAlign="LEFT")
    result.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 9.5),
                ("BACKGROUND", (0, 0), (-1, -1), HEADER_FILL),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, NHS_BLUE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return result


def _cover(report: HandoverReport) -> list[Flowable]:
    look = styles()
    story: list[Flowable] = [
        paragraph(f"{TITLE}: {report.health_visitor}'s caseload", look.title),
        details(
            [
                ("Health visitor", report.health_visitor),
                ("Team", report.team),
                ("As at", long_date(report.printed_on)),
                ("Printed by", report.printed_by),
                ("Children in this report", f"{len(report.children)}"),
                ("Limited to", report.limited_to or "The whole caseload"),
            ]
        ),
        heading("The caseload at a glance"),
        _totals(report),
        gap(10),
        paragraph(
            "Children follow most urgent first: overdue reviews and children not brought "
            "first, then by the days left to each review's target date; at the same point, "
            "a child with a safeguarding flag comes first.",
            look.small,
        ),
    ]
    if not report.referrals_available:
        story.append(
            paragraph(
                "Referrals are not printed on this report yet: check each child's record.",
                look.small,
            )
        )
    return story


def _next_review(child: HandoverChild) -> str:
    if child.next_review is None or child.next_review_status is None:
        return "No mandated review open"
    words = f"{child.next_review.label}: {child.next_review_status.label.lower()}"
    if child.next_review_target_by is not None and child.days_to_target is not None:
        days = child.days_to_target
        when = (
            f"{-days} days past target"
            if days < 0
            else "target today"
            if days == 0
            else f"{days} days left"
        )
        words += f", target by {long_date(child.next_review_target_by)} ({when})"
    return words


def child_block(number: int, child: HandoverChild, *, referrals_available: bool) -> Flowable:
    pairs = [
        ("Born", f"{long_date(child.date_of_birth)} (age {child.age})"),
        ("Family", f"{child.family}, {child.postcode}".rstrip(", ")),
        ("Next review", _next_review(child)),
    ]
    if child.overdue_reviews:
        pairs.append(("Reviews overdue", str(child.overdue_reviews)))
    pairs.append(("Safeguarding", "; ".join(child.safeguarding) or "None in force"))
    pairs.append(("Flags", "; ".join(child.flags) or "None"))
    pairs.append(("Level of service", child.service_level or "Not recorded"))
    if referrals_available:
        pairs.append(
            (
                "Open referrals",
                "\n".join(
                    f"{r.referral_type} ({r.about}): {r.status.lower()}, made "
                    f"{long_date(r.made_on)}"
                    + (f", follow up by {long_date(r.follow_up_on)}" if r.follow_up_on else "")
                    for r in child.referrals
                    if r.is_open
                )
                or "None",
            )
        )
    last = child.last_contact
    if last is None:
        pairs.append(("Last contact", "No completed contact yet"))
    else:
        pairs.append(
            (
                "Last contact",
                f"{long_date(last.contact_date)}, {last.kind.label}"
                + (f", by {last.delivered_by}" if last.delivered_by else ""),
            )
        )
        pairs.append(("Key points", last.findings or "No structured findings recorded"))
        if last.notes.strip():
            pairs.append(("Notes", last.notes.strip()))
    title = f"{number}. {child.name} · NHS number {child.nhs_number}"
    return kept_together(subheading(title), details(pairs, label_width=0.2), gap(4))


def handover_story(report: HandoverReport) -> list[Flowable]:
    story = _cover(report)
    story.append(PageBreak())
    if not report.children:
        story.append(paragraph("No child on this caseload matches the report's limits."))
    for number, child in enumerate(report.children, start=1):
        story.append(child_block(number, child, referrals_available=report.referrals_available))
    return story


def handover_pdf(
    report: HandoverReport,
    out: str | Path | IO[bytes],
    *,
    progress: Progress | None = None,
) -> None:
    """Write the handover as a PDF to ``out``.

    ``progress(children laid out, children)`` is called as the pages are laid
    out; an exception raised from it stops the build (Cancel).
    """
    subject = f"{report.health_visitor}'s caseload · {report.team}"
    frame = PageFrame(TITLE, subject, report.printed_on, report.printed_by)
    story = handover_story(report)
    counted: Progress | None = None
    if progress is not None:
        children = len(report.children)
        # The cover's parts come first: count only the children's blocks.
        before = len(story) - children

        def per_child(done: int, _total: int) -> None:
            progress(min(max(done - before, 0), children), children)

        counted = per_child
    build_pdf(out, frame, story, progress=counted)
