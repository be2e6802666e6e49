"""The page every printed report is laid out on (issue 6).

A4 portrait in a plain NHS style: on every page a header saying what the
report is and whom it is about (so a loose page can never be filed with the
wrong child), and a footer with "Page X of Y", the date it was printed and by
whom, and a confidentiality line. Built with reportlab's platypus, so long
text wraps instead of being clipped, tables repeat their header row on each
page and a heading is never left alone at the foot of a page (keepWithNext).
All text is set in the embedded fonts of ``reports/fonts.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from healthvisitor.reports.fonts import BOLD, REGULAR, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
HEADER_HEIGHT = 16 * mm
FOOTER_HEIGHT = 14 * mm
#: The width a flowable may take: the frame between the margins.
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

#: NHS identity colours (resources/style.qss): text, NHS blue for headings and rules.
NHS_BLUE = HexColor("#005EB8")
NHS_TEXT = HexColor("#212B32")
SECONDARY_TEXT = HexColor("#4C6272")
RULE_GREY = HexColor("#AEB7BD")
HEADER_FILL = HexColor("#E8EDEE")

CONFIDENTIAL = (
    "CONFIDENTIAL: personal health information. Keep it secure; destroy it as confidential waste."
)

#: progress(done, total): called as the pages are laid out; raising stops the build.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PageFrame:
    """What every page of one report repeats: its title, whom it is about, who printed it."""

    title: str
    subject: str
    printed_on: dt.date
    printed_by: str


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle


@cache
def styles() -> Styles:
    """Paragraph styles in the embedded fonts; headings keep with what follows."""
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=NHS_TEXT, spaceAfter=3
    )
    return Styles(
        title=ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD,
            fontSize=16,
            leading=20,
            textColor=NHS_BLUE,
            spaceAfter=6,
            keepWithNext=1,
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=BOLD,
            fontSize=12,
            leading=15,
            textColor=NHS_BLUE,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        subheading=ParagraphStyle(
            "subheading",
            parent=body,
            fontName=BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=6,
            spaceAfter=2,
            keepWithNext=1,
        ),
        body=body,
        small=ParagraphStyle(
            "small", parent=body, fontSize=8, leading=10, textColor=SECONDARY_TEXT
        ),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        cell_bold=ParagraphStyle(
            "cell_bold", parent=body, fontName=BOLD, fontSize=8.5, leading=10.5, spaceAfter=0
        ),
    )


def text(value: str) -> str:
    """Plain text made safe for a Paragraph (which reads a little markup)."""
    return escape(value).replace("\n", "<br/>")


def paragraph(value: str, style: ParagraphStyle | None = None) -> Paragraph:
    return Paragraph(text(value), style or styles().body)


def heading(value: str) -> Paragraph:
    """A section heading that is never the last line on a page."""
    return Paragraph(text(value), styles().heading)


def subheading(value: str) -> Paragraph:
    return Paragraph(text(value), styles().subheading)


def long_date(day: dt.date | None) -> str:
    """``1 Jun 2026``: the day without a leading zero, as a letter writes it."""
    return f"{day.day} {day:%b %Y}" if day else ""


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[float],
) -> Table:
    """A table of wrapped text whose header row repeats on every page it runs onto.

    ``widths`` are fractions of the content width. Rows split between pages
    too, so one long entry never overflows a page.
    """
    look = styles()
    data: list[list[Any]] = [[Paragraph(text(h), look.cell_bold) for h in header]]
    data.extend([Paragraph(text(cell), look.cell) for cell in row] for row in rows)
    result = Table(
        data,
        colWidths=[fraction * CONTENT_WIDTH for fraction in widths],
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
    )
    result.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, NHS_TEXT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE_GREY),
                # Cells hold Paragraphs, but a table still sets its cell font:
                # the embedded one, or Helvetica is declared on the page.
                ("FONT", (0, 0), (-1, -1), REGULAR, 8.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return result


def details(pairs: Sequence[tuple[str, str]], label_width: float = 0.28) -> Table:
    """Label and value pairs, two columns, the labels bold (a letter's "Name: ...")."""
    look = styles()
    data = [
        [Paragraph(text(label), look.cell_bold), Paragraph(text(value), look.cell)]
        for label, value in pairs
    ]
    result = Table(
        data,
        colWidths=[label_width * CONTENT_WIDTH, (1 - label_width) * CONTENT_WIDTH],
        splitInRow=1,
        hAlign="LEFT",
    )
    result.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 8.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return result


def kept_together(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))


def gap(points: float = 6) -> Spacer:
    return Spacer(1, points)


# --- Drawings in the report fonts -------------------------------------------------

_FONT_FOR = {"Helvetica": REGULAR, "Helvetica-Bold": BOLD}


def in_report_fonts(drawing: Drawing) -> Drawing:
    """``drawing`` with its standard (unembedded) fonts swapped for the embedded ones.

    The growth chart renderer sets its text in Helvetica, which a PDF does not
    embed. Each string keeps the width it was laid out for: its size shrinks
    by the ratio of the two fonts' widths, so no label runs into another.
    """
    register_fonts()

    def swap(node: Any) -> None:
        if isinstance(node, String):
            embedded = _FONT_FOR.get(node.fontName)
            if embedded is None:
                return
            laid_out = stringWidth(node.text, node.fontName, node.fontSize)
            wanted = stringWidth(node.text, embedded, node.fontSize)
            if laid_out > 0 and wanted > laid_out:
                node.fontSize = node.fontSize * laid_out / wanted
            node.fontName = embedded
        elif isinstance(node, Group | Drawing):
            for child in node.contents:
                swap(child)

    swap(drawing)
    # The renderer's starting font, declared on the page even if no string uses it.
    drawing.initialFontName = REGULAR
    return drawing


# --- The document ---------------------------------------------------------------


def _draw_frame(canvas: Canvas, frame: PageFrame, page: int, pages: int) -> None:
    canvas.saveState()
    top = PAGE_HEIGHT - MARGIN
    canvas.setFillColor(NHS_BLUE)
    canvas.setFont(BOLD, 11)
    canvas.drawString(MARGIN, top - 11, frame.title)
    canvas.setFillColor(NHS_TEXT)
    canvas.setFont(REGULAR, 9)
    canvas.drawString(MARGIN, top - 24, _fit(frame.subject, REGULAR, 9, CONTENT_WIDTH))
    canvas.setStrokeColor(NHS_BLUE)
    canvas.setLineWidth(1.2)
    canvas.line(MARGIN, top - HEADER_HEIGHT + 8, PAGE_WIDTH - MARGIN, top - HEADER_HEIGHT + 8)

    bottom = MARGIN
    canvas.setStrokeColor(RULE_GREY)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, bottom + FOOTER_HEIGHT - 4, PAGE_WIDTH - MARGIN, bottom + FOOTER_HEIGHT - 4)
    canvas.setFillColor(SECONDARY_TEXT)
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(MARGIN, bottom + 16, _fit(CONFIDENTIAL, REGULAR, 7.5, CONTENT_WIDTH))
    printed = f"Printed {long_date(frame.printed_on)} by {frame.printed_by} from HealthVisitor"
    canvas.drawString(MARGIN, bottom + 5, _fit(printed, REGULAR, 7.5, CONTENT_WIDTH - 80))
    canvas.setFillColor(NHS_TEXT)
    canvas.setFont(BOLD, 8.5)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, bottom + 5, f"Page {page} of {pages}")
    canvas.restoreState()


def _fit(value: str, font: str, size: float, width: float) -> str:
    """``value`` shortened with an ellipsis if it would run past ``width`` (header lines)."""
    if stringWidth(value, font, size) <= width:
        return value
    while value and stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"


def _numbered_canvas(frame: PageFrame) -> type[Canvas]:
    """A canvas that holds each page back until the end, to print "Page X of Y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Start in the embedded font, or reportlab declares Helvetica on each page.
            kwargs.setdefault("initialFontName", REGULAR)
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _draw_frame(self, frame, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def build_pdf(
    out: str | Path | IO[bytes],
    frame: PageFrame,
    story: list[Flowable],
    *,
    progress: Progress | None = None,
    title_for_reader: str = "",
) -> None:
    """Lay ``story`` out on the report page and write the PDF to ``out``.

    ``progress(done, total)`` is called as flowables are placed; an exception
    raised from it stops the build and nothing usable is written.
    """
    register_fonts()
    target = str(out) if isinstance(out, Path) else out
    document = BaseDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=title_for_reader or f"{frame.title}: {frame.subject}",
        author=frame.printed_by,
        creator="HealthVisitor",
        subject=frame.title,
        initialFontName=REGULAR,
    )
    body = Frame(
        document.leftMargin,
        document.bottomMargin,
        document.width,
        document.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[body])])
    if progress is not None:
        total, furthest = [len(story)], [0]

        def on_progress(kind: str, value: int) -> None:
            if kind == "SIZE_EST":
                total[0] = value
            elif kind == "PROGRESS":
                # A flowable split across pages goes back on the list, so the
                # count can step back: a progress bar only ever moves forward.
                furthest[0] = min(max(furthest[0], value), total[0])
                progress(furthest[0], total[0])

        document.setProgressCallBack(on_progress)
    document.build(story, canvasmaker=_numbered_canvas(frame))
