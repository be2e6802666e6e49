"""Reserved for issue 8 (break-glass access, read-only colleagues): filled in by that work, or said to be not needed.

Slots 0017-0018 were taken together so that work on several issues at once
could not fork the migration chain.

Revision ID: 0017_break_glass
Revises: 0016_sync_journal
Create Date: 2026-12-02 17:45:00
"""

from collections.abc import Sequence

revision: str = "0017_break_glass"
down_revision: str | None = "0016_sync_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do yet."""


def downgrade() -> None:
    """Nothing to do yet."""
