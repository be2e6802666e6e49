"""Printed reports embed their fonts, so any printer gives the same page (issue 6)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from healthvisitor.reports.fonts import BOLD, REGULAR, register_fonts


def test_report_fonts_are_embedded_and_the_text_stays_text() -> None:
    assert register_fonts() == (REGULAR, BOLD)
    out = io.BytesIO()
    # Without initialFontName, reportlab declares Helvetica on every page (not embedded).
    canvas = Canvas(out, initialFontName=REGULAR)
    canvas.setFont(REGULAR, 12)
    canvas.drawString(72, 720, "Zoë O'Brien-Smith, 943 476 5919")
    canvas.setFont(BOLD, 12)
    canvas.drawString(72, 700, "Red book summary")
    canvas.save()

    page = PdfReader(io.BytesIO(out.getvalue())).pages[0]
    assert "Zoë O'Brien-Smith, 943 476 5919" in page.extract_text()
    fonts = page["/Resources"]["/Font"]
    embedded = [fonts[name].get_object()["/FontDescriptor"].get_object() for name in fonts]
    assert len(embedded) == 2
    # A TrueType font program in the file itself, not a name for the printer to guess.
    assert all("/FontFile2" in descriptor for descriptor in embedded)
