"""Referrals, second part (issue 5): reserved; no schema change yet.

Revision ID: 0007_referrals_followup
Revises: 0006_team_transfers
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

revision: str = "0007_referrals_followup"
down_revision: str | None = "0006_team_transfers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
