"""Search vector: PostgreSQL keeps each point's tsvector in a stored column.

The full-text index used to be on the expression ``to_tsvector('simple', search_text)``:
fine for the bitmap scan of a rare word, but a common word ("albergue") is best answered
by walking the primary key and checking each row, and the expression then recomputed a
tsvector per row (~0.1 ms each on a real search document). A stored generated column is
computed once per write and the GIN index moves onto it. SQLite (FTS5) is unchanged.

Revision ID: 0008_search_vector
Revises: 0001_core
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_search_vector"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("search_vector",)
depends_on: str | Sequence[str] | None = None

POSTGRES_UPGRADE = [
    "ALTER TABLE service_point ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "DROP INDEX IF EXISTS ix_service_point_search",
    "CREATE INDEX ix_service_point_search ON service_point USING gin (search_vector)",
]
POSTGRES_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_service_point_search",
    "ALTER TABLE service_point DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX ix_service_point_search ON service_point "
    "USING gin (to_tsvector('simple', search_text))",
]


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
