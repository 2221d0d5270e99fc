"""The ``rumbo`` command: serve, migrate, seed and staff administration."""

from __future__ import annotations

from typing import Annotated

import typer

from app.accounts.cli import api_key_cli, create_admin, create_org
from app.exchange.cli import export_file, import_file
from app.settings import get_settings
from app.signing.cli import keys_cli
from app.sync.cli import sync_cli

cli = typer.Typer(help="Rumbo: service information for people on the move.", no_args_is_help=True)
cli.command("create-admin")(create_admin)
cli.command("create-org")(create_org)
cli.add_typer(api_key_cli, name="api-key")
cli.command("import")(import_file)
cli.command("export")(export_file)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(sync_cli, name="sync")


@cli.command()
def migrate() -> None:
    """Bring the database at RUMBO_DATABASE_URL to the latest schema."""
    from app import schema  # Alembic: loaded only by the command that needs it

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

    from app.connection_guard import PROTOCOL

    settings = get_settings()
    uvicorn.run(
        "app.asgi:app",
        http=PROTOCOL,  # slow clients cannot exhaust the server (app/connection_guard.py)
        host=settings.host,
        port=settings.port,
        workers=workers,
        reload=reload,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level=settings.log_level.lower(),
        timeout_keep_alive=5,
        # Asked to stop, wait this long for requests in flight, then close them: with the
        # request budgets (app/budget.py), the server is gone within about 10 s.
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
        limit_concurrency=1000,
        h11_max_incomplete_event_size=16 * 1024,
    )


def main() -> None:
    cli()
