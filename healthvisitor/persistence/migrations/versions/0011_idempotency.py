"""Idempotency keys on contacts and referrals: a retried save is applied once (issue 9).

A form chooses a key when it opens and keeps it in its draft. If the
connection drops while the save is in flight, the app cannot tell whether the
server committed it; saving again with the same key finds the first save
instead of recording the contact (or referral) twice. The unique constraint
makes that hold even when the retry races the first save. Rows saved before
this version, imports and demo data have no key (NULL, which a unique
constraint allows many times on both engines).

Revision ID: 0011_idempotency
Revises: 0010_metrics_indexes
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_idempotency"
down_revision: str | None = "0010_metrics_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose rows a form creates, each with its key.
TABLES = ("contacts", "referrals")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("idempotency_key", sa.Uuid(), nullable=True))
            batch.create_unique_constraint(f"uq_{table}_idempotency_key", ["idempotency_key"])


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_idempotency_key", type_="unique")
            batch.drop_column("idempotency_key")
