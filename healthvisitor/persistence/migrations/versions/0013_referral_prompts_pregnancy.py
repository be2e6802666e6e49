"""No schema change: the slot reserved for issue 5 was not needed.

Slots 0011-0016 were taken together so that work on several issues at once
could not fork the migration chain; issue 5's work needed no new column or
table. Kept as a step that does nothing, so databases already at a later
revision keep their place in the chain.

Revision ID: 0013_referral_prompts_pregnancy
Revises: 0012_access_policy
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

revision: str = "0013_referral_prompts_pregnancy"
down_revision: str | None = "0012_access_policy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do."""


def downgrade() -> None:
    """Nothing to do."""
