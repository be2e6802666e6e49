"""Keeping a draft of an open form on this computer while the user types (issue 9).

The domain side (``healthvisitor.drafts``) stores plain dicts; this module
turns a form's ``FormField`` inputs into such a dict and back, and
``DraftKeeper`` writes it a moment after each change (debounced), so a crash,
a dead battery or a closed window costs at most the last second of typing.

Choices are kept by what they mean (an enum's value, a colleague's id, the
text of the item), never by their position in the list: a colleague added to
the team between crash and restore must not shift who "delivered" a review.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from healthvisitor.drafts import Draft, DraftKey, DraftStore
from healthvisitor.ui.contact_form_sections import from_qdate, to_qdate, watch
from healthvisitor.ui.form_fields import ChoiceCombo, FormField

log = logging.getLogger(__name__)

#: How long after the last keystroke the draft is written: often enough to lose
#: at most a second of typing, rarely enough not to write on every key.
DRAFT_DELAY_MS = 800

FieldsState = dict[str, list[Any]]


def _choice_token(combo: ChoiceCombo, index: int) -> Any:
    value = combo.values()[index]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value if isinstance(value.value, str | int) else value.name
    if isinstance(value, uuid.UUID):
        return str(value)
    return combo.itemText(index)  # e.g. a person a referral is about: by their name


def holds_typing(widget: QWidget) -> bool:
    """Whether ``widget`` holds something typed that a draft keeps: not a button beside a
    field, and never a secret (a password line is not written to a draft)."""
    if isinstance(widget, QLineEdit):
        return widget.echoMode() == QLineEdit.EchoMode.Normal
    return isinstance(widget, QCheckBox) or not isinstance(widget, QAbstractButton)


def draft_value(widget: QWidget) -> Any:
    """What ``widget`` holds, as JSON (None for what ``holds_typing`` says is not kept)."""
    if not holds_typing(widget):
        return None
    if isinstance(widget, ChoiceCombo):
        index = widget.currentIndex()
        return {"choice": None if index < 0 else _choice_token(widget, index), "set": index >= 0}
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QDateEdit):
        return from_qdate(widget.date()).isoformat()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    raise TypeError(f"No draft value known for {type(widget).__name__}")


def restore_value(widget: QWidget, value: Any) -> None:
    """Put a ``draft_value`` back; a choice no longer offered leaves the input as it is."""
    if not holds_typing(widget):
        return
    if isinstance(widget, ChoiceCombo):
        if not isinstance(value, dict) or not value.get("set"):
            return
        for index in range(widget.count()):
            if _choice_token(widget, index) == value.get("choice"):
                widget.setCurrentIndex(index)
                return
    elif isinstance(widget, QComboBox) and isinstance(value, str):
        index = widget.findText(value)
        if index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, QLineEdit) and isinstance(value, str):
        widget.setText(value)
    elif isinstance(widget, QDateEdit) and isinstance(value, str):
        widget.setDate(to_qdate(dt.date.fromisoformat(value)))
    elif isinstance(widget, QCheckBox) and isinstance(value, bool):
        widget.setChecked(value)
    elif isinstance(widget, QPlainTextEdit) and isinstance(value, str):
        widget.setPlainText(value)


def fields_state(fields: Mapping[str, FormField]) -> FieldsState:
    """Every input of every field, by field name, in the field's own order."""
    return {name: [draft_value(w) for w in field.inputs()] for name, field in fields.items()}


def restore_fields(fields: Mapping[str, FormField], state: Mapping[str, Any]) -> None:
    """Put ``fields_state`` back, field by field in the form's order (a field that
    changes what others mean, such as the review chosen, comes first)."""
    for name, field in fields.items():
        values = state.get(name)
        if not isinstance(values, list):
            continue
        for widget, value in zip(field.inputs(), values, strict=False):
            restore_value(widget, value)


class DraftKeeper(QObject):
    """Writes a form's draft a moment after each change; ``discard`` once saved or thrown away.

    ``state`` gives the form's fields as a dict; ``describe`` what it is and
    about whom (for the offer to restore); ``worth_keeping`` whether anything
    was typed (nothing typed: no draft).

    ``save_key`` is the form's idempotency key (issue 9), chosen here when the
    form opens, written with every draft and taken back from a restored one:
    the form saves with it, so a save retried after a dropped connection or a
    crash is applied once.
    """

    def __init__(
        self,
        form: QWidget,
        store: DraftStore,
        key: DraftKey,
        *,
        inputs: Iterable[QWidget],
        state: Callable[[], dict[str, Any]],
        describe: Callable[[], tuple[str, str]],
        worth_keeping: Callable[[], bool] = lambda: True,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        super().__init__(form)
        self.store = store
        self.key = key
        self._state = state
        self._describe = describe
        self._worth_keeping = worth_keeping
        self._now = now
        self._active = True
        self._paused = False
        self.save_key = uuid.uuid4()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAFT_DELAY_MS)
        self.timer.timeout.connect(self.write_now)
        for widget in inputs:
            watch(widget, self.changed)

    def changed(self) -> None:
        if self._active and not self._paused:
            self.timer.start()

    def write_now(self) -> None:
        """Write the draft now (or delete it if nothing is typed any more)."""
        self.timer.stop()
        if not self._active:
            return
        try:
            if not self._worth_keeping():
                self.store.discard(self.key)
                return
            title, subject_name = self._describe()
            self.store.save(
                self.key,
                title=title,
                subject_name=subject_name,
                fields=self._state(),
                now=self._now(),
                save_key=self.save_key,
            )
        except OSError:  # a full or read-only disk: the form itself still holds everything
            log.exception("The draft %s could not be written", self.store.path(self.key))

    def flush(self) -> None:
        """Write a pending change at once (the form is closing or hiding)."""
        if self.timer.isActive():
            self.write_now()

    def discard(self) -> None:
        """The form was saved or its typing thrown away on purpose: no draft any more."""
        self._active = False
        self.timer.stop()
        try:
            self.store.discard(self.key)
        except OSError:
            log.exception("The draft %s could not be deleted", self.store.path(self.key))

    def restoring(self, restore: Callable[[], None]) -> None:
        """Run ``restore`` without treating what it sets as new typing."""
        self._paused = True
        try:
            restore()
        finally:
            self._paused = False


RESTORE_TITLE = "Restore unsaved work?"


def ask_to_restore(parent: QWidget, draft: Draft) -> bool:
    """Ask whether to restore ``draft`` (True) or discard it (False)."""
    box, restore = restore_question(parent, draft)
    box.exec()
    return box.clickedButton() is restore


def restore_question(parent: QWidget, draft: Draft) -> tuple[QMessageBox, QAbstractButton]:
    """The "Restore unsaved work?" box for ``draft``, not shown yet, and its Restore button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(RESTORE_TITLE)
    box.setText(draft.offer())
    box.setInformativeText(
        "It was typed on this computer and not saved. Restore it into the form, or "
        "discard it for good?"
    )
    restore = box.addButton("&Restore", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    return box, restore


def offer_draft(parent: QWidget, keeper: DraftKeeper, restore: Callable[[Draft], None]) -> bool:
    """If a draft was left for this form, offer it: restored (True) or discarded."""
    draft = keeper.store.load(keeper.key)
    if draft is None:
        return False
    if ask_to_restore(parent, draft):
        if draft.save_key is not None:  # the same form as before: its save may be in flight
            keeper.save_key = draft.save_key
        keeper.restoring(lambda: restore(draft))
        keeper.write_now()
        return True
    keeper.store.discard(keeper.key)
    return False


def keep_draft(
    dialog: QDialog,
    fields: Mapping[str, FormField],
    state: Callable[[], dict[str, Any]],
    restore: Callable[[Draft], None],
    store: DraftStore,
    key: DraftKey,
    *,
    describe: Callable[[], tuple[str, str]],
) -> DraftKeeper:
    """Keep a draft of a dialog that has no "discard?" question of its own (a referral).

    Saved (accepted): the draft goes. Cancelled or closed: the draft stays and
    is offered the next time, where it can be discarded on purpose, so an
    Esc pressed by mistake loses nothing. Offers a draft left before, now.
    ``describe`` gives what it is and about whom, in the user's words.
    """
    untouched = state()
    keeper = DraftKeeper(
        dialog,
        store,
        key,
        inputs=[widget for field in fields.values() for widget in field.inputs()],
        state=state,
        describe=describe,
        worth_keeping=lambda: state() != untouched,
    )
    dialog.accepted.connect(keeper.discard)
    dialog.rejected.connect(keeper.flush)
    offer_draft(dialog, keeper, restore)
    return keeper
