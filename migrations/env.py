"""Alembic environment: one set of migrations for SQLite and PostgreSQL + PostGIS."""

from __future__ import annotations

from typing import Any

import geoalchemy2  # noqa: F401  (PostGIS types known to autogenerate and reflection)
from alembic import context
from sqlalchemy import pool, text

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.db import Base, make_engine
from app.schema import include_object

# pg_advisory_lock key of migrations (any constant; "rumbo" in ASCII).
MIGRATION_LOCK_KEY = 0x72756D626F
config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Several API containers may start at once, each running `rumbo migrate`: one
            # migrates, the others wait here and then find nothing left to do. The lock is
            # the session's and ends with the connection.
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()
        _run(conn)
    engine.dispose()


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
