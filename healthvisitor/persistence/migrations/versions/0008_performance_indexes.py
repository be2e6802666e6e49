"""Indexes for the trust-scale hot paths (issue 10): reserved; no schema change yet.

Revision ID: 0008_performance_indexes
Revises: 0007_referrals_followup
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

revision: str = "0008_performance_indexes"
down_revision: str | None = "0007_referrals_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
