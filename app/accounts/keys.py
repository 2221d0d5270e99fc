"""API keys of organisations: created (the key shown once), listed, revoked; audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts import repository, security
from app.accounts.models import ApiKey, Role
from app.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
)
from app.audit import service as audit
from app.db import utcnow
from app.errors import Forbidden, NotFound, ValidationProblem

__all__ = ["create_api_key", "issue_api_key", "key_read", "list_api_keys", "revoke_api_key"]


def create_api_key(
    session: Session,
    *,
    actor: Principal,
    organization_id: str,
    role: Role,
    name: str,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new API key for an organisation; the key itself is returned once, never stored."""
    authorize(actor, organization_id, Role.admin, what="organization", ident=organization_id)
    if role == Role.admin and not actor.is_admin:
        raise Forbidden("only platform administrators create admin keys")
    key, prefix, key_hash = security.new_api_key()
    row = ApiKey(
        prefix=prefix,
        key_hash=key_hash,
        name=name,
        organization_id=organization_id,
        role=role.value,
        created_by_user_id=actor.user_id,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=organization_id,
        entity_type="api_key",
        entity_id=row.id,
        action="create",
        changes={"name": [None, name], "role": [None, role.value], "prefix": [None, prefix]},
    )
    return row, key


def revoke_api_key(session: Session, *, actor: Principal, key_id: str) -> ApiKey:
    """Revoke a key at once (idempotent)."""
    row = repository.api_key_by_id(session, key_id) or repository.api_key_by_prefix(session, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}")
    authorize(actor, row.organization_id, Role.admin, what="API key", ident=key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor=actor,
            organization_id=row.organization_id,
            entity_type="api_key",
            entity_id=row.id,
            action="revoke",
            changes={"revoked_at": [None, row.revoked_at]},
        )
    return row


def list_api_keys(session: Session, *, actor: Principal) -> list[ApiKeyRead]:
    """Keys of the organisations the actor administers (all for platform administrators)."""
    orgs = None if actor.is_admin else actor.organizations_with(Role.admin)
    rows = repository.api_keys_of(session, orgs)
    slugs = repository.organizations_by_id(session, sorted({r.organization_id for r in rows}))
    return [key_read(r, slugs[r.organization_id].slug) for r in rows]


def key_read(row: ApiKey, slug: str) -> ApiKeyRead:
    return ApiKeyRead(
        id=row.id,
        prefix=row.prefix,
        name=row.name,
        organization=slug,
        role=Role(row.role),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def issue_api_key(session: Session, *, actor: Principal, data: ApiKeyCreate) -> ApiKeyCreated:
    """Create a key from an API request; the response carries the key once."""
    org = repository.organization_by_slug(session, data.organization)
    if org is None or not actor.is_member(org.id):
        raise NotFound(f"no organization with id {data.organization!r}")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ValidationProblem.for_field(
            "body", "expires_at", "must be in the future", pointer="/expires_at"
        )
    row, key = create_api_key(
        session,
        actor=actor,
        organization_id=org.id,
        role=data.role,
        name=data.name,
        expires_at=data.expires_at,
    )
    return ApiKeyCreated(**key_read(row, org.slug).model_dump(), key=key)
