"""Migrations run up, down and up again on each engine, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app import schema
from app.db import Base, make_engine
from app.schema import include_object


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def test_upgrade_downgrade_upgrade(fresh_app):
    _, url = fresh_app()
    engine = make_engine(url)
    assert schema.current_heads(engine) == schema.expected_heads()
    schema.downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version", "spatial_ref_sys"}
    schema.upgrade(url)
    assert schema.current_heads(engine) == schema.expected_heads()
    engine.dispose()
    assert _diff(url) == []


def test_models_and_migrations_do_not_drift(database_url):
    assert _diff(database_url) == []
