"""Imports: an index on service_point (lat, lon) for the duplicate check.

Revision ID: 0007_imports
Revises: 0001_core
Create Date: 2026-11-29

A plain CREATE INDEX on both engines: service_point is not recreated, so its R*Tree and
FTS5 triggers stay intact.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_imports"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("imports",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_service_point_lat_lon", "service_point", ["lat", "lon"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_point_lat_lon", table_name="service_point")
