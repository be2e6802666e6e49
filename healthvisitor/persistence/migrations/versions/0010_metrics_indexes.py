"""Indexes for counting the national metrics in SQL (issue 7): reserved; no schema change yet.

Revision ID: 0010_metrics_indexes
Revises: 0009_accounts_audit
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

revision: str = "0010_metrics_indexes"
down_revision: str | None = "0009_accounts_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
