"""No schema change: the slot reserved for issue 8 was not needed.

Slots 0011-0016 were taken together so that work on several issues at once
could not fork the migration chain; issue 8's work needed no new column or
table. Kept as a step that does nothing, so databases already at a later
revision keep their place in the chain.

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
    """Nothing to do."""


def downgrade() -> None:
    """Nothing to do."""
