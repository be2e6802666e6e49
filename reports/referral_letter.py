"""A referral letter as PDF (issue 5): to whom, about whom, why, and who to reply to.

A4 portrait, reportlab platypus so long text wraps onto a second page. It
carries the minimum necessary data (Caldicott): the name, date of birth and
NHS number (3-3-4) of the person referred, and the address only when the
health visitor says the service needs it. Every page ends with "Page X of Y",
the date it was generated and a confidentiality line. All text is real text
in an embedded TrueType font (DejaVu Sans, resources/fonts, free licence in
LICENSE-DejaVu.txt), so the letter can be searched, copied and read aloud.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from healthvisitor.domain.enums import ReferralConsent
from healthvisitor.services.referrals import ReferralLetter

REGULAR = "HVLetterSans"
BOLD = "HVLetterSans-Bold"
#: Where the fonts are looked for: the application's own copy, then the system's.
FONT_FOLDERS = (
    Path(__file__).resolve().parent.parent / "resources" / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
)
NHS_BLUE = HexColor("#005EB8")
NHS_TEXT = HexColor("#212B32")
SECONDARY_TEXT = HexColor("#4C6272")
MARGIN = 20 * mm
CONFIDENTIAL = (
    "CONFIDENTIAL: personal health information about a child or family, shared for this "
    "referral only. Keep it secure; destroy it as confidential waste."
)


@cache
def register_fonts() -> None:
    """Embed DejaVu Sans (regular and bold); an error saying where to put it if missing."""
    for folder in FONT_FOLDERS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
            pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
            pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
            return
    raise FileNotFoundError(
        "The letter font (DejaVu Sans) is missing: reinstall HealthVisitor, or place "
        "DejaVuSans.ttf and DejaVuSans-Bold.ttf in " + str(FONT_FOLDERS[0])
    )


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=10, leading=14, textColor=NHS_TEXT, spaceAfter=4
    )
    return {
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontSize=8.5, leading=11, textColor=SECONDARY_TEXT
        ),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD,
            fontSize=15,
            leading=19,
            textColor=NHS_BLUE,
            spaceBefore=6,
            spaceAfter=8,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            textColor=NHS_BLUE,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "label": ParagraphStyle("label", parent=body, fontName=BOLD, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, spaceAfter=0),
    }


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


class _NumberedCanvas(Canvas):
    """Writes "Page X of Y" once the number of pages is known (reportlab's recipe)."""

    generated_on: dt.date = dt.date.min
    #: Whom the letter is about, repeated at the top of later pages so a loose
    #: page is never filed with the wrong person.
    about: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Else reportlab starts every page in Helvetica, a font it does not embed.
        kwargs["initialFontName"] = REGULAR
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _height = A4
        # platypus frames pad their text by 6 points: line the footer up with it.
        left, right = MARGIN + 6, width - MARGIN - 6
        if self._pageNumber > 1:
            self.setFillColor(SECONDARY_TEXT)
            self.setFont(REGULAR, 8)
            self.drawString(left, A4[1] - 12 * mm, f"{self.about} (continued)")
        self.setFillColor(SECONDARY_TEXT)
        self.setFont(REGULAR, 8)
        self.drawString(left, 16 * mm, f"Generated {self.generated_on:%d %B %Y} by HealthVisitor")
        self.drawRightString(right, 16 * mm, f"Page {self._pageNumber} of {total}")
        heading, rest = CONFIDENTIAL.split(": ", 1)
        first, second = rest.split(". ", 1)
        self.setFont(BOLD, 8)
        self.drawString(left, 12 * mm, f"{heading}:")
        self.setFont(REGULAR, 8)
        self.drawString(
            left + pdfmetrics.stringWidth(f"{heading}: ", BOLD, 8), 12 * mm, first + "."
        )
        self.drawString(left, 8.5 * mm, second)


def _consent_words(letter: ReferralLetter) -> str:
    if letter.consent is ReferralConsent.GIVEN:
        words = "The family has given consent to this referral."
    elif letter.consent is ReferralConsent.NOT_REQUIRED_SAFEGUARDING:
        words = "Consent not sought: this is a safeguarding referral."
    elif letter.consent is ReferralConsent.REFUSED:
        words = "The family has refused consent."
    else:
        words = "Consent has not been recorded."
    return f"{words} {letter.consent_note}".strip()


def referral_letter_pdf(
    letter: ReferralLetter, target: Path | IO[bytes], *, include_address: bool = False
) -> None:
    """Write the letter. ``include_address`` adds the family's address (only if needed)."""
    style = _styles()
    about_rows: list[tuple[str, str]] = [("Name", letter.about_name)]
    if letter.about_kind != "child":
        about_rows.append(("Relationship", letter.about_kind.capitalize()))
    if letter.date_of_birth is not None:
        about_rows.append(("Date of birth", f"{letter.date_of_birth:%d %B %Y}"))
    if letter.nhs_number:
        about_rows.append(("NHS number", letter.nhs_number))
    if include_address and letter.address:
        about_rows.append(("Address", letter.address))
    if letter.child_names:
        about_rows.append(("Children", "\n".join(letter.child_names)))
    about = Table(
        [
            [Paragraph(_text(label), style["label"]), Paragraph(_text(value), style["cell"])]
            for label, value in about_rows
        ],
        colWidths=[35 * mm, None],
        hAlign="LEFT",
    )
    about.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # The cells are paragraphs, but a table still sets its own font (Helvetica).
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    to_lines = [letter.service, *([letter.sent_to] if letter.sent_to else [])]
    from_lines = [
        letter.team_name or "Health visiting team",
        f"Date: {letter.generated_on:%d %B %Y}",
    ]
    story: list[Any] = [
        Paragraph(_text("\n".join(from_lines)), style["small"]),
        Spacer(0, 4 * mm),
        Paragraph("<b>To:</b> " + _text("\n".join(to_lines)), style["body"]),
        Paragraph(_text(f"Referral to {letter.service}"), style["title"]),
        Paragraph(_text("About"), style["heading"]),
        about,
        Paragraph(_text("Why I am referring"), style["heading"]),
        Paragraph(_text(letter.reason), style["body"]),
        Paragraph(_text("What has been tried"), style["heading"]),
        Paragraph(_text(letter.tried_so_far or "Nothing recorded yet."), style["body"]),
        Paragraph(_text("Consent"), style["heading"]),
        Paragraph(_text(_consent_words(letter)), style["body"]),
        Paragraph(_text("Referred by"), style["heading"]),
        Paragraph(
            _text(
                f"{letter.referrer_name}, {letter.referrer_role}\n"
                f"{letter.team_name or 'Health visiting team'}\n"
                f"Referral made on {letter.made_on:%d %B %Y}. Please reply to the health "
                "visiting team with your decision and any appointment offered."
            ),
            style["body"],
        ),
    ]

    class Canvas_(_NumberedCanvas):
        generated_on = letter.generated_on
        about = f"Referral about {letter.about_name}" + (
            f", NHS number {letter.nhs_number}" if letter.nhs_number else ""
        )

    document = SimpleDocTemplate(
        str(target) if isinstance(target, Path) else target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=24 * mm,
        title=f"Referral to {letter.service}",
        author=letter.referrer_name,
        subject=f"Referral about {letter.about_name}",
        creator="HealthVisitor",
    )
    document.build(story, canvasmaker=Canvas_)
