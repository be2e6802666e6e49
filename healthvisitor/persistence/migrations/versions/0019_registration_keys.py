"""Idempotency keys on families, carers and pregnancies: a retried registration is saved once.

As 0011 did for contacts and referrals (issue 9): the dialog that registers a
family (with its first carer), a carer or a pregnancy chooses a key when it
opens and keeps it in its draft; if the connection drops while the save is in
flight, saving again with the same key finds the first save instead of
registering the family twice. Rows saved before this version, imports and demo
data have no key (NULL).

Revision ID: 0019_registration_keys
Revises: 0018_trust_scale_speed
Create Date: 2026-12-03 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_registration_keys"
down_revision: str | None = "0018_trust_scale_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose rows a registration dialog creates, each with its key.
TABLES = ("families", "carers", "pregnancies")


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
