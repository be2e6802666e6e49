"""Drafts of open forms, kept on this computer so that typing survives a crash (issue 9).

While a health visitor types a contact, a referral or any of the dialogs that
register, correct, close or reopen records, the form hands its fields to a
``DraftStore`` as a plain dict (debounced, on every change). If
the app crashes, the laptop's battery dies, the connection drops or the app is
closed without saving, the draft is still there: the next time the same form
is opened for the same child (or at the next start) the app offers to
restore it. Saving the form, or discarding the draft on purpose, deletes it.

A draft also keeps the form's idempotency key (``save_key``), chosen when the
form opened: if the app died while a save was in flight, the restored form
saves with the same key, so the save is applied once however it ended.

* One file per user, child (or pregnancy) and form, in the user's data
  folder, never in the shared database: a draft is not a record.
* Written atomically: a temporary file, flushed to disk, then ``os.replace``,
  so a draft is either the previous one or the new one, never half of each.
* Drafts hold patient data: the folder is private to the user (0700) and
  each file is 0600.

No Qt here: the form turns its widgets into the dict (``draft_state``) and
back (``restore_draft``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The folder, under the user's data folder, that holds drafts.
DRAFTS_FOLDER_NAME = "drafts"
#: The form names a draft belongs to.
CONTACT_FORM = "contact"
REFERRAL_FORM = "referral"
#: The dialogs that correct a record's details, keyed by the record corrected
#: (the child, the family or the carer).
EDIT_CHILD_FORM = "edit_child"
EDIT_FAMILY_FORM = "edit_family"
EDIT_CARER_FORM = "edit_carer"
#: The dialogs that register or close records, keyed by what they are about: the
#: family given when the dialog opened (a new carer, pregnancy or child), the
#: pregnancy (a birth, or how it ended) or the child (closing, reopening). One
#: about no record yet (a new family; a carer, pregnancy or child registered from
#: the "Records" menu, whose family is chosen in the dialog) is keyed by
#: ``NO_SUBJECT``: one draft per user and form on this computer.
NEW_FAMILY_FORM = "new_family"
ADD_CARER_FORM = "add_carer"
NEW_PREGNANCY_FORM = "new_pregnancy"
REGISTER_CHILD_FORM = "register_child"
RECORD_BIRTH_FORM = "record_birth"
PREGNANCY_OUTCOME_FORM = "pregnancy_outcome"
CLOSE_RECORD_FORM = "close_record"
REOPEN_RECORD_FORM = "reopen_record"
#: The subject of a draft about no record yet (see above).
NO_SUBJECT = uuid.UUID(int=0)
#: Bumped if the file layout changes; older files are then not restored.
DRAFT_FORMAT = 1
_PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR
_PRIVATE_FOLDER = stat.S_IRWXU


@dataclass(frozen=True)
class DraftKey:
    """Whose draft of which form about whom."""

    username: str
    subject_id: uuid.UUID  # the child, or the pregnancy for an antenatal review; see above
    form: str  # CONTACT_FORM, REFERRAL_FORM or one of the record dialogs' names above


@dataclass(frozen=True)
class Draft:
    """A form's unsaved typing: what it is, about whom, when last typed, and the fields."""

    key: DraftKey
    title: str  # in the user's words: "6-8 week review", "referral"
    subject_name: str
    saved_at: dt.datetime  # timezone-aware
    fields: dict[str, Any]
    #: The form's idempotency key (None in a draft kept before there was one).
    save_key: uuid.UUID | None = None

    def offer(self, zone: dt.tzinfo | None = None) -> str:
        """What the app says: "You have an unsaved 6-8 week review for Amelia Khan from
        2 December 10:42." (in ``zone``, by default the computer's local time)."""
        when = self.saved_at.astimezone(zone)
        return (
            f"You have an unsaved {self.title} for {self.subject_name} "
            f"from {when.day} {when:%B %H:%M}."
        )

    def where(self) -> str | None:
        """Where the form is offered again, in the user's words, if the form said
        ("Offered again when you open Edit details in Noah Bell's record.")."""
        where = self.fields.get("where")
        return where if isinstance(where, str) and where else None


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class DraftStore:
    """The drafts under ``folder`` (normally ``<data folder>/drafts``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _user_folder(self, username: str) -> Path:
        # A hash, not the name itself: a username is not a safe file name everywhere.
        tag = hashlib.sha256(username.encode("utf-8")).hexdigest()[:16]
        return self.folder / tag

    def path(self, key: DraftKey) -> Path:
        return self._user_folder(key.username) / f"{key.form}-{key.subject_id}.json"

    def save(
        self,
        key: DraftKey,
        *,
        title: str,
        subject_name: str,
        fields: dict[str, Any],
        now: dt.datetime,
        save_key: uuid.UUID | None = None,
    ) -> Path:
        """Write (or replace) the draft atomically; the path written."""
        target = self.path(key)
        for folder in (self.folder, target.parent):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, _PRIVATE_FOLDER)
        document = {
            "format": DRAFT_FORMAT,
            "username": key.username,
            "subject_id": str(key.subject_id),
            "form": key.form,
            "title": title,
            "subject_name": subject_name,
            "saved_at": now.isoformat(),
            "fields": fields,
            "save_key": None if save_key is None else str(save_key),
        }
        data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        handle = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, _PRIVATE_FILE)
        try:
            os.write(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(partial, target)
        _fsync_folder(target.parent)
        return target

    def load(self, key: DraftKey) -> Draft | None:
        """The draft for ``key``, or None. An unreadable file is left alone and logged."""
        path = self.path(key)
        try:
            document = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.exception("The draft %s cannot be read; it is left where it is", path)
            return None
        return self._draft(document, path)

    def _draft(self, document: Any, path: Path) -> Draft | None:
        try:
            if document["format"] != DRAFT_FORMAT:
                return None
            return Draft(
                key=DraftKey(
                    document["username"], uuid.UUID(document["subject_id"]), document["form"]
                ),
                title=str(document["title"]),
                subject_name=str(document["subject_name"]),
                saved_at=dt.datetime.fromisoformat(document["saved_at"]),
                fields=dict(document["fields"]),
                save_key=uuid.UUID(document["save_key"]) if document.get("save_key") else None,
            )
        except (KeyError, TypeError, ValueError):
            log.exception("The draft %s is not in the expected form; it is left alone", path)
            return None

    def discard(self, key: DraftKey) -> None:
        """Delete the draft (saved, or thrown away on purpose)."""
        self.path(key).unlink(missing_ok=True)

    def drafts_of(self, username: str) -> list[Draft]:
        """Every draft this user left, oldest first (for the offer at start-up)."""
        folder = self._user_folder(username)
        if not folder.is_dir():
            return []
        found = []
        for path in folder.glob("*.json"):
            try:
                document = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                log.exception("The draft %s cannot be read; it is left where it is", path)
                continue
            draft = self._draft(document, path)
            if draft is not None and draft.key.username == username:
                found.append(draft)
        return sorted(found, key=lambda draft: draft.saved_at)
