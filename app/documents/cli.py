"""``rumbo documents rebuild``: every stored document again, after a settings change
(``RUMBO_DEFAULT_LANGUAGE``) or an upgrade; ``rumbo migrate`` and ``rumbo seed`` call
:func:`ensure_built` so that a database they leave has its documents."""

from __future__ import annotations

import time

import typer
from sqlalchemy import func, select

from app.db import Database
from app.documents.building import OFFLINE_VIEW, built_default_language, rebuild
from app.documents.models import PointDocument
from app.service_points.models import PointStatus, ServicePoint
from app.settings import get_settings

__all__ = ["documents_cli", "ensure_built"]

documents_cli = typer.Typer(help="The stored public documents of points (the read model).")


def _rebuild(database: Database, default_language: str) -> int:
    with database.session() as session, session.begin():
        return rebuild(session, default_language=default_language)


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
            return False
        _rebuild(database, default_language)
        return True
    finally:
        database.dispose()


@documents_cli.command("rebuild")
def rebuild_command() -> None:
    """Render every visible point's documents again, in one transaction."""
    settings = get_settings()
    database = Database(settings.database_url)
    started = time.perf_counter()
    try:
        count = _rebuild(database, settings.default_language)
    finally:
        database.dispose()
    typer.echo(f"documents rebuilt for {count} points in {time.perf_counter() - started:.1f} s")
