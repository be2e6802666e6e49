"""Transfers between two teams of the trust (issue 4), kept as history so the
national metrics can count a child in the team responsible at the end of a
quarter (issue 7). One new table, so nothing already on record changes.

Revision ID: 0006_team_transfers
Revises: 0005_screening_immunisations
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import healthvisitor.persistence.types

revision: str = "0006_team_transfers"
down_revision: str | None = "0005_screening_immunisations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("from_team_id", sa.Uuid(), nullable=False),
        sa.Column("to_team_id", sa.Uuid(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=4000), nullable=False),
        sa.Column("transferred_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "transferred_at",
            healthvisitor.persistence.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.CheckConstraint(
            "from_team_id <> to_team_id", name=op.f("ck_team_transfers_different_teams")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_team_transfers_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["from_team_id"], ["teams.id"], name=op.f("fk_team_transfers_from_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["to_team_id"], ["teams.id"], name=op.f("fk_team_transfers_to_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["transferred_by_id"],
            ["users.id"],
            name=op.f("fk_team_transfers_transferred_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_transfers")),
    )
    with op.batch_alter_table("team_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_transfers_child_id"), ["child_id"], unique=False)
        batch_op.create_index("ix_team_transfers_effective_date", ["effective_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("team_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_team_transfers_effective_date")
        batch_op.drop_index(batch_op.f("ix_team_transfers_child_id"))
    op.drop_table("team_transfers")
