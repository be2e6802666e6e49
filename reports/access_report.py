"""Who accessed a child's record, as a printed report (issue 8).

Takes the same ``AccessReport`` the dialog shows, so paper and screen cannot
disagree: the child and the range at the top, then one row an access, oldest
first, with the local time it happened (and its UTC offset, so a reader can
match it to the audit trail kept in UTC), who by name and role, what they did
and from which machine. Every page says whose record it is (``page.py``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from reportlab.platypus import Flowable

from healthvisitor.reports.page import (
    PageFrame,
    build_pdf,
    details,
    gap,
    long_date,
    paragraph,
    styles,
    table,
)
from healthvisitor.services.access_report import AccessReport

TITLE = "Who accessed this child's record"


def access_story(report: AccessReport) -> list[Flowable]:
    count = len(report.accesses)
    story: list[Flowable] = [
        paragraph(TITLE, styles().title),
        details(
            [
                ("Child", f"{report.child_name}, NHS number {report.nhs_number}"),
                ("Team", report.team_name),
                ("From", f"{long_date(report.start)} to {long_date(report.end)} (local days)"),
                ("Accesses", f"{count} recorded in the audit trail" if count else "none"),
                (
                    "Asked for by",
                    f"{report.asked_by} at "
                    f"{report.asked_at.astimezone():%H:%M on %d %b %Y} (recorded as an access)",
                ),
            ],
            label_width=0.18,
        ),
        gap(),
    ]
    if not report.accesses:
        story.append(paragraph("Nobody opened, printed or changed this record in that range."))
        return story
    story.append(
        table(
            ["When (local time)", "Who", "What they did", "From which computer"],
            [
                [a.when_words, a.who_words, a.what, a.machine or "not recorded"]
                for a in report.accesses
            ],
            [0.24, 0.30, 0.28, 0.18],
        )
    )
    story.append(gap())
    story.append(
        paragraph(
            "Roles are as they are now. Times are kept in UTC in the audit trail; "
            "'healthvisitor audit verify' checks that no event has been altered.",
            styles().small,
        )
    )
    return story


def access_report_pdf(
    report: AccessReport,
    out: str | Path | IO[bytes],
    *,
    printed_on: dt.date | None = None,
) -> None:
    """Write the report as a PDF to ``out``; each page names the child."""
    frame = PageFrame(
        TITLE,
        f"{report.child_name} · NHS {report.nhs_number} · {long_date(report.start)} to "
        f"{long_date(report.end)}",
        printed_on or report.asked_at.astimezone().date(),
        report.asked_by,
    )
    build_pdf(out, frame, access_story(report))


def write_access_report(report: AccessReport, out: Path) -> None:
    """The command line's writer: the whole PDF rendered, then written (never half a file)."""
    from healthvisitor.reports.cli import _write  # the report commands' own writer

    _write(out, lambda pdf: access_report_pdf(report, pdf))


def add_pdf_to_the_command_line(commands: Any) -> None:
    """Let ``healthvisitor audit who-accessed --pdf`` write this report.

    The domain's command line cannot import a renderer (STYLE.md), so the
    installed command (``reports/cli.py``) hands this writer in, as it adds
    ``report``.
    """
    commands.choices["audit"].set_defaults(write_access_pdf=write_access_report)
