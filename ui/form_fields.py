"""Building blocks for forms that check what is typed and say so beside the field.

* ``FieldMessage``: the line under a field that says what is wrong, with a
  warning sign (never colour alone), hidden while there is nothing to say.
* ``FormField``: one labelled input, its message, and how to check it as the
  user types; the label is the input's buddy and gives it its accessible name.
* ``ChoiceCombo`` and ``TriStateCombo``: choices that hold Python values
  (Qt cannot compare the enums and UUIDs it holds as item data), with an
  explicit "Not asked" so an unanswered question is never saved as "no".
* ``parse_number``: a decimal as typed by a person (``4.25``, `` 4,25 ``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

WARNING_SIGN = "⚠"


class FieldMessage(QLabel):
    """What is wrong with a field, shown right under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldMessage")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(f"{WARNING_SIGN} {message}" if message else "")
        self.setVisible(bool(message))

    def message(self) -> str:
        text = self.text()
        return text.removeprefix(f"{WARNING_SIGN} ") if text else ""


def label_words(text: str) -> str:
    """A label's text without its keyboard mnemonic: ``"&Weight"`` -> ``"Weight"``."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class FormField:
    """One input with its label, its message, and its as-you-type check.

    ``check`` returns the message to show, or None when the input is fine;
    it runs whenever the input changes (the form connects the signal) and
    again on Save. A message from the service replaces it until the next edit.
    """

    def __init__(
        self,
        label_text: str,
        widget: QWidget,
        *,
        check: Callable[[], str | None] | None = None,
        description: str = "",
        beside: Sequence[QWidget] = (),
    ) -> None:
        self.widget = widget
        self.beside = tuple(beside)
        self.check = check
        self.label = QLabel(label_text)
        self.label.setBuddy(widget)
        widget.setAccessibleName(label_words(label_text).rstrip(":"))
        self.message = FieldMessage()
        self.description = ""
        self.set_description(description)
        self.box = QWidget()
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if beside:
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addWidget(widget)
            for other in beside:
                row.addWidget(other)
            row.addStretch(1)
            layout.addLayout(row)
        else:
            layout.addWidget(widget)
        layout.addWidget(self.message)

    def set_description(self, description: str) -> None:
        """What the field is for: its tooltip, and what a screen reader adds to its name."""
        self.description = description
        self.widget.setToolTip(description)
        if not self.message.message():
            self.widget.setAccessibleDescription(description)

    def show_message(self, message: str | None) -> None:
        self.message.show_message(message)
        # Screen readers read the description with the field: say what is wrong there.
        self.widget.setAccessibleDescription(message or self.description)
        # A red border too (style sheet: [problem="true"]); the words above carry the meaning.
        if bool(self.widget.property("problem")) != bool(message):
            self.widget.setProperty("problem", bool(message))
            self.widget.style().unpolish(self.widget)
            self.widget.style().polish(self.widget)

    def inputs(self) -> list[QWidget]:
        return [self.widget, *self.beside]

    def run_check(self) -> str | None:
        """Check the field now and show the result; the message, if any."""
        message = self.check() if self.check is not None else None
        self.show_message(message)
        return message

    def set_visible(self, visible: bool) -> None:
        self.label.setVisible(visible)
        self.box.setVisible(visible)


class ChoiceCombo(QComboBox):
    """A combo box over Python values, optionally starting on "nothing chosen".

    With ``none_text`` the first item means None ("Not asked"); with
    ``placeholder`` nothing is chosen until the user chooses (index -1).
    """

    def __init__(
        self,
        choices: Sequence[tuple[str, Any]],
        *,
        none_text: str | None = None,
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._values: list[Any] = []
        if none_text is not None:
            self.addItem(none_text)
            self._values.append(None)
        for text, value in choices:
            self.addItem(text)
            self._values.append(value)
        if placeholder:
            self.setPlaceholderText(placeholder)
            self.setCurrentIndex(-1)

    def value(self) -> Any:
        index = self.currentIndex()
        return self._values[index] if 0 <= index < len(self._values) else None

    def set_value(self, value: Any) -> None:
        self.setCurrentIndex(self._values.index(value) if value in self._values else -1)

    def values(self) -> list[Any]:
        return list(self._values)


NOT_ASKED = "Not asked"


class TriStateCombo(ChoiceCombo):
    """Yes / No / Not asked, starting on "Not asked": silence is never saved as "no"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([("Yes", True), ("No", False)], none_text=NOT_ASKED, parent=parent)


class NumberEdit(QLineEdit):
    """A line for a decimal number, with its unit as the hint; checked by its ``FormField``."""

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(hint)
        self.setMaximumWidth(180)


def parse_number(text: str) -> float | None:
    """The number typed, None if nothing was; ``ValueError`` if it is not a number.

    A decimal comma is read as a point ("4,25"): scales and habits differ.
    """
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        raise ValueError(text)
    return value


def parse_whole_number(text: str) -> int | None:
    """A whole number typed, None if nothing was; ``ValueError`` otherwise."""
    cleaned = text.strip()
    if not cleaned:
        return None
    return int(cleaned)
