"""Reserved for issue 7 (metrics history); no change to the schema yet.

The slot is taken now so that work on several issues at once cannot fork the
migration chain; the issue's work fills it in.

Revision ID: 0015_metrics_history
Revises: 0014_trust_scale_indexes
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

revision: str = "0015_metrics_history"
down_revision: str | None = "0014_trust_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
