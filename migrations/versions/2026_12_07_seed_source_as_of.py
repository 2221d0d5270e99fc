"""A point's source carries the date its facts are "as of" (freshness counts from it).

Revision ID: seed_0001
Revises: lang_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "seed_0001"
down_revision: str | Sequence[str] | None = "lang_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable with no default: a plain ADD COLUMN on both engines (no table rewrite).
    op.add_column("service_point", sa.Column("source_as_of", sa.Date(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (a batch copy would lose the search triggers).
    op.drop_column("service_point", "source_as_of")
