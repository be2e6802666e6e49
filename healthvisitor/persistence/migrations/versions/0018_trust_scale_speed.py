"""No schema change: the slot reserved for issue 10's speed work was not needed.

Slots 0017-0018 were taken together so that work on several issues at once
could not fork the migration chain; issue 10's second round (caseload, team
board, search) was made faster in the services, with no new index or table
(docs/performance.md says what an index would add). Kept as a step that does
nothing, so databases already at a later revision keep their place in the chain.

Revision ID: 0018_trust_scale_speed
Revises: 0017_break_glass
Create Date: 2026-12-02 17:45:00
"""

from collections.abc import Sequence

revision: str = "0018_trust_scale_speed"
down_revision: str | None = "0017_break_glass"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do."""


def downgrade() -> None:
    """Nothing to do."""
