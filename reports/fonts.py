"""The fonts every printed page uses, embedded so any printer gives the same result.

Reportlab's standard fonts (Helvetica) are not embedded in a PDF: each
printer or viewer substitutes its own. Issue 6 asks for the same page on
every printer, so printed reports use DejaVu Sans, shipped in
``resources/fonts`` with its licence (Bitstream Vera terms, which allow
redistribution), registered here once and embedded in every PDF that uses it. Give a canvas
``initialFontName=REGULAR`` too, or reportlab declares Helvetica on each page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: The names reportlab knows the embedded fonts by.
REGULAR = "HVSans"
BOLD = "HVSans-Bold"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


@cache
def register_fonts() -> tuple[str, str]:
    """Register the report fonts with reportlab (once); return (regular, bold)."""
    folder = resources.files("healthvisitor.resources") / "fonts"
    for name, filename in _FILES.items():
        with resources.as_file(folder / filename) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )
    return REGULAR, BOLD
