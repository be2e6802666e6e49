"""``healthvisitor report``: the printed reports from the command line (issue 6).

    healthvisitor report redbook --nhs 9991234560 --out red-book.pdf
    healthvisitor report handover --practitioner jsmith --out handover.pdf
        [--flagged-only] [--from YYYY-MM-DD] [--to YYYY-MM-DD]

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
from collections.abc import Callable
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
            # The command line is a shell like the window: it reaches the renderers
            # only when it prints (tests/test_architecture.py allows this module). mypy
            # checks healthvisitor/ only; reports/ is installed under it by package-dir.
            from healthvisitor.reports.red_book import red_book_pdf  # type: ignore[import-not-found]

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
            from healthvisitor.reports.handover import handover_pdf  # type: ignore[import-not-found]

            _write(out, lambda pdf: handover_pdf(report, pdf))
    finally:
        engine.dispose()
    print(
        f"Handover of {report.health_visitor}'s caseload ({len(report.children)} of "
        f"{report.totals.children} children) written to {out}, printed by {actor.full_name}."
    )
    return 0


def add_report_commands(commands: Any) -> None:
    """Add ``report redbook`` and ``report handover`` to the top-level subparsers."""
    report = commands.add_parser(
        "report",
        help="print a red book summary or a caseload handover to a PDF file",
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
