"""Referrals, second part (issue 5): no prompt is lost, discussions reach the lead,
and the family's red book copy fails closed.

- ``referral_prompts`` holds a prompt from the moment it fires ("pending", saved
  with the contact) until a health visitor decides it, once: who raised it and
  when (``raised_*``), who decided and when (``decided_*``, now empty while
  pending), and for an accepted "was not brought" prompt the team lead's
  discussion (``discussed_*`` and its outcome). Rows already held were decided
  when they were raised, so ``raised_*`` copies ``decided_*``.
- ``referral_types.on_family_copy``: whether a route prints on the parent-held
  red book. False unless an administrator says so (hazard H17); set True here for
  the seeded routine routes, and left False for children's social care, domestic
  abuse support and any type an administrator added before this upgrade.

Revision ID: 0007_referrals_followup
Revises: 0006_team_transfers
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import healthvisitor.persistence.types

revision: str = "0007_referrals_followup"
down_revision: str | None = "0006_team_transfers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The seeded routes (0001) that print on the family's copy, as before this upgrade.
ROUTINE_TYPES = (
    "stop_smoking",
    "intensive_parenting",
    "perinatal_mental_health",
    "infant_feeding",
    "speech_language",
    "early_help",
    "gp",
    "paediatrics",
    "dietetics",
    "other",
)


def _decision(*values: str) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"decision IN ({listed})"


def upgrade() -> None:
    with op.batch_alter_table("referral_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_family_copy", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    referral_types = sa.table("referral_types", sa.column("code"), sa.column("on_family_copy"))
    op.execute(
        referral_types.update()
        .where(referral_types.c.code.in_(ROUTINE_TYPES))
        .values(on_family_copy=True)
    )

    timestamp = healthvisitor.persistence.types.UTCDateTime(timezone=True)
    with op.batch_alter_table("referral_prompts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raised_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("raised_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("raised_at", timestamp, nullable=True))
        batch_op.add_column(sa.Column("discussed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("discussed_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("discussed_at", timestamp, nullable=True))
        batch_op.add_column(
            sa.Column(
                "discussion_outcome", sa.String(length=4000), nullable=False, server_default=""
            )
        )
    prompts = sa.table(
        "referral_prompts",
        sa.column("raised_on"),
        sa.column("raised_by_id"),
        sa.column("raised_at"),
        sa.column("decided_on"),
        sa.column("decided_by_id"),
        sa.column("decided_at"),
    )
    op.execute(
        prompts.update().values(
            raised_on=prompts.c.decided_on,
            raised_by_id=prompts.c.decided_by_id,
            raised_at=prompts.c.decided_at,
        )
    )
    with op.batch_alter_table("referral_prompts", schema=None) as batch_op:
        batch_op.alter_column("raised_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("raised_by_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("raised_at", existing_type=timestamp, nullable=False)
        batch_op.alter_column("decided_on", existing_type=sa.Date(), nullable=True)
        batch_op.alter_column("decided_by_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.alter_column("decided_at", existing_type=timestamp, nullable=True)
        batch_op.drop_constraint(op.f("ck_referral_prompts_prompt_decision"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_referral_prompts_prompt_decision"),
            _decision("pending", "accepted", "declined"),
        )
        batch_op.create_check_constraint(
            op.f("ck_referral_prompts_decided_by_whom"),
            "(decision = 'pending' AND decided_on IS NULL AND decided_by_id IS NULL)"
            " OR (decision <> 'pending' AND decided_on IS NOT NULL"
            " AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            op.f("ck_referral_prompts_discussed_with_outcome"),
            "discussed_on IS NULL OR (decision = 'accepted' AND discussed_by_id IS NOT NULL"
            " AND discussed_at IS NOT NULL AND discussion_outcome <> '')",
        )
        batch_op.create_foreign_key(
            op.f("fk_referral_prompts_raised_by_id_users"), "users", ["raised_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            op.f("fk_referral_prompts_discussed_by_id_users"),
            "users",
            ["discussed_by_id"],
            ["id"],
        )
        batch_op.create_index("ix_referral_prompts_decision", ["decision"], unique=False)


def downgrade() -> None:
    # Prompts still to decide have no decision to keep in the older schema.
    op.execute("DELETE FROM referral_prompts WHERE decision = 'pending'")
    timestamp = healthvisitor.persistence.types.UTCDateTime(timezone=True)
    with op.batch_alter_table("referral_prompts", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_prompts_decision")
        batch_op.drop_constraint(
            op.f("fk_referral_prompts_discussed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("fk_referral_prompts_raised_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_referral_prompts_discussed_with_outcome"), type_="check")
        batch_op.drop_constraint(op.f("ck_referral_prompts_decided_by_whom"), type_="check")
        batch_op.drop_constraint(op.f("ck_referral_prompts_prompt_decision"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_referral_prompts_prompt_decision"), _decision("accepted", "declined")
        )
        batch_op.alter_column("decided_at", existing_type=timestamp, nullable=False)
        batch_op.alter_column("decided_by_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("decided_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("discussion_outcome")
        batch_op.drop_column("discussed_at")
        batch_op.drop_column("discussed_by_id")
        batch_op.drop_column("discussed_on")
        batch_op.drop_column("raised_at")
        batch_op.drop_column("raised_by_id")
        batch_op.drop_column("raised_on")
    with op.batch_alter_table("referral_types", schema=None) as batch_op:
        batch_op.drop_column("on_family_copy")
