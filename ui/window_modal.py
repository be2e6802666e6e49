"""Opening a dialog over its window: window-modal, deleted when closed.

Window-modal, not application-modal: the user's other record windows stay
usable while a form is open over one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

DialogT = TypeVar("DialogT", bound=QDialog)


def open_window_modal(dialog: DialogT, finished: Callable[[int], None] | None = None) -> DialogT:
    """Show ``dialog`` window-modal over its parent, deleted when closed; ``finished`` then.

    ``finished`` must be a bound method, not a lambda holding a widget (PySide6
    6.11 crashes deleting a widget connected to such a lambda).
    """
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if finished is not None:
        dialog.finished.connect(finished)
    dialog.open()
    return dialog
