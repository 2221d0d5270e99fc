"""Alembic from code: upgrade, downgrade and "is the schema at head?" for one database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.db import normalise_url

__all__ = [
    "alembic_config",
    "current_heads",
    "downgrade",
    "expected_heads",
    "include_object",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision`` (all heads by default)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def expected_heads() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return set(script.get_heads())


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


# Engine-specific objects created by hand in migrations (R*Tree, FTS5, PostGIS columns and
# indexes) that the ORM does not model; autogenerate and the drift test leave them alone.
ENGINE_SPECIFIC_TABLE_PREFIXES = ("service_point_rtree", "service_point_fts", "spatial_ref_sys")
ENGINE_SPECIFIC_COLUMNS = {("service_point", "geog"), ("service_point", "search_vector")}
ENGINE_SPECIFIC_INDEXES = {
    "ix_service_point_geog",
    "ix_service_point_geom",
    "ix_service_point_search",
    "ix_service_point_sync_cell",
    "ix_service_point_sync_country",
}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: skip the engine-specific objects listed above."""
    if type_ == "table" and name and name.startswith(ENGINE_SPECIFIC_TABLE_PREFIXES):
        return False
    if type_ == "column" and (obj.table.name, name) in ENGINE_SPECIFIC_COLUMNS:
        return False
    return not (type_ == "index" and name in ENGINE_SPECIFIC_INDEXES)
