"""``rumbo documents rebuild``: every stored document again, after a settings change
(``RUMBO_DEFAULT_LANGUAGE``) or an upgrade; ``rumbo migrate`` and ``rumbo seed`` call
:func:`ensure_built` so that a database they leave has its documents.

``rumbo documents refresh-hours``: the precomputed opening hours of every point whose
horizon ends within a week, over the weeks from now (run it daily or weekly from cron;
past a horizon ``open_now`` is evaluated from the hours, correct but slower)."""

from __future__ import annotations

import datetime as dt
import time

import typer
from sqlalchemy import func, select

from app.db import Database
from app.documents.building import (
    OFFLINE_VIEW,
    built_default_language,
    rebuild_in_batches,
    refresh_hours,
)
from app.documents.models import PointDocument
from app.service_points.models import PointStatus, ServicePoint
from app.settings import get_settings

__all__ = ["documents_cli", "ensure_built", "extend_hours"]

# A horizon ending within this is moved on (the new one runs to the end of next week).
_WITHIN = dt.timedelta(days=7)
_PER_TRANSACTION = 2_000
# Points per transaction of a rebuild: a few seconds of the write lock at most.
_PER_REBUILD = 5_000

documents_cli = typer.Typer(help="The stored public documents of points (the read model).")


def _rebuild(database: Database, default_language: str) -> int:
    return rebuild_in_batches(
        database.session, default_language=default_language, per_transaction=_PER_REBUILD
    )


def ensure_built(database_url: str, default_language: str) -> bool:
    """Rebuild when the documents were built with another default language, do not cover
    every point the public may see, or hold no offline records; returns whether it rebuilt."""
    database = Database(database_url)
    try:
        with database.session() as session:
            connection = session.connection()
            built = built_default_language(connection)
            shown = connection.execute(
                select(func.count()).where(
                    ServicePoint.status != PointStatus.draft.value,
                    ServicePoint.deleted_at.is_(None),
                )
            ).scalar_one()
            stored = connection.execute(
                select(func.count(func.distinct(PointDocument.point_id)))
            ).scalar_one()
            offline = connection.execute(
                select(PointDocument.point_id).where(PointDocument.view == OFFLINE_VIEW).limit(1)
            ).first()
        # Not every point has an offline row (``stored_parts``), but a database built before
        # they were stored has none.
        if built == default_language and shown == stored and (offline is not None or not shown):
            _extend(database)
            return False
        _rebuild(database, default_language)
        return True
    finally:
        database.dispose()


def _extend(database: Database) -> int:
    """Every horizon due, one transaction per batch (writers wait for one batch at most)."""
    now = dt.datetime.now(dt.UTC)
    total = 0
    while True:
        with database.session() as session, session.begin():
            done = refresh_hours(session, now=now, within=_WITHIN, limit=_PER_TRANSACTION)
        total += done
        if done < _PER_TRANSACTION:
            return total


def extend_hours(database_url: str) -> int:
    """Move on the precomputed opening hours whose horizon ends within a week (or were
    never computed); returns how many points."""
    database = Database(database_url)
    try:
        return _extend(database)
    finally:
        database.dispose()


@documents_cli.command("rebuild")
def rebuild_command() -> None:
    """Render every visible point's documents again, a few thousand points per transaction
    (meanwhile the API serves from the rendering path)."""
    settings = get_settings()
    database = Database(settings.database_url)
    started = time.perf_counter()
    try:
        count = _rebuild(database, settings.default_language)
    finally:
        database.dispose()
    typer.echo(f"documents rebuilt for {count} points in {time.perf_counter() - started:.1f} s")


@documents_cli.command("refresh-hours")
def refresh_hours_command() -> None:
    """Precompute again the opening hours whose horizon ends within a week."""
    settings = get_settings()
    started = time.perf_counter()
    count = extend_hours(settings.database_url)
    typer.echo(
        f"opening hours refreshed for {count} points in {time.perf_counter() - started:.1f} s"
    )
