"""Drafts of open forms on this computer (issue 9): plain dicts, no Qt, no database."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import uuid
from pathlib import Path

import pytest

from healthvisitor.drafts import (
    CONTACT_FORM,
    EDIT_CHILD_FORM,
    NEW_FAMILY_FORM,
    NO_SUBJECT,
    REFERRAL_FORM,
    Draft,
    DraftKey,
    DraftStore,
)

AMELIA = uuid.UUID("6f1c2d3e-0000-4000-8000-000000000001")
TYPED_AT = dt.datetime(2026, 12, 2, 10, 42, tzinfo=dt.UTC)
FIELDS = {"weight": ["4.25"], "notes": ["Feeding well — Mum's “first” week"], "kind": ["6-8"]}


def test_a_draft_comes_back_as_typed(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    store.save(
        key, title="6-8 week review", subject_name="Amelia Khan", fields=FIELDS, now=TYPED_AT
    )
    draft = store.load(key)
    assert draft is not None
    assert draft.fields == FIELDS
    assert draft.key == key
    assert draft.saved_at == TYPED_AT


def test_the_offer_says_what_for_whom_and_when() -> None:
    draft = Draft(
        DraftKey("jsmith", AMELIA, CONTACT_FORM), "6-8 week review", "Amelia Khan", TYPED_AT, {}
    )
    assert (
        draft.offer(dt.UTC)
        == "You have an unsaved 6-8 week review for Amelia Khan from 2 December 10:42."
    )
    london_summer = dt.timezone(dt.timedelta(hours=1))
    assert draft.offer(london_summer).endswith("from 2 December 11:42.")


def test_one_file_per_user_child_and_form(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    other_child = uuid.uuid4()
    keys = [
        DraftKey("jsmith", AMELIA, CONTACT_FORM),
        DraftKey("jsmith", AMELIA, REFERRAL_FORM),
        DraftKey("jsmith", other_child, CONTACT_FORM),
        DraftKey("pjones", AMELIA, CONTACT_FORM),
    ]
    for number, key in enumerate(keys):
        store.save(key, title="t", subject_name="n", fields={"n": [number]}, now=TYPED_AT)
    assert len({store.path(key) for key in keys}) == 4
    for number, key in enumerate(keys):
        draft = store.load(key)
        assert draft is not None and draft.fields == {"n": [number]}
    assert [d.key for d in store.drafts_of("pjones")] == [keys[3]]
    assert len(store.drafts_of("jsmith")) == 3


def test_a_draft_is_private_and_written_whole(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    path = store.save(key, title="t", subject_name="n", fields=FIELDS, now=TYPED_AT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    # A second save replaces the first; no temporary file is left beside it.
    store.save(key, title="t", subject_name="n", fields={"weight": ["4.3"]}, now=TYPED_AT)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert json.loads(path.read_text("utf-8"))["fields"] == {"weight": ["4.3"]}


def test_a_crash_while_writing_leaves_the_previous_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    store.save(key, title="t", subject_name="n", fields=FIELDS, now=TYPED_AT)

    def power_cut(_source: object, _target: object) -> None:
        raise OSError("power cut before the rename")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError, match="power cut"):
        store.save(key, title="t", subject_name="n", fields={"weight": ["9"]}, now=TYPED_AT)
    monkeypatch.undo()
    draft = store.load(key)
    assert draft is not None and draft.fields == FIELDS


def test_discarding_deletes_and_a_missing_draft_is_none(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    assert store.load(key) is None
    store.save(key, title="t", subject_name="n", fields=FIELDS, now=TYPED_AT)
    store.discard(key)
    assert store.load(key) is None
    assert not store.path(key).exists()
    store.discard(key)  # discarding twice is harmless


def test_an_unreadable_draft_is_not_restored_and_not_deleted(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    path = store.save(key, title="t", subject_name="n", fields=FIELDS, now=TYPED_AT)
    path.write_text("{ not json", "utf-8")
    assert store.load(key) is None
    assert store.drafts_of("jsmith") == []
    assert path.exists()  # kept for someone to look at, never silently thrown away


def test_the_forms_idempotency_key_is_kept_with_the_draft(tmp_path: Path) -> None:
    """Issue 9: a form restored after a crash saves with the key it had, so a save that
    was in flight when the app died is not recorded twice."""
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    save_key = uuid.uuid4()
    store.save(key, title="review", subject_name="A", fields={}, now=TYPED_AT, save_key=save_key)
    draft = store.load(key)
    assert draft is not None and draft.save_key == save_key
    [listed] = store.drafts_of("jsmith")
    assert listed.save_key == save_key


def test_a_draft_kept_before_there_were_keys_still_comes_back(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("jsmith", AMELIA, CONTACT_FORM)
    path = store.save(key, title="review", subject_name="A", fields=FIELDS, now=TYPED_AT)
    document = json.loads(path.read_text("utf-8"))
    del document["save_key"]
    path.write_text(json.dumps(document), "utf-8")
    draft = store.load(key)
    assert draft is not None and draft.fields == FIELDS and draft.save_key is None


def test_a_record_dialogs_draft_says_where_it_is_offered_again(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    where = (
        "Offered again when you open Edit details > Edit child's details in Amelia Khan's record."
    )
    edit = DraftKey("jsmith", AMELIA, EDIT_CHILD_FORM)
    new_family = DraftKey("jsmith", NO_SUBJECT, NEW_FAMILY_FORM)
    for key in (edit, new_family):
        store.save(
            key,
            title="change to the child's details",
            subject_name="Amelia Khan",
            fields={"where": where if key is edit else "", "fields": {}},
            now=TYPED_AT,
        )
    drafts = {draft.key: draft for draft in store.drafts_of("jsmith")}
    assert drafts[edit].where() == where
    assert drafts[new_family].where() is None  # said nowhere: no sentence
    assert drafts[edit].offer(dt.UTC) == (
        "You have an unsaved change to the child's details for Amelia Khan from 2 December 10:42."
    )
    assert len({store.path(edit), store.path(new_family)}) == 2
