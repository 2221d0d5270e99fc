"""Staff administration from the command line: ``create-admin``, ``create-org``, ``api-key``.

Each command opens one transaction on ``RUMBO_DATABASE_URL`` and commits it when it
succeeds; the operator acts as a platform administrator (credential ``cli`` in the audit
trail). Secrets are read from the environment or a hidden prompt and never echoed, except
a new API key, printed once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app.access.principal import cli_principal
from app.accounts import keys, staff
from app.accounts.models import Role
from app.db import Database
from app.errors import Problem
from app.settings import Settings, get_settings

__all__ = ["api_key_cli", "create_admin", "create_org"]

api_key_cli = typer.Typer(help="Create or revoke API keys for integrations.", no_args_is_help=True)


@contextmanager
def _unit_of_work() -> Iterator[tuple[Session, Settings]]:
    settings = get_settings()
    database = Database(settings.database_url)
    try:
        with database.session() as session, session.begin():
            yield session, settings
    except Problem as exc:
        typer.echo(f"error: {exc.message()}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        database.dispose()


def create_admin(
    email: Annotated[str, typer.Option(help="Login e-mail address of the administrator")],
) -> None:
    """Create a platform administrator (password from RUMBO_ADMIN_PASSWORD, else a prompt)."""
    password = os.environ.get("RUMBO_ADMIN_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    with _unit_of_work() as (session, settings):
        user = staff.create_user(
            session, settings, actor=cli_principal(), email=email, password=password, is_admin=True
        )
        typer.echo(f"administrator {user.email} created (id {user.id})")


def create_org(
    org_id: Annotated[str, typer.Option("--id", help="Stable id (slug), e.g. 'cruz-roja-co'")],
    name: Annotated[str, typer.Option(help="Display name")],
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code")] = None,
) -> None:
    """Create an organisation."""
    with _unit_of_work() as (session, _settings):
        org = staff.create_organization(
            session,
            actor=cli_principal(),
            slug=org_id,
            name=name,
            country=country,
        )
        typer.echo(f"organisation {org.id} created")


@api_key_cli.command("create")
def create_api_key(
    org: Annotated[str, typer.Option(help="Organisation id (slug)")],
    role: Annotated[Role, typer.Option(help="Role the key acts with")],
    name: Annotated[str, typer.Option(help="What the key is for")],
) -> None:
    """Create a key and print it once; only its hash is kept."""
    with _unit_of_work() as (session, _settings):
        organization = staff.organization_by_slug(session, org)
        row, key = keys.create_api_key(
            session, actor=cli_principal(), organization_id=organization.id, role=role, name=name
        )
        typer.echo(f"API key {row.id} (prefix {row.prefix}) for {org} as {role.value}.")
        typer.echo("Store it now; it is not shown again:")
        typer.echo(key)


@api_key_cli.command("revoke")
def revoke_api_key(
    key_id: Annotated[str, typer.Argument(help="Key id or prefix")],
) -> None:
    """Revoke a key at once."""
    with _unit_of_work() as (session, _settings):
        row = keys.revoke_api_key(session, actor=cli_principal(), key_id=key_id)
        typer.echo(f"API key {row.id} revoked")
