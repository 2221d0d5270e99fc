"""The audit query for administrators: ``GET /v1/audit?actor=&entity=&since=``.

Newest first, paged with an opaque cursor (the last event id, bound to the filters).
Platform administrators see every event; an organisation admin sees the events recorded
against the organisations they administer (account events without an organisation, such
as password changes, are the platform administrators' alone).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.accounts.principal import Principal
from app.audit.models import AuditEvent
from app.errors import Forbidden, ValidationProblem
from app.web.cursors import decode_cursor, encode_cursor, query_fingerprint

__all__ = ["search"]


def search(
    session: Session,
    *,
    actor: Principal,
    actor_id: str | None,
    entity: str | None,
    since: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditEvent], str | None]:
    """Events matching the filters. ``entity`` is ``type`` or ``type:id``; ``actor_id`` a
    staff user's or API key's id."""
    if actor.is_admin:
        scope: list[str] | None = None
    else:
        scope = actor.organizations_with(Role.admin)
        if not scope:
            raise Forbidden("this needs the admin role in an organisation")
    entity_type, _, entity_id = (entity or "").partition(":")
    if entity is not None and not entity_type:
        raise ValidationProblem.for_field("query", "entity", "must be 'type' or 'type:id'")
    fingerprint = query_fingerprint(
        {
            "s": scope,
            "a": actor_id,
            "e": entity,
            "t": since.isoformat() if since else None,
        }
    )
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    if scope is not None:
        stmt = stmt.where(AuditEvent.organization_id.in_(scope))
    if actor_id:
        stmt = stmt.where(
            or_(AuditEvent.actor_user_id == actor_id, AuditEvent.actor_api_key_id == actor_id)
        )
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if cursor:
        before = decode_cursor(cursor, fingerprint=fingerprint).get("i")
        if not isinstance(before, int):
            raise ValidationProblem.for_field("query", "cursor", "malformed")
        stmt = stmt.where(AuditEvent.id < before)
    rows = list(session.scalars(stmt))
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor({"f": fingerprint, "i": page[-1].id}) if more else None
