"""Indexes for opening a health visitor's caseload at trust scale (issue 10).

- ``ix_children_caseload``: a caseload is the active children of one health
  visitor in their team (``caseload.team_children``). With only
  ``ix_children_team_id`` and ``ix_children_health_visitor_id`` to choose from,
  SQLite, which keeps no statistics here, read the whole team (about 4,000
  children at 100,000) by team and checked each row's health visitor: on the
  10,000-child bench file, 36 ms against 1 ms with this index, which matches
  all three of the query's equalities.
- ``ix_measurements_weights``: the faltering-growth check reads every weight of
  the caseload's children (``growth_alerts.alerts_for_children``, about 3,000
  rows for 377 children), each row a look-up in the table by
  ``ix_measurements_child_id_measured_on`` among the lengths and head
  circumferences; this covering index holds what the query reads, the
  weights side by side: that query's SQLite time halved (12 to 7 ms, busy).

Revision ID: 0014_trust_scale_indexes
Revises: 0013_referral_prompts_pregnancy
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_trust_scale_indexes"
down_revision: str | None = "0013_referral_prompts_pregnancy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: (index, table, columns); as the ``Index(...)`` lines in models.py.
INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    ("ix_children_caseload", "children", ["health_visitor_id", "team_id", "record_status"]),
    (
        "ix_measurements_weights",
        "measurements",
        ["child_id", "kind", "measured_on", "recorded_at", "value", "sds", "centile", "id"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
