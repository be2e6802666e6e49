"""Typed errors whose messages a health visitor (or an IT administrator) can act on.

A service raises one of these instead of letting a database or library
exception reach the user. The message says what is wrong in the user's own
words; ``field`` names the form field it belongs to, so a form can show it
next to that field and keep everything else the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass


class HealthVisitorError(Exception):
    """Base of every error the application explains to its user."""


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of one record."""

    field: str
    message: str
    record: str = ""

    def __str__(self) -> str:
        where = f"{self.record}: " if self.record else ""
        return f"{where}{self.field}: {self.message}"


class ValidationError(HealthVisitorError):
    """Input that breaks a clinical or data rule. Carries every problem found."""

    def __init__(self, problems: list[FieldProblem] | FieldProblem | str, field: str = "") -> None:
        if isinstance(problems, str):
            problems = [FieldProblem(field=field, message=problems)]
        elif isinstance(problems, FieldProblem):
            problems = [problems]
        self.problems: list[FieldProblem] = list(problems)
        super().__init__("; ".join(str(p) if p.field else p.message for p in self.problems))

    def for_field(self, name: str) -> list[str]:
        return [p.message for p in self.problems if p.field == name]


class PossibleDuplicateError(HealthVisitorError):
    """A record like this one may already exist; the user must confirm to go on."""

    def __init__(self, message: str, existing_id: object) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class DuplicateError(HealthVisitorError):
    """The record certainly exists already (e.g. the same NHS number)."""


class NotFoundError(HealthVisitorError):
    """The record asked for does not exist (or is not visible to this user)."""


class ConcurrentEditError(HealthVisitorError):
    """Someone else saved this record since it was opened; nothing was overwritten."""


class DatabaseUnavailableError(HealthVisitorError):
    """The database cannot be reached or opened."""


class SchemaOutOfDateError(HealthVisitorError):
    """The shared database's schema is older than this version of the application."""


class ConfigurationError(HealthVisitorError):
    """A configuration file or setting is wrong."""


class PermissionDeniedError(HealthVisitorError):
    """The signed-in user's role does not allow this action or this record."""


class AccountChangedError(PermissionDeniedError):
    """An administrator disabled the signed-in account, or changed its role or team,
    after it signed in: nothing more is shown or saved until it signs in again."""


class PasswordRequiredError(DatabaseUnavailableError):
    """The shared database refused the connection for want of a (right) password."""


class ServerUnreachableError(DatabaseUnavailableError):
    """The shared database's server could not be connected to, or the connection broke
    (not a password refused): a laptop with an offline copy can work on it (issue 12)."""


# --- Two people edited the same record (issue 9): healthvisitor.services.record_edits ---


@dataclass(frozen=True)
class ConflictingField:
    """One field both the user and a colleague changed, to different values (in words)."""

    field: str
    label: str
    first_saw: str  # what the record said when the user opened the form
    theirs: str  # what the colleague saved
    mine: str  # what the user typed
    saved_by: str = ""  # the colleague's name, where the audit trail says
    saved_at: object = None  # when they saved it (a UTC datetime), where it says


class EditConflictError(HealthVisitorError):
    """A colleague saved the same fields since the form was opened; nothing was written.

    Carries what the user needs to choose field by field, and what
    ``record_edits.resolve_conflict`` needs to save the choice against the
    colleague's version: ``saved_values`` and ``saved_version`` are the record
    as the colleague left it, ``changes`` everything the user typed.
    """

    def __init__(
        self,
        *,
        kind: str,
        record_id: object,
        saved_version: int,
        saved_values: dict[str, object],
        changes: dict[str, object],
        fields: tuple[ConflictingField, ...],
        kept_theirs: tuple[str, ...] = (),
    ) -> None:
        count = len(fields)
        super().__init__(
            "A colleague saved this record after you opened it, and changed "
            f"{'the same field' if count == 1 else f'{count} of the same fields'} you did. "
            "Nothing has been saved yet: choose, field by field, whose value to keep."
        )
        self.kind = kind
        self.record_id = record_id
        self.saved_version = saved_version
        self.saved_values = dict(saved_values)
        self.changes = dict(changes)
        self.fields = fields
        self.kept_theirs = kept_theirs
