"""Reserved for issue 5 (referral prompts pregnancy); no change to the schema yet.

The slot is taken now so that work on several issues at once cannot fork the
migration chain; the issue's work fills it in.

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
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
