"""The ``rumbo`` command: serve, migrate, seed and staff administration."""

from __future__ import annotations

from typing import Annotated

import typer

from app import schema
from app.settings import get_settings

cli = typer.Typer(help="Rumbo: service information for people on the move.", no_args_is_help=True)


@cli.command()
def migrate() -> None:
    """Bring the database at RUMBO_DATABASE_URL to the latest schema."""
    schema.upgrade(get_settings().database_url)
    typer.echo("database at the latest migration")


@cli.command()
def seed(
    if_empty: Annotated[bool, typer.Option(help="Only when there are no points yet")] = False,
) -> None:
    """Load the seed data (idempotent: running it twice updates, never duplicates)."""
    from app import seed as seed_module
    from app.db import Database

    database = Database(get_settings().database_url)
    try:
        with database.session() as session, session.begin():
            if if_empty and not seed_module.database_is_empty(session):
                typer.echo("database already has data; seed skipped")
                return
            result = seed_module.load_all(session)
        typer.echo(f"seed loaded: {result}")
    finally:
        database.dispose()


@cli.command()
def serve(
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
) -> None:
    """Serve the API with uvicorn on RUMBO_HOST:PORT."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        reload=reload,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level=settings.log_level.lower(),
        timeout_keep_alive=5,
        limit_concurrency=1000,
        h11_max_incomplete_event_size=16 * 1024,
    )


def main() -> None:
    cli()
