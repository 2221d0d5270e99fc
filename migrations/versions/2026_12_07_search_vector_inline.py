"""Search vector kept in the row: PostgreSQL stores ``service_point.search_vector`` MAIN.

A text page walks the primary key and tests each row's ``tsvector`` (app/geo/postgis.py).
Stored EXTENDED (the default), a point's vector (about 1.5 kB on a bench point, beside a
search text of about 1 kB) went out of line into the TOAST table: every row the walk
passed cost a TOAST index lookup and a TOAST page, about three buffers and 2.5 µs, and a
first page passes thousands of rows (the seed points come first and hold few bench words).
MAIN keeps the vector in the row, compressed, and moves the search text out of line first
(it is read only when a point is written): measured at 100,000 points, the walk's first
page of ``albergue`` read 718 buffers instead of 9,616, in 1.6 ms instead of 9.3 ms. A
vector too large for a page still goes out of line (MAIN allows it as a last resort).

SET STORAGE changes how rows are written from now on; ``VACUUM FULL`` writes the existing
rows again so they take it (every index of the table is rebuilt: 2 min 15 s on the bench's
million points, the table locked meanwhile). SQLite (FTS5) is unchanged.

Revision ID: pgtext_0001
Revises: syncpages_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "pgtext_0001"
down_revision: str | Sequence[str] | None = "syncpages_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_UPGRADE = "ALTER TABLE service_point ALTER COLUMN search_vector SET STORAGE MAIN"
POSTGRES_DOWNGRADE = "ALTER TABLE service_point ALTER COLUMN search_vector SET STORAGE EXTENDED"


def _rewrite() -> None:
    """The existing rows written again (VACUUM runs outside a transaction)."""
    with op.get_context().autocommit_block():
        op.execute("VACUUM FULL service_point")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(POSTGRES_UPGRADE)
        _rewrite()


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(POSTGRES_DOWNGRADE)
