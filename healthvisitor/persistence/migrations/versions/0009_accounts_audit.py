"""Accounts, sign-in and the audit chain (issue 8): reserved; no schema change yet.

Revision ID: 0009_accounts_audit
Revises: 0008_performance_indexes
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

revision: str = "0009_accounts_audit"
down_revision: str | None = "0008_performance_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
