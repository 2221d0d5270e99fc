"""Spatial and full-text search behind one interface (SQLite R*Tree + FTS5, or PostGIS)."""

from __future__ import annotations

from app.geo.base import SearchBackend
from app.geo.postgis import PostgisBackend
from app.geo.results import SpatialTable
from app.geo.sqlite import SqliteBackend

__all__ = ["SearchBackend", "SpatialTable", "backend_for"]


def backend_for(dialect: str, spatial: SpatialTable) -> SearchBackend:
    """The implementation for an engine's dialect name, searching ``spatial``."""
    if dialect == "sqlite":
        return SqliteBackend(spatial)
    if dialect == "postgresql":
        return PostgisBackend(spatial)
    raise ValueError(f"no search backend for {dialect!r}")
