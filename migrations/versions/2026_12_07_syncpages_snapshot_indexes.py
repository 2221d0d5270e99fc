"""Sync pages: PostgreSQL indexes that give a snapshot page's ids in id order.

Revision ID: syncpages_0001
Revises: readmodel_0002
Create Date: 2026-12-07

A snapshot page is the public points of a country or a map area with ids past a cursor, in
id order (``app/sync/snapshot.py``). PostgreSQL walked the primary key and tested each row:
a page of a scope holding 1% of a million points read 50,000 rows of the heap. Both indexes
cover only the points a search returns (the predicate is ``SEARCHABLE_STATUSES``, written
as the statements write it, so the planner can prove they match):

- ``ix_service_point_sync_country`` (country, id): a country's page is one range of it.
- ``ix_service_point_sync_cell``: the public location's cell of a grid of 0.2 degrees
  (``floor(public_lat * 5)``, ``floor(public_lon * 5)``), then id, with the coordinates
  included: a map area's page reads, in each cell its boxes touch, the ids past the cursor
  in order (at most a page each), from the index alone.

SQLite reads its own indexes (the R*Tree, ``ix_service_point_status_country``): nothing here.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "syncpages_0001"
down_revision: str | Sequence[str] | None = "readmodel_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHOWN = "status IN ('published', 'temporarily_closed') AND deleted_at IS NULL"
UPGRADE = [
    f"CREATE INDEX ix_service_point_sync_country ON service_point (country, id) WHERE {_SHOWN}",
    "CREATE INDEX ix_service_point_sync_cell ON service_point "
    "(floor(public_lat * 5), floor(public_lon * 5), id) INCLUDE (public_lat, public_lon) "
    f"WHERE {_SHOWN}",
]
DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_service_point_sync_cell",
    "DROP INDEX IF EXISTS ix_service_point_sync_country",
]


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
