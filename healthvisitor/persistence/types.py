"""Portable column types shared by every table.

SQLite and PostgreSQL must behave the same (STYLE.md): UUIDs use SQLAlchemy's
portable ``Uuid``; times are stored in UTC and handed back timezone-aware even
on SQLite, which has no time zone type; enumerations are stored by value as
VARCHAR with a named CHECK constraint rather than a native enum type, so a
new code is a migration that works on both engines.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Any

from sqlalchemy import DateTime, Dialect, Enum, String, TypeDecorator, Uuid
from sqlalchemy.orm import mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (UTC).

    Naive datetimes are refused on the way in: a naive time is ambiguous, and
    an ambiguous time in a clinical record is a defect.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; pass a timezone-aware time")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def coded(enum_class: type[enum.Enum], name: str) -> Enum:
    """A column type storing ``enum_class`` by value with a named CHECK constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utc_now() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def new_id() -> uuid.UUID:
    """A new primary key, made by the application so that records created on a
    laptop while offline can never clash when they reach the shared database."""
    return uuid.uuid4()


# Annotated aliases for the column patterns repeated on every table.
uuid_pk = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=new_id)]
created_at = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utc_now, nullable=False)]
updated_at = Annotated[
    dt.datetime, mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now, nullable=False)
]
name_str = Annotated[str, mapped_column(String(100), nullable=False)]
short_str = Annotated[str, mapped_column(String(32), nullable=False)]
text_str = Annotated[str, mapped_column(String(4000), nullable=False, default="")]

__all__: list[Any] = [
    "UTCDateTime",
    "coded",
    "created_at",
    "name_str",
    "new_id",
    "short_str",
    "text_str",
    "updated_at",
    "utc_now",
    "uuid_pk",
]
