"""The ``rumbo`` command: serve, migrate, seed and staff administration."""

from __future__ import annotations

from typing import Annotated

import typer

from app.accounts.cli import api_key_cli, create_admin, create_org
from app.backups.cli import backup, restore
from app.documents.cli import documents_cli, ensure_built
from app.exchange.cli import export_file, import_file
from app.settings import Settings, get_settings
from app.signing.cli import keys_cli
from app.sync import tracking
from app.sync.cli import sync_cli

WORKER_START_TIMEOUT_S = 60

cli = typer.Typer(help="Rumbo: service information for people on the move.", no_args_is_help=True)
cli.command("create-admin")(create_admin)
cli.command("create-org")(create_org)
cli.add_typer(api_key_cli, name="api-key")
cli.command("import")(import_file)
cli.command("export")(export_file)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(sync_cli, name="sync")
cli.add_typer(documents_cli, name="documents")
cli.command("backup")(backup)
cli.command("restore")(restore)


@cli.callback()
def _journal() -> None:
    # Every command that writes synced data (import, seed, restore...) records it in the
    # change journal, as the application does; installing is idempotent.
    tracking.install()


@cli.command()
def migrate() -> None:
    """Bring the database at RUMBO_DATABASE_URL to the latest schema."""
    from app import schema  # Alembic: loaded only by the command that needs it

    settings = get_settings()
    schema.upgrade(settings.database_url)
    typer.echo("database at the latest migration")
    if ensure_built(settings.database_url, settings.default_language):  # read model (#15)
        typer.echo("point documents rebuilt")


@cli.command("check-database")
def check_database() -> None:
    """Exit 0 when the database at RUMBO_DATABASE_URL answers (used by the container's
    entrypoint to wait for it), 1 with the reason otherwise."""
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(get_settings().database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver's error: the reason is printed, not raised
        typer.echo(f"database not reachable: {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo("database reachable")


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
        ensure_built(get_settings().database_url, get_settings().default_language)  # #15
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
    from app.observability import configure_logging

    settings = get_settings()
    # Uvicorn's own messages go through Rumbo's handler too (one format, request ids).
    configure_logging(settings.log_level, settings.log_format)
    _serve_metrics(settings, workers)
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
        log_config=None,
        timeout_keep_alive=5,
        # A worker must import the app and start within this (uvicorn's default of 5 s
        # kills and restarts workers for ever on a busy 2-core machine).
        timeout_worker_healthcheck=WORKER_START_TIMEOUT_S,
        # Asked to stop, wait this long for requests in flight, then close them: with the
        # request budgets (app/budget.py), the server is gone within about 10 s.
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
        limit_concurrency=settings.max_open_connections,
        h11_max_incomplete_event_size=16 * 1024,
    )


def _serve_metrics(settings: Settings, workers: int) -> None:
    """Share metrics across worker processes, and open the metrics port when configured."""
    import atexit
    import os
    import shutil
    import tempfile

    from app import metrics

    if workers > 1 and not os.environ.get(metrics.MULTIPROC_ENV):
        # Set before the workers start (they import the app, and prometheus_client reads
        # the variable at import); removed when this supervisor exits.
        directory = tempfile.mkdtemp(prefix="rumbo-metrics-")
        os.environ[metrics.MULTIPROC_ENV] = directory
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    if settings.metrics_port is not None:
        metrics.serve_port(settings.host, settings.metrics_port)


def main() -> None:
    cli()
