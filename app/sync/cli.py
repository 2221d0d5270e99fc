"""``rumbo sync prune``: forget old changes (clients older than that resync in full)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from app.settings import get_settings

__all__ = ["sync_cli"]

sync_cli = typer.Typer(help="Offline sync maintenance.", no_args_is_help=True)


@sync_cli.command("prune")
def prune(
    days: Annotated[
        int | None,
        typer.Option(help="Keep this many days of changes (default RUMBO_SYNC_RETENTION_DAYS)"),
    ] = None,
) -> None:
    """Delete logged changes older than the retention; run it daily (cron)."""
    from app.db import Database
    from app.sync import service

    settings = get_settings()
    keep = settings.sync_retention_days if days is None else days
    if keep < 0:
        typer.echo("--days must be 0 or more", err=True)
        raise typer.Exit(2)
    database = Database(settings.database_url)
    try:
        with database.session() as session, session.begin():
            horizon, removed = service.prune(session, older_than=dt.timedelta(days=keep))
    finally:
        database.dispose()
    typer.echo(f"removed {removed} changes; cursors before sequence {horizon} now resync in full")
