"""Location precision: what the public may learn of a point's place.

Adds ``location_precision`` (exact, approximate, hidden) and ``public_lat``/``public_lon``
(what the public sees; NULL when hidden), and rebuilds the spatial indexes of both engines
on the public columns, so near and viewport searches rank and filter by what may be shown
and never return a hidden point. Existing points stay exact (public = exact coordinates).

Revision ID: precision_0001
Revises: sec_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "precision_0001"
down_revision: str | Sequence[str] | None = "sec_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VISIBLE = "new.status IN ('published', 'temporarily_closed') AND new.deleted_at IS NULL"


def _sqlite_rtree(lat: str, lon: str, extra: str, columns: str) -> list[str]:
    """The R*Tree triggers indexing ``lat``/``lon`` of ``new`` (see 0001_core)."""
    return [
        "DROP TRIGGER IF EXISTS service_point_rtree_ai",
        "DROP TRIGGER IF EXISTS service_point_rtree_au",
        "CREATE TRIGGER service_point_rtree_ai AFTER INSERT ON service_point BEGIN "
        f"INSERT INTO service_point_rtree SELECT new.id, new.{lat}, new.{lat}, new.{lon}, "
        f"new.{lon}, new.{lat}, new.{lon} WHERE {_VISIBLE}{extra}; END",
        f"CREATE TRIGGER service_point_rtree_au AFTER UPDATE OF {columns} "
        "ON service_point BEGIN DELETE FROM service_point_rtree WHERE id = old.id; "
        f"INSERT INTO service_point_rtree SELECT new.id, new.{lat}, new.{lat}, new.{lon}, "
        f"new.{lon}, new.{lat}, new.{lon} WHERE {_VISIBLE}{extra}; END",
        "DELETE FROM service_point_rtree",
        f"INSERT INTO service_point_rtree SELECT id, {lat}, {lat}, {lon}, {lon}, {lat}, {lon} "
        "FROM service_point WHERE status IN ('published', 'temporarily_closed') "
        f"AND deleted_at IS NULL{extra.replace('new.', '')}",
    ]


def _postgis_geog(lat: str, lon: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS ix_service_point_geom",
        "DROP INDEX IF EXISTS ix_service_point_geog",
        "ALTER TABLE service_point DROP COLUMN IF EXISTS geog",
        "ALTER TABLE service_point ADD COLUMN geog geography(Point, 4326) "
        f"GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography) STORED",
        "CREATE INDEX ix_service_point_geog ON service_point USING gist (geog)",
        "CREATE INDEX ix_service_point_geom ON service_point USING gist ((geog::geometry))",
    ]


def upgrade() -> None:
    op.add_column(
        "service_point",
        sa.Column("location_precision", sa.String(12), nullable=False, server_default="exact"),
    )
    op.add_column("service_point", sa.Column("public_lat", sa.Float(), nullable=True))
    op.add_column("service_point", sa.Column("public_lon", sa.Float(), nullable=True))
    op.execute("UPDATE service_point SET public_lat = lat, public_lon = lon")
    if op.get_context().dialect.name == "sqlite":
        statements = _sqlite_rtree(
            "public_lat",
            "public_lon",
            " AND new.public_lat IS NOT NULL",
            "public_lat, public_lon, status, deleted_at",
        )
    else:
        statements = _postgis_geog("public_lat", "public_lon")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        statements = _sqlite_rtree("lat", "lon", "", "lat, lon, status, deleted_at")
    else:
        statements = _postgis_geog("lat", "lon")
    for statement in statements:
        op.execute(statement)
    # SQLite 3.35+ drops a column in place (a batch copy would lose the search triggers).
    op.drop_column("service_point", "public_lon")
    op.drop_column("service_point", "public_lat")
    op.drop_column("service_point", "location_precision")
