"""Spatial and full-text search behind one interface (SQLite R*Tree + FTS5, or PostGIS)."""

from __future__ import annotations

from app.geo.base import SearchBackend
from app.geo.postgis import PostgisBackend
from app.geo.sqlite import SqliteBackend

__all__ = ["SearchBackend", "backend_for"]


def backend_for(dialect: str) -> SearchBackend:
    """The implementation for an engine's dialect name."""
    if dialect == "sqlite":
        return SqliteBackend()
    if dialect == "postgresql":
        return PostgisBackend()
    raise ValueError(f"no search backend for {dialect!r}")
