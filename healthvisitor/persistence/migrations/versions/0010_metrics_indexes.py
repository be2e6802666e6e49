"""Indexes for counting the national metrics in SQL (issue 7).

Every metric reads a cohort of children by date of birth (a few thousand of
100,000), then their contacts of one review kind. Measured at 100,000
children on SQLite (bench/bench_metrics.py), most of a quarter's time went
on fetching those children's and contacts' full rows from the table to read
a handful of columns. Two covering indexes let both engines answer from the
index alone:

- ``ix_children_for_metrics``: a cohort by date of birth, with what decides
  whose child it is at the end of the quarter (team, health visitor, record
  status and its date, when they arrived from another area);
- ``ix_contacts_for_metrics``: a child's contacts by kind, with what decides
  whether one counts (date, outcome, where, and whether it was corrected);
- ``ix_contacts_on_pregnancy_by_date``: the contacts on a pregnancy (the
  antenatal reviews) by date, a partial index of the few such rows. A plain
  (kind, date) index instead led SQLite, which keeps no statistics here, to
  read the review cohorts by kind: six times slower.

Revision ID: 0010_metrics_indexes
Revises: 0009_accounts_audit
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_metrics_indexes"
down_revision: str | None = "0009_accounts_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index, table, columns, partial condition or None); as the ``Index(...)`` lines
#: in models.py.
INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    (
        "ix_children_for_metrics",
        "children",
        [
            "date_of_birth",
            "id",
            "team_id",
            "health_visitor_id",
            "record_status",
            "record_status_date",
            "transferred_in_on",
        ],
        None,
    ),
    (
        "ix_contacts_for_metrics",
        "contacts",
        ["child_id", "kind", "contact_date", "outcome", "location", "supersedes_id", "id"],
        None,
    ),
    ("ix_contacts_on_pregnancy_by_date", "contacts", ["contact_date"], "pregnancy_id IS NOT NULL"),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        condition = sa.text(where) if where else None
        op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
