"""At start-up, the unsaved forms this user left on this computer (issue 9).

A draft is kept while a form is open (``healthvisitor.ui.form_drafts``); if
the app crashed or was closed with forms open, the next start lists them
("You have an unsaved 6-8 week review for Amelia Khan from 2 December
10:42.") and offers to open each child's record and form, where the form
offers to restore or discard what was typed. "Later" leaves every draft
where it is: it is offered again whenever that form is opened for that child.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from healthvisitor.drafts import CONTACT_FORM, REFERRAL_FORM, Draft

if TYPE_CHECKING:
    from healthvisitor.ui.main_window import MainWindow

TITLE = "Unsaved work on this computer"


def ask_to_open(parent: QWidget, drafts: list[Draft]) -> bool:
    """List the drafts; True to open their records now, False for later."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(TITLE)
    box.setText("\n".join(draft.offer() for draft in drafts))
    box.setInformativeText(
        "It was typed on this computer and not saved. Open the records now to restore "
        "or discard it? If you choose Later, it is offered again when you open the same "
        "form for the same child."
    )
    opening = box.addButton("&Open the records", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(opening)
    box.exec()
    return box.clickedButton() is opening


def offer_drafts_left_on_this_computer(window: MainWindow) -> list[Draft]:
    """Offer the drafts the signed-in user left; the ones offered (oldest first)."""
    workspace = window.workspace
    drafts = workspace.draft_store().drafts_of(workspace.actor.username)
    if not drafts or not ask_to_open(window, drafts):
        return drafts
    for draft in drafts:
        if draft.fields.get("about") == "pregnancy":
            continue  # an antenatal review: reopened from the pregnancies list, where it is offered
        record = window.open_record(draft.key.subject_id)
        if record is None:  # no longer visible to this user: open_record has said why
            continue
        if draft.key.form == CONTACT_FORM:
            record.record_contact()
        elif draft.key.form == REFERRAL_FORM:
            record.tabs.setCurrentWidget(record.referrals_panel)
            record.referrals_panel.new_referral()
    return drafts
