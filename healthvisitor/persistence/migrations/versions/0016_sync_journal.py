"""Reserved for issue 12 (sync journal); no change to the schema yet.

The slot is taken now so that work on several issues at once cannot fork the
migration chain; the issue's work fills it in.

Revision ID: 0016_sync_journal
Revises: 0015_metrics_history
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

revision: str = "0016_sync_journal"
down_revision: str | None = "0015_metrics_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
