"""Resolving a conflict by typing another value: checked as the record's own form would be."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from healthvisitor.domain.enums import SmokingStatus
from healthvisitor.errors import ValidationError
from healthvisitor.persistence.models import Carer, Family
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.sync import open_conflicts, pull, push, resolve_conflict
from tests.sync.conftest import TODAY, Scene

pytestmark = pytest.mark.postgres


def test_a_typed_value_is_cleaned_checked_and_only_for_text_fields(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    pull(scene.server, laptops[0], scene.ann, today=TODAY)
    pull(scene.server, laptops[1], scene.bea, today=TODAY)
    for laptop, name, postcode, smoking in (
        (laptops[0], "Smyth", "LS7 1AA", SmokingStatus.SMOKER),
        (laptops[1], "Smithe", "LS7 2BB", SmokingStatus.EX_SMOKER),
    ):
        with unit_of_work(laptop) as session:
            family = session.get_one(Family, scene.family_id)
            family.family_name, family.postcode = name, postcode
            session.get_one(Carer, scene.mother_id).smoking_status = smoking
    push(laptops[0], scene.server, today=TODAY)
    push(laptops[1], scene.server, today=TODAY)
    with unit_of_work(scene.server) as session:
        conflicts = {line.field: line for line in open_conflicts(session, scene.lead)}
    assert sorted(conflicts) == ["family_name", "postcode", "smoking_status"]
    assert conflicts["postcode"].record == "Smyth family"  # the record as it stands
    assert conflicts["smoking_status"].laptop_words == "Ex-smoker"
    assert [conflicts[f].can_type for f in ("family_name", "smoking_status")] == [True, False]

    def resolve(field: str, typed: str) -> None:
        with unit_of_work(scene.server) as session:
            resolve_conflict(session, scene.lead, conflicts[field].conflict_id, typed_value=typed)

    with pytest.raises(ValidationError, match="Enter the family name"):
        resolve("family_name", "   ")
    with pytest.raises(ValidationError, match="cannot be typed in"):
        resolve("smoking_status", "smoker")
    resolve("postcode", "ls7 3cd")
    resolve("family_name", " Smith ")
    with pytest.raises(ValidationError, match="already been resolved"):
        resolve("postcode", "LS7 4EF")

    with unit_of_work(scene.server) as session:
        family = session.get_one(Family, scene.family_id)
        assert (family.family_name, family.postcode) == ("Smith", "LS7 3CD")
        assert [line.field for line in open_conflicts(session, scene.lead)] == ["smoking_status"]
