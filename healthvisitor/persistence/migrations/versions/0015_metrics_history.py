"""The mandated child reviews by kind and date, for counting the national metrics (issue 7).

Measured at 100,000 children on PostgreSQL (bench/bench_metrics.py), a
quarter's figures missed 1 s because the planner read every contact (about
1 M) once per cohort: the only index on a contact's kind led with the child
(``ix_contacts_for_metrics``), and a cohort of 5,000 children's look-ups cost
it more than one pass over the table. The service now bounds each cohort's
contacts by plain dates (the cohort's first birth date to its latest target),
and this index answers those from the index alone:

- ``ix_contacts_by_kind_date``: the contacts of the four mandated child
  reviews (new birth visit, 6-8 week, 1 year, 2-2½ year) by kind, outcome and
  date, with the child, where, and the id (for "is it corrected?").

Partial on those four kinds: a quarter of the rows fewer (antenatal reviews
have their own index, 0010), and SQLite, which cannot prove ``kind = ?``
implies ``kind IN (...)``, keeps reading cohorts by birth date through
``ix_contacts_for_metrics``. With a plain (kind, date) index it read the
review cohorts by kind instead, three to six times slower (0010's note,
and measured again at 20,000 children). PostgreSQL proves the implication for
the values it plans with.

Revision ID: 0015_metrics_history
Revises: 0014_trust_scale_indexes
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_metrics_history"
down_revision: str | None = "0014_trust_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: As the ``Index(...)`` line in models.py (``Contact``).
NAME = "ix_contacts_by_kind_date"
COLUMNS = ["kind", "outcome", "contact_date", "child_id", "location", "id"]
CHILD_REVIEWS = "kind IN ('new_birth_visit', 'six_to_eight_week', 'one_year', 'two_year')"


def upgrade() -> None:
    condition = sa.text(CHILD_REVIEWS)
    op.create_index(NAME, "contacts", COLUMNS, sqlite_where=condition, postgresql_where=condition)


def downgrade() -> None:
    op.drop_index(NAME, table_name="contacts")
