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


#: The child record and the contact form (issue 3), in the same NHS palette as
#: style.qss. Kept here while other work edits style.qss; they belong there.
#: Every message has a warning sign in its text, so colour never carries it alone.
RECORD_STYLE_SHEET = """
QFrame#recordHeader {
    background: #FFFFFF;
    border-bottom: 1px solid #D8DDE0;
}
QLabel#recordName {
    font-size: 16pt;
    font-weight: bold;
}
QLabel#factCaption {
    color: #4C6272;
}
QLabel#factValue {
    font-weight: bold;
}
QFrame#alertBanner {
    background: #FFF4F2;
    border: 2px solid #D5281B;
    border-left: 8px solid #D5281B;
}
QLabel#alertTitle {
    font-weight: bold;
    font-size: 11pt;
    color: #212B32;
}
QLabel#alertText {
    color: #212B32;
}
QLabel#sectionHeading {
    font-weight: bold;
    font-size: 11pt;
}
QLabel#formHeading {
    font-size: 12pt;
    padding: 2px 0 6px 0;
}
QLabel#fieldMessage {
    color: #D5281B;
    font-weight: bold;
}
QLabel#formProblems {
    color: #212B32;
    background: #FFFFFF;
    border: 2px solid #D5281B;
    border-left: 8px solid #D5281B;
    padding: 8px 12px;
}
QLabel#formNote {
    color: #4C6272;
}
QGroupBox {
    background: #FFFFFF;
    border: 1px solid #D8DDE0;
    border-radius: 4px;
    margin-top: 14px;
    font-weight: bold;
}
QGroupBox::title {
    subcontrol-origin: margin;
    left: 10px;
    padding: 0 4px;
}
QGroupBox QLabel,
QGroupBox QCheckBox {
    font-weight: normal;
}
QGroupBox QLabel#fieldMessage {
    font-weight: bold;
}
QGroupBox:disabled QLabel {
    color: #768692;
}
QDateEdit::drop-down {
    subcontrol-origin: padding;
    subcontrol-position: center right;
    width: 24px;
    border: none;
}
QDateEdit::down-arrow {
    image: url("@RESOURCES@/chevron-down.svg");
    width: 14px;
    height: 14px;
}
QDateEdit,
QPlainTextEdit {
    background: #FFFFFF;
    border: 2px solid #4C6272;
    padding: 4px 8px;
    min-height: 22px;
}
QDateEdit:focus,
QPlainTextEdit:focus {
    border: 3px solid #212B32;
    padding: 3px 7px;
    background: #FFF9C4;
}
QLineEdit:disabled,
QComboBox:disabled,
QDateEdit:disabled {
    background: #F0F4F5;
    border-color: #AEB7BD;
    color: #768692;
}
QCheckBox:focus {
    background: #FFEB3B;
}
QLineEdit[problem="true"],
QComboBox[problem="true"],
QDateEdit[problem="true"] {
    border-color: #D5281B;
    border-width: 3px;
    padding: 3px 7px;
}
QTabWidget::pane {
    border: 1px solid #D8DDE0;
    background: #FFFFFF;
}
QTabBar::tab {
    background: #F0F4F5;
    border: 1px solid #D8DDE0;
    padding: 6px 16px;
    margin-right: 2px;
}
QTabBar::tab:selected {
    background: #FFFFFF;
    font-weight: bold;
    border-bottom: 3px solid #005EB8;
}
QTabBar::tab:focus {
    background: #FFEB3B;
}
"""


def style_sheet() -> str:
    text = (files(RESOURCES) / STYLE_SHEET).read_text(encoding="utf-8") + RECORD_STYLE_SHEET
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
