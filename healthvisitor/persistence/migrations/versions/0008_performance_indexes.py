"""Indexes for the trust-scale hot paths (issue 10).

- ``ix_measurements_supersedes_id`` and ``ix_contacts_supersedes_id``: partial
  indexes of the few rows that correct another (``supersedes_id IS NOT NULL``).
  "Is this measurement (contact) corrected?" was answered by scanning every
  measurement (about 1 M at trust scale, ~200 ms) on every caseload, record open
  and save; with these it is one look-up in a tiny index, on SQLite and PostgreSQL
  alike (both use a partial index for ``supersedes_id = ...``).

Revision ID: 0008_performance_indexes
Revises: 0007_referrals_followup
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_performance_indexes"
down_revision: str | None = "0007_referrals_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index, table, columns, partial condition or None)
INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    (
        "ix_measurements_supersedes_id",
        "measurements",
        ["supersedes_id"],
        "supersedes_id IS NOT NULL",
    ),
    ("ix_contacts_supersedes_id", "contacts", ["supersedes_id"], "supersedes_id IS NOT NULL"),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        condition = sa.text(where) if where else None
        op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
