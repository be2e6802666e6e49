"""Reserved for issue 8 (access policy); no change to the schema yet.

The slot is taken now so that work on several issues at once cannot fork the
migration chain; the issue's work fills it in.

Revision ID: 0012_access_policy
Revises: 0011_idempotency
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

revision: str = "0012_access_policy"
down_revision: str | None = "0011_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
