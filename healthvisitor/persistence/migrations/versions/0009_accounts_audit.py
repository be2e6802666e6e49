"""Accounts, sign-in and the tamper-evident audit chain (issue 8).

* users: failed sign-ins, lockouts in a row, locked until, password changed at.
* audit_events: ``sequence`` (the event's place in the chain) and ``row_hash``
  (HMAC-SHA256, see healthvisitor.services.audit_chain). Events already on
  record are numbered in the order they happened and left unsigned: the key
  is not known here, and inventing hashes for them would claim a protection
  they never had. ``audit_chain_head.signed_from`` says where signing begins.
* audit_chain_head: the chain's last link, one row.
* Triggers refuse UPDATE and DELETE on audit_events, on PostgreSQL and SQLite.

Revision ID: 0009_accounts_audit
Revises: 0008_performance_indexes
Create Date: 2026-12-02 07:40:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import healthvisitor.persistence.types

revision: str = "0009_accounts_audit"
down_revision: str | None = "0008_performance_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit events are append-only: they cannot be changed or deleted"

POSTGRES_FUNCTION = f"""
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
    """
    for verb in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "locked_until",
                healthvisitor.persistence.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "password_changed_at",
                healthvisitor.persistence.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("failed_sign_ins", server_default=None)
        batch_op.alter_column("lockouts", server_default=None)

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    ids = connection.execute(
        sa.text("SELECT id FROM audit_events ORDER BY occurred_at, id")
    ).scalars()
    count = 0
    for count, event_id in enumerate(list(ids), start=1):
        connection.execute(
            sa.text("UPDATE audit_events SET sequence = :n WHERE id = :id"),
            {"n": count, "id": event_id},
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("sequence", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_sequence"), ["sequence"])

    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chain_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_from", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "chain_id": uuid.uuid4(),
                "sequence": count,
                "last_hash": "",
                "signed_from": count + 1,
            }
        ],
    )

    if connection.dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_sequence"), type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("sequence")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("lockouts")
        batch_op.drop_column("failed_sign_ins")
