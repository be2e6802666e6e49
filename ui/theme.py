"""The look of the application: the NHS style sheet and the app icon.

Both are package data of ``healthvisitor.resources``, read with
``importlib.resources`` so they are found wherever the package is installed
(site-packages, an editable checkout or a PyInstaller bundle).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = "healthvisitor.resources"
STYLE_SHEET = "style.qss"
APP_ICON = "healthvisitor.svg"
#: The style sheet names its images relative to this token (see style.qss).
RESOURCES_TOKEN = "@RESOURCES@"

NHS_BLUE = "#005EB8"
NHS_TEXT = "#212B32"
NHS_MID_GREY = "#4C6272"
NHS_PALE_GREY = "#E8EDEE"


def resource_file(name: str) -> Path:
    """A resource as a file on disk.

    Qt loads style-sheet images and icons by file name, so the resources must
    be installed as plain files (setuptools package data, as pyproject.toml
    declares), not inside a zip.
    """
    resource = files(RESOURCES) / name
    if not isinstance(resource, Path):
        raise RuntimeError(f"{RESOURCES} must be installed as files, not in a zip ({resource})")
    return resource


def style_sheet() -> str:
    """resources/style.qss with its image paths made absolute for this installation."""
    text = (files(RESOURCES) / STYLE_SHEET).read_text(encoding="utf-8")
    return text.replace(RESOURCES_TOKEN, resource_file(STYLE_SHEET).parent.as_posix())


def app_icon() -> QIcon:
    return QIcon(str(resource_file(APP_ICON)))


def apply_theme(app: QApplication) -> None:
    """Fusion (the same on Windows, macOS and Linux), the NHS palette and the icon."""
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(NHS_PALE_GREY))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(NHS_TEXT))
    palette.setColor(QPalette.ColorRole.Text, QColor(NHS_TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(NHS_BLUE))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
    # Qt's default placeholder is the text colour at half opacity (about 3:1);
    # NHS mid grey keeps hints readable (6:1 on white, WCAG AA).
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(NHS_MID_GREY))
    app.setPalette(palette)
    app.setStyleSheet(style_sheet())
    app.setWindowIcon(app_icon())
