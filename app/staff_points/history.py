"""A point's history for its staff: every recorded change, oldest first, with who made it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts import repository as accounts_repository
from app.audit import service as audit
from app.service_points.state import ENTITY
from app.staff_points.access import READ_ROLES, load
from app.staff_points.schemas import HistoryActor, HistoryEntry, HistoryPage
from app.web.cursors import decode_cursor, encode_cursor

__all__ = ["history"]


def history(
    session: Session,
    principal: Principal,
    public_id: str,
    *,
    limit: int,
    cursor: str | None,
) -> HistoryPage:
    """Every recorded change of a point, oldest first (its organisation's staff)."""
    point = load(session, principal, public_id, READ_ROLES, allow_deleted=True)
    fingerprint = f"history:{point.public_id}"
    after = int(decode_cursor(cursor, fingerprint=fingerprint)["i"]) if cursor else None
    events = audit.history(
        session, entity_type=ENTITY, entity_id=point.public_id, after_id=after, limit=limit + 1
    )
    page = events[:limit]
    emails = accounts_repository.user_emails(
        session, sorted({e.actor_user_id for e in page if e.actor_user_id})
    )
    keys = accounts_repository.api_key_names(
        session, sorted({e.actor_api_key_id for e in page if e.actor_api_key_id})
    )
    orgs = accounts_repository.organizations_by_id(
        session, sorted({e.organization_id for e in page if e.organization_id})
    )
    items = [
        HistoryEntry(
            id=e.id,
            at=e.at,
            action=e.action,
            actor=HistoryActor(
                credential=e.credential,
                user_id=e.actor_user_id,
                email=emails.get(e.actor_user_id) if e.actor_user_id else None,
                api_key_id=e.actor_api_key_id,
                api_key_name=keys.get(e.actor_api_key_id) if e.actor_api_key_id else None,
            ),
            organization=orgs[e.organization_id].slug if e.organization_id in orgs else None,
            changes=e.changes,
        )
        for e in page
    ]
    next_cursor = (
        encode_cursor({"f": fingerprint, "i": page[-1].id}) if len(events) > limit else None
    )
    return HistoryPage(items=items, next_cursor=next_cursor)
