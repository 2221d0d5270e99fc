"""``rumbo keys generate|rotate|revoke|list``: the Ed25519 keys in RUMBO_KEYS_DIR."""

from __future__ import annotations

from typing import Annotated

import typer

from app.settings import get_settings
from app.signing import keyring

__all__ = ["keys_cli"]

keys_cli = typer.Typer(help="Signing keys of bundles and sync pages.", no_args_is_help=True)


@keys_cli.command("generate")
def generate() -> None:
    """Create the signing key when RUMBO_KEYS_DIR has none (safe to run at every start)."""
    directory = get_settings().keys_dir
    kid, created = keyring.generate(directory)
    if created:
        typer.echo(f"created signing key {kid} in {directory}")
    else:
        typer.echo(f"signing key {kid} already exists in {directory}")


@keys_cli.command("rotate")
def rotate() -> None:
    """Sign with a new key from now on; the old public key stays listed at /v1/keys."""
    directory = get_settings().keys_dir
    try:
        old, new = keyring.rotate(directory)
    except keyring.KeysUnavailable as exc:
        typer.echo(exc.reason, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"rotated: {new} signs from now on; {old} is retired and still verifies")


@keys_cli.command("revoke")
def revoke(kid: Annotated[str, typer.Argument(help="Id of the stolen or leaked key")]) -> None:
    """Revoke a key: /v1/keys lists it as revoked, apps refuse what it signed, and it
    endorses no new key. Revoking the current key stops signing until `rumbo keys rotate`."""
    directory = get_settings().keys_dir
    try:
        when = keyring.revoke(directory, kid)
        current = keyring.Keyring(directory).current_kid
    except keyring.KeysUnavailable as exc:
        typer.echo(exc.reason, err=True)
        raise typer.Exit(1) from None
    except keyring.UnknownKey as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"revoked {kid} at {when}")
    if kid == current:
        typer.echo("it was the current key: run `rumbo keys rotate` now; nothing is signed until")


@keys_cli.command("list")
def list_keys() -> None:
    """Every key id, when it was created and retired, and which one signs."""
    ring = keyring.Keyring(get_settings().keys_dir)
    try:
        current = ring.current_kid
        keys = ring.public_keys()
    except keyring.KeysUnavailable as exc:
        typer.echo(exc.reason, err=True)
        raise typer.Exit(1) from None
    for key in keys:
        state = "current" if key.kid == current else f"retired {key.retired_at or ''}".strip()
        if key.revoked_at:
            state += f", revoked {key.revoked_at}"
        typer.echo(f"{key.kid}  created {key.created_at}  {state}")
