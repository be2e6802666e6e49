"""Break-glass access to another team's child's record (issue 8).

``break_glass_access``: one row each time a health visitor or team lead opens
a child's record of another team with a typed reason. The grant lasts a
limited time (``healthvisitor.services.break_glass.GRANT_LASTS``); ``team_id``
is the team whose record it was when the glass was broken, whose lead is
shown it until they mark it reviewed (``reviewed_at``, ``reviewed_by_id``).
Grants are never deleted: with the audit trail they answer "who looked, and why".

Revision ID: 0017_break_glass
Revises: 0016_sync_journal
Create Date: 2026-12-02 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import healthvisitor.persistence.types

revision: str = "0017_break_glass"
down_revision: str | None = "0016_sync_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = healthvisitor.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "break_glass_access",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("machine", sa.String(length=100), nullable=False),
        sa.Column("granted_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "expires_at > granted_at", name=op.f("ck_break_glass_access_expires_after_granted")
        ),
        sa.CheckConstraint(
            "(reviewed_at IS NULL) = (reviewed_by_id IS NULL)",
            name=op.f("ck_break_glass_access_reviewed_with_reviewer"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_break_glass_access_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_break_glass_access_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_access_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_break_glass_access_reviewed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_access")),
    )
    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        # A user's grants on one child (opening the record under a grant).
        batch_op.create_index(
            "ix_break_glass_access_user_child", ["user_id", "child_id"], unique=False
        )
        # A team lead's accesses still to review.
        batch_op.create_index(
            "ix_break_glass_access_to_review",
            ["team_id", "granted_at"],
            unique=False,
            sqlite_where=sa.text("reviewed_at IS NULL"),
            postgresql_where=sa.text("reviewed_at IS NULL"),
        )


def downgrade() -> None:
    op.drop_table("break_glass_access")
