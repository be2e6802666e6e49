"""The contact form refuses a review dated before its window opens (issue 4, hazard H8).

Poppy Ahmed (tests/ui/conftest.py) was born on 13 Nov 2026: her new birth
visit opens on 23 Nov. A visit dated 21 Nov is flagged beside the date as it
is typed, Save keeps the form open with everything typed, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.domain.enums import ContactKind, ContactLocation, FeedingStatus
from healthvisitor.persistence.models import Contact
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui.contact_form_sections import to_qdate
from tests.ui.conftest import RecordTeam
from tests.ui.test_contact_form import answers as answers  # the autouse fixture
from tests.ui.test_contact_form import open_form, save, type_into

pytestmark = pytest.mark.gui

OPENS = dt.date(2026, 11, 23)


def test_a_new_birth_visit_before_day_10_is_refused_beside_the_date_and_typing_is_kept(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    _window, form = open_form(qtbot, record_team, "Poppy", ContactKind.NEW_BIRTH_VISIT)
    date_message = form.fields["contact_date"].message
    assert not date_message.isVisibleTo(form), "today (day 11) is inside the window"
    form.details.location.set_value(ContactLocation.HOME)
    type_into(qtbot, form.growth.weight, "3.45")
    form.feeding.feeding.set_value(FeedingStatus.TOTALLY_BREASTFED)
    qtbot.keyClicks(form.follow_up.notes, "Typed notes")

    form.details.contact_date.setDate(to_qdate(OPENS - dt.timedelta(days=2)))
    assert date_message.isVisibleTo(form), "flagged as the date is changed"
    assert "can be done from 23 Nov 2026 (10 days after birth)" in date_message.text()

    save(qtbot, form)
    assert form.isVisible() and form.recorded is None
    assert date_message.isVisibleTo(form)
    assert "new birth visit can be done from 23 Nov 2026" in date_message.text()
    assert "stop the reminder" in date_message.text()
    assert "not saved" in form.summary.text()
    assert form.growth.weight.text() == "3.45"
    assert form.feeding.feeding.value() is FeedingStatus.TOTALLY_BREASTFED
    assert form.follow_up.notes.toPlainText() == "Typed notes"
    with unit_of_work(record_team.engine) as session:
        poppy = record_team.children["Poppy"]
        assert session.scalars(select(Contact).where(Contact.child_id == poppy)).all() == []

    # Put right, it saves.
    form.details.contact_date.setDate(to_qdate(OPENS))
    assert not date_message.isVisibleTo(form)
    save(qtbot, form)
    assert form.recorded is not None, form.summary.message()
