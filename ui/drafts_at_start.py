"""At start-up, the unsaved forms this user left on this computer (issue 9).

A draft is kept while a form is open (``healthvisitor.ui.form_drafts``); if
the app crashed or was closed with forms open, the next start lists them
("You have an unsaved 6-8 week review for Amelia Khan from 2 December
10:42.") and offers to open each child's record and form, where the form
offers to restore or discard what was typed. "Later" leaves every draft
where it is: it is offered again whenever that form is opened for that child.

The registration, edit-details, closing and reopening dialogs
(``RecordDialog``) keep drafts too. Each is listed with the sentence its
dialog wrote into it, saying where it is offered again ("Offered again when
you open Edit details > Edit child's details in Noah Bell's record."), and is
opened here where the windows already offer a way to: a child's record window
and its "Details" menu, closing and reopening the record there, the "Records"
menu. A record window or the "Records" menu opens one dialog at a time: a
second draft for the same one waits for its sentence's place. A birth or the
end of a pregnancy (opened from a row of the Pregnancies tab) and a
registration opened for a given family are not opened here; their sentence
says where to find them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from healthvisitor.drafts import (
    ADD_CARER_FORM,
    CLOSE_RECORD_FORM,
    CONTACT_FORM,
    EDIT_CARER_FORM,
    EDIT_CHILD_FORM,
    EDIT_FAMILY_FORM,
    NEW_FAMILY_FORM,
    NEW_PREGNANCY_FORM,
    NO_SUBJECT,
    REFERRAL_FORM,
    REGISTER_CHILD_FORM,
    REOPEN_RECORD_FORM,
    Draft,
)

if TYPE_CHECKING:
    from healthvisitor.ui.child_record_window import ChildRecordWindow
    from healthvisitor.ui.main_window import MainWindow
    from healthvisitor.ui.registration_dialogs import RecordsMenu

TITLE = "Unsaved work on this computer"


def ask_to_open(parent: QWidget, drafts: list[Draft]) -> bool:
    """List the drafts; True to open their records now, False for later."""
    box, opening = open_question(parent, drafts)
    box.exec()
    return box.clickedButton() is opening


def open_question(parent: QWidget, drafts: list[Draft]) -> tuple[QMessageBox, QPushButton]:
    """The list of ``drafts``, not shown yet, and its "Open the records" button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(TITLE)
    box.setText("\n\n".join(listed(draft) for draft in drafts))  # a blank line between
    box.setInformativeText(
        "It was typed on this computer and not saved. Open the records now to restore "
        "or discard it? If you choose Later, each is offered again when you open the same "
        "form for the same child or record, as it says."
    )
    opening = box.addButton("&Open the records", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(opening)
    return box, opening


def listed(draft: Draft) -> str:
    """One line of the list: what it is, about whom, when, and where it is offered again."""
    where = draft.where()
    return f"{draft.offer()} {where}" if where else draft.offer()


#: The record window's dialog each record form's draft is opened in.
_IN_RECORD_WINDOW: dict[str, Callable[[ChildRecordWindow, Draft], object]] = {
    EDIT_CHILD_FORM: lambda record, _draft: record.details_menu.edit_child(),
    EDIT_FAMILY_FORM: lambda record, _draft: record.details_menu.edit_family(),
    EDIT_CARER_FORM: lambda record, draft: record.details_menu.edit_carer(draft.key.subject_id),
    CLOSE_RECORD_FORM: lambda record, _draft: record.close_record(),
    REOPEN_RECORD_FORM: lambda record, _draft: record.reopen_record(),
}
#: The "Records" menu's item each registration draft (about no family yet) is opened from.
_IN_RECORDS_MENU: dict[str, Callable[[RecordsMenu], QAction]] = {
    NEW_FAMILY_FORM: lambda menu: menu.new_family_action,
    ADD_CARER_FORM: lambda menu: menu.add_carer_action,
    NEW_PREGNANCY_FORM: lambda menu: menu.new_pregnancy_action,
    REGISTER_CHILD_FORM: lambda menu: menu.register_child_action,
}


def _record_window_child(draft: Draft) -> uuid.UUID | None:
    """The child whose record window opens ``draft``'s dialog: the child itself, or for a
    family's or carer's details, the child's record it was typed in."""
    if draft.key.form in (EDIT_CHILD_FORM, CLOSE_RECORD_FORM, REOPEN_RECORD_FORM):
        return draft.key.subject_id
    try:
        return uuid.UUID(str(draft.fields["child_id"]))
    except (KeyError, ValueError):
        return None


def _open_record_form(window: MainWindow, draft: Draft) -> None:
    """Open a record dialog's draft where its sentence says, if the windows offer a way."""
    form = draft.key.form
    if form in _IN_RECORDS_MENU:
        menu = window.records_menu
        action = _IN_RECORDS_MENU[form](menu)
        # One dialog at a time; an item that is off (working offline, issue 12) stays off.
        if draft.key.subject_id == NO_SUBJECT and menu.dialog is None and action.isEnabled():
            action.trigger()
        return
    child_id = _record_window_child(draft) if form in _IN_RECORD_WINDOW else None
    if child_id is None:
        return  # a pregnancy's birth or outcome: offered from the Pregnancies tab
    record = window.open_record(child_id)
    if record is None or record.status_dialog is not None:  # one dialog at a time
        return
    menu = record.details_menu
    menu.refresh()  # a record read-only to this user now is not offered for editing
    if form == EDIT_CHILD_FORM and not menu.child_action.isEnabled():
        return
    if form in (EDIT_FAMILY_FORM, EDIT_CARER_FORM) and not menu.family_action.isEnabled():
        return
    _IN_RECORD_WINDOW[form](record, draft)


def offer_drafts_left_on_this_computer(window: MainWindow) -> list[Draft]:
    """Offer the drafts the signed-in user left; the ones offered (oldest first)."""
    workspace = window.workspace
    drafts = workspace.draft_store().drafts_of(workspace.actor.username)
    if not drafts or not ask_to_open(window, drafts):
        return drafts
    for draft in drafts:
        if draft.fields.get("about") == "pregnancy":
            continue  # an antenatal review: reopened from the pregnancies list, where it is offered
        if draft.key.form not in (CONTACT_FORM, REFERRAL_FORM):
            _open_record_form(window, draft)
            continue
        record = window.open_record(draft.key.subject_id)
        if record is None:  # no longer visible to this user: open_record has said why
            continue
        if draft.key.form == CONTACT_FORM:
            record.record_contact()
        elif draft.key.form == REFERRAL_FORM:
            record.tabs.setCurrentWidget(record.referrals_panel)
            record.referrals_panel.new_referral()
    return drafts
