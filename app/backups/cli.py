"""``rumbo backup PATH`` and ``rumbo restore PATH``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.settings import get_settings

__all__ = ["backup", "restore"]


def backup(
    path: Annotated[Path, typer.Argument(help="Where to write the backup archive (.tar)")],
    with_keys: Annotated[
        bool, typer.Option("--with-keys", help="Include the signing keys (RUMBO_KEYS_DIR)")
    ] = False,
) -> None:
    """Back up the database at RUMBO_DATABASE_URL (online: the service may keep running)."""
    from app.backups.service import BackupError, create_backup

    settings = get_settings()
    try:
        result = create_backup(
            settings.database_url, path, keys_dir=settings.keys_dir if with_keys else None
        )
    except BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from None
    keys = " with signing keys" if result.includes_keys else ""
    typer.echo(
        f"backup of {result.engine} written to {result.path} ({result.size_bytes} bytes){keys}"
    )


def restore(
    path: Annotated[Path, typer.Argument(help="A backup archive made by `rumbo backup`")],
    with_keys: Annotated[
        bool, typer.Option("--with-keys", help="Also restore the signing keys into RUMBO_KEYS_DIR")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already has data")
    ] = False,
) -> None:
    """Restore a backup into the database at RUMBO_DATABASE_URL (stop the service first)."""
    from app.backups.service import BackupError, restore_backup

    settings = get_settings()
    try:
        manifest = restore_backup(
            settings.database_url,
            path,
            keys_dir=settings.keys_dir if with_keys else None,
            force=force,
        )
    except BackupError as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"restored {manifest.engine} backup of {manifest.created_at} "
        f"(schema {', '.join(manifest.schema_heads)}); run `rumbo migrate` if this code is newer"
    )
