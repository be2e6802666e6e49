"""``healthvisitor report``: the printed reports from the command line (issue 6).

    healthvisitor report redbook --nhs 9991234560 --out red-book.pdf
    healthvisitor report handover --practitioner jsmith --out handover.pdf
        [--flagged-only] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
    healthvisitor report metrics --quarter 2026-27Q1 --user jlead
        [--team NAME | --practitioner USERNAME | --service] [--json | --csv] [--out FILE.pdf]

Wired into ``healthvisitor.cli.build_parser`` with ``add_report_commands``.
An unknown child or practitioner ends with one clear sentence and exit
status 1, as every other command does (``cli.main`` prints the error).

Who is printing: ``--user``; without it the child's health visitor (red book)
or the practitioner whose caseload it is (handover). The print is recorded in
the audit trail under that user, as in the window.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthvisitor.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from healthvisitor.services.actor import Actor


def _out_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".pdf":
        raise ValidationError(f"Give a file name ending in .pdf for --out, not '{text}'.", "--out")
    if not path.parent.exists():
        raise ValidationError(
            f"The folder {path.parent} does not exist; create it or choose another.", "--out"
        )
    return path


def _write(out: Path, render: Callable[[io.BytesIO], None]) -> None:
    """Render the whole PDF, then write it: never half a file, and inside the
    unit of work, so a file that cannot be written leaves no "print" in the audit."""
    pdf = io.BytesIO()
    render(pdf)
    try:
        out.write_bytes(pdf.getvalue())
    except OSError as error:
        raise ValidationError(
            f"Could not write {out}: {error.strerror or error}. Choose another file or folder.",
            "--out",
        ) from error


def _acting_user(session: Session, username: str | None, default_id: Any) -> Actor:
    from healthvisitor.persistence.models import User
    from healthvisitor.services.actor import actor_for

    if username is None:
        user = session.get(User, default_id) if default_id is not None else None
        if user is None:
            raise NotFoundError(
                "This child has no health visitor allocated: say who is printing with "
                "--user USERNAME."
            )
        username = user.username
    return actor_for(session, username)


def cmd_report_redbook(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from healthvisitor.cli import _open, _today
    from healthvisitor.persistence.models import Child
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services import printing

    out = _out_path(args.out)
    today = _today(args.today)
    opened = _open(args)
    engine: Engine = opened.engine
    try:
        with unit_of_work(engine) as session:
            allocated = session.execute(
                select(Child.health_visitor_id).where(Child.nhs_number == "".join(args.nhs.split()))
            ).first()
            if allocated is None and args.user is None:
                raise NotFoundError(
                    f"No child with NHS number {args.nhs} is on record; check the number."
                )
            actor = _acting_user(session, args.user, allocated[0] if allocated else None)
            child_id = printing.find_child_by_nhs_number(session, actor, args.nhs)
            summary = printing.red_book_summary(
                session, actor, child_id, today=today, for_family=not args.professional
            )
            # Written inside the unit of work: if the PDF cannot be written,
            # the audit event is not saved either.
            from healthvisitor.reports.red_book import red_book_pdf

            _write(out, lambda pdf: red_book_pdf(summary, pdf))
    finally:
        engine.dispose()
    print(
        f"Red book summary for {summary.record.name} ({summary.record.nhs_number}) written to "
        f"{out}, printed by {actor.full_name}."
    )
    return 0


def cmd_report_handover(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from healthvisitor.cli import _open, _today
    from healthvisitor.domain.validation import parse_date
    from healthvisitor.persistence.models import User
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services import printing

    out = _out_path(args.out)
    today = _today(args.today)
    start = parse_date(args.window_from, "--from") if args.window_from else None
    end = parse_date(args.window_to, "--to") if args.window_to else None
    opened = _open(args)
    engine: Engine = opened.engine
    try:
        with unit_of_work(engine) as session:
            practitioner = session.scalar(select(User.id).where(User.username == args.practitioner))
            if practitioner is None:
                raise NotFoundError(
                    f"There is no practitioner with the username '{args.practitioner}'; "
                    "check the spelling."
                )
            actor = _acting_user(session, args.user, practitioner)
            report = printing.handover_report(
                session,
                actor,
                practitioner,
                today=today,
                window_from=start,
                window_to=end,
                flagged_only=args.flagged_only,
            )
            from healthvisitor.reports.handover import handover_pdf

            _write(out, lambda pdf: handover_pdf(report, pdf))
    finally:
        engine.dispose()
    print(
        f"Handover of {report.health_visitor}'s caseload ({len(report.children)} of "
        f"{report.totals.children} children) written to {out}, printed by {actor.full_name}."
    )
    return 0


def _metrics_json(found: Any) -> str:
    import json

    return json.dumps(
        {
            "quarter": found.quarter,
            "starts": found.starts.isoformat(),
            "ends": found.ends.isoformat(),
            "scope": found.scope.value,
            "scope_name": found.scope_name,
            "provisional": found.provisional,
            "metrics": [
                {
                    "code": figure.code,
                    "title": figure.title,
                    "numerator": figure.numerator,
                    "denominator": figure.denominator,
                    "percent": None if figure.percent is None else float(figure.percent),
                    "note": figure.note,
                    "source": figure.source,
                }
                for figure in found.figures
            ],
            "breastfeeding_at_6_8_weeks": {
                "totally": found.breastfeeding.totally,
                "partially": found.breastfeeding.partially,
                "not": found.breastfeeding.not_breastfed,
                "not_recorded": found.breastfeeding.not_recorded,
            },
        },
        indent=2,
        ensure_ascii=False,
    )


def _metrics_csv(found: Any) -> str:
    import csv

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(
        ["quarter", "scope", "metric", "title", "numerator", "denominator", "percent", "note"]
    )
    for figure in found.figures:
        writer.writerow(
            [
                found.quarter,
                found.scope_name,
                figure.code,
                figure.title,
                figure.numerator,
                "" if figure.denominator is None else figure.denominator,
                "" if figure.percent is None else str(figure.percent),
                figure.note,
            ]
        )
    return text.getvalue()


def _metrics_text(found: Any) -> str:
    so_far = " (quarter not ended: figures so far)" if found.provisional else ""
    lines = [f"{found.scope_name}, {found.quarter}{so_far}"]
    for figure in found.figures:
        if figure.denominator is None:
            value = f"{figure.numerator}"
        else:
            share = "-" if figure.percent is None else f"{figure.percent}%"
            value = f"{figure.numerator} of {figure.denominator} ({share})"
        note = f"  [{figure.note}]" if figure.note else ""
        lines.append(f"  {figure.title}: {value}{note}")
    return "\n".join(lines)


def cmd_report_metrics(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from healthvisitor.cli import _open, _today
    from healthvisitor.domain.enums import Role
    from healthvisitor.domain.metrics import Quarter
    from healthvisitor.persistence.models import User
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services import metrics
    from healthvisitor.services.actor import actor_for

    quarter = Quarter.parse(args.quarter, "--quarter")
    out = _out_path(args.out) if args.out else None
    today = _today(args.today)
    opened = _open(args)
    engine: Engine = opened.engine
    try:
        with unit_of_work(engine) as session:
            actor = actor_for(session, args.user)
            scope = (
                metrics.MetricScope.TEAM
                if actor.role is Role.TEAM_LEAD
                else metrics.MetricScope.HEALTH_VISITOR
            )
            team_id = visitor_id = None
            if args.service:
                scope = metrics.MetricScope.SERVICE
            elif args.practitioner:
                scope = metrics.MetricScope.HEALTH_VISITOR
                visitor_id = session.scalar(
                    select(User.id).where(User.username == args.practitioner)
                )
                if visitor_id is None:
                    raise NotFoundError(
                        f"There is no practitioner with the username '{args.practitioner}'; "
                        "check the spelling."
                    )
            elif args.team:
                scope = metrics.MetricScope.TEAM
                team_id = metrics.team_by_name(session, actor, args.team)
            found = metrics.quarter_metrics(
                session,
                actor,
                quarter,
                today=today,
                scope=scope,
                health_visitor_id=visitor_id,
                team_id=team_id,
            )
            if out is not None:
                # As for the red book: the renderers are reached only when printing.
                from healthvisitor.reports.metrics_report import (
                    metrics_pdf,
                )

                _write(
                    out,
                    lambda pdf: metrics_pdf(
                        found, pdf, printed_by=actor.full_name, printed_on=today
                    ),
                )
    finally:
        engine.dispose()
    if args.json:
        print(_metrics_json(found))
    elif args.csv:
        print(_metrics_csv(found), end="")
    else:
        print(_metrics_text(found))
    if out is not None and not (args.json or args.csv):
        print(f"Written to {out}.")
    return 0


def add_report_commands(commands: Any) -> None:
    """Add ``report redbook``, ``report handover`` and ``report metrics`` to the subparsers."""
    report = commands.add_parser(
        "report",
        help="print a red book summary, a caseload handover or the quarter's metrics",
        description="Printed reports as PDF files (A4, fonts embedded). Each print is "
        "recorded in the audit trail: who printed what, for whom.",
    )
    kinds = report.add_subparsers(dest="report_command", metavar="REPORT", required=True)

    redbook = kinds.add_parser(
        "redbook",
        help="one child's red book summary with growth charts",
        description="One child's red book summary: details, reviews with their findings, "
        "measurements with centiles, growth charts, flags and plan.",
    )
    redbook.add_argument("--nhs", required=True, metavar="NHSNUMBER", help="the child's NHS number")
    redbook.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    redbook.add_argument(
        "--professional",
        action="store_true",
        help="a professional's copy, with safeguarding flags and safeguarding referrals "
        "(the default is the family's copy for the parent-held record, without them)",
    )
    redbook.add_argument("--user", help="your username (default: the child's health visitor)")
    redbook.add_argument("--today", metavar="YYYY-MM-DD", help="the date to print as (today)")
    redbook.set_defaults(handler=cmd_report_redbook)

    handover = kinds.add_parser(
        "handover",
        help="a caseload handover, most urgent first",
        description="A health visitor's caseload for handover: totals on a cover page, then "
        "one block per child, most urgent first. --from/--to limit it to children with a "
        "review due in that window (overdue reviews are always included).",
    )
    handover.add_argument(
        "--practitioner", required=True, metavar="USERNAME", help="whose caseload"
    )
    handover.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    handover.add_argument(
        "--flagged-only",
        action="store_true",
        help="only children with a flag (safeguarding, growth, level of service, interpreter)",
    )
    handover.add_argument("--from", dest="window_from", metavar="YYYY-MM-DD", help="window start")
    handover.add_argument("--to", dest="window_to", metavar="YYYY-MM-DD", help="window end")
    handover.add_argument("--user", help="your username (default: the practitioner)")
    handover.add_argument("--today", metavar="YYYY-MM-DD", help="the date to print as (today)")
    handover.set_defaults(handler=cmd_report_handover)

    figures = kinds.add_parser(
        "metrics",
        help="the national health visiting metrics for a quarter",
        description="The health visitor service delivery metrics for a financial quarter "
        "(April-June is Q1), each with numerator, denominator and percentage. A team lead "
        "sees their team (or --service, every team); a health visitor their own children.",
    )
    figures.add_argument(
        "--quarter", required=True, metavar="YYYY-YYQn", help="e.g. 2026-27Q1 (April-June 2026)"
    )
    figures.add_argument("--user", required=True, help="your username")
    whose = figures.add_mutually_exclusive_group()
    whose.add_argument("--team", metavar="NAME", help="the team (a team lead's own)")
    whose.add_argument("--practitioner", metavar="USERNAME", help="one health visitor's children")
    whose.add_argument("--service", action="store_true", help="every team (team leads only)")
    shape = figures.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print JSON")
    shape.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")
    figures.add_argument("--out", metavar="FILE.pdf", help="also write a one-page PDF")
    figures.add_argument("--today", metavar="YYYY-MM-DD", help="the date to report as (today)")
    figures.set_defaults(handler=cmd_report_metrics)

    # ``audit who-accessed --pdf``: the domain's command line cannot import a renderer.
    from healthvisitor.reports.access_report import add_pdf_to_the_command_line

    add_pdf_to_the_command_line(commands)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``healthvisitor`` command: the domain's commands plus the printed reports.

    The reports live here, outside the domain package, so the domain never
    imports a renderer; ``healthvisitor.cli.main`` takes them as an extension.
    """
    from healthvisitor import cli

    return cli.main(argv, extend=add_report_commands)
