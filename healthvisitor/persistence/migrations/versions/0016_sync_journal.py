"""The synchronisation journal for offline working (issue 12, healthvisitor.sync).

On a laptop's local copy:

* sync_state: whose copy it is and when it last synchronised (one row);
* sync_outbox: the changes made offline, queued in the order they were made;
* sync_base: each editable record as it was pulled, the base of the merge.

On the shared database:

* sync_receipts: every change received, numbered in the server's order of
  arrival; its unique ``change_id`` makes a change sent twice apply once;
* sync_conflicts: a field changed both offline and on the server, with both
  values kept for a person to resolve.

Both kinds of database have all five tables (one schema everywhere).

Revision ID: 0016_sync_journal
Revises: 0015_metrics_history
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import healthvisitor.persistence.types

revision: str = "0016_sync_journal"
down_revision: str | None = "0015_metrics_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = healthvisitor.persistence.types.UTCDateTime(timezone=True)
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("machine", sa.String(length=100), nullable=False),
        sa.Column("last_pulled_at", UTC, nullable=True),
        sa.Column("last_pushed_at", UTC, nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_sync_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("queued_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.CheckConstraint("kind IN ('add', 'edit')", name=op.f("ck_sync_outbox_kind_known")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("change_id", name=op.f("uq_sync_outbox_change_id")),
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_outbox_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_sync_outbox_unsent",
            ["table_name", "record_id"],
            unique=False,
            sqlite_where=sa.text("sent_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL"),
        )
    op.create_table(
        "sync_base",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_values", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "record_id", name=op.f("pk_sync_base")),
    )
    op.create_table(
        "sync_receipts",
        sa.Column("sequence", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("pushed_by_id", sa.Uuid(), nullable=False),
        sa.Column("machine", sa.String(length=100), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["pushed_by_id"], ["users.id"], name=op.f("fk_sync_receipts_pushed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_sync_receipts")),
        sa.UniqueConstraint("change_id", name=op.f("uq_sync_receipts_change_id")),
    )
    with op.batch_alter_table("sync_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_receipts_record_id"), ["record_id"], unique=False)
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("receipt_sequence", SEQUENCE, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("base_value", sa.Text(), nullable=False),
        sa.Column("server_value", sa.Text(), nullable=False),
        sa.Column("laptop_value", sa.Text(), nullable=False),
        sa.Column("laptop_user_id", sa.Uuid(), nullable=False),
        sa.Column("raised_at", UTC, nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["laptop_user_id"], ["users.id"], name=op.f("fk_sync_conflicts_laptop_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_sequence"],
            ["sync_receipts.sequence"],
            name=op.f("fk_sync_conflicts_receipt_sequence_sync_receipts"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_sync_conflicts_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_conflicts_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            "ix_sync_conflicts_open",
            ["table_name", "record_id"],
            unique=False,
            sqlite_where=sa.text("resolved_at IS NULL"),
            postgresql_where=sa.text("resolved_at IS NULL"),
        )


def downgrade() -> None:
    op.drop_table("sync_conflicts")
    op.drop_table("sync_receipts")
    op.drop_table("sync_base")
    op.drop_table("sync_outbox")
    op.drop_table("sync_state")
