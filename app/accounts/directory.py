"""Listing organisations, staff users and memberships, scoped to what the caller administers.

Platform administrators see everything; an organisation admin sees the organisations they
administer, and the users who are members of them (with only those memberships). Pages are
ordered (organisations by slug, users by e-mail, memberships by e-mail and role) and walked
with an opaque cursor bound to the query.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Membership, Role, StaffUser
from app.accounts.principal import Principal
from app.organizations.models import Organization
from app.web.cursors import decode_cursor, encode_cursor, query_fingerprint

__all__ = ["list_memberships", "list_organizations", "list_users"]


def _scope(actor: Principal) -> list[str] | None:
    """Organisation ids the actor administers; None for all (platform administrators)."""
    return None if actor.is_admin else actor.organizations_with(Role.admin)


def _after(cursor: str | None, fingerprint: str) -> list[str] | None:
    if not cursor:
        return None
    after = decode_cursor(cursor, fingerprint=fingerprint).get("a")
    return [str(v) for v in after] if isinstance(after, list) else None


def list_organizations(
    session: Session, *, actor: Principal, cursor: str | None, limit: int
) -> tuple[list[Organization], str | None]:
    scope = _scope(actor)
    fingerprint = query_fingerprint({"o": "orgs", "s": scope})
    stmt = select(Organization).order_by(Organization.slug).limit(limit + 1)
    if scope is not None:
        stmt = stmt.where(Organization.id.in_(scope))
    if (after := _after(cursor, fingerprint)) is not None:
        stmt = stmt.where(Organization.slug > after[0])
    rows = list(session.scalars(stmt))
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor({"f": fingerprint, "a": [page[-1].slug]}) if more else None


def list_users(
    session: Session,
    *,
    actor: Principal,
    organization_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[StaffUser], str | None]:
    scope = _scope(actor)
    if organization_id is not None:
        scope = [organization_id] if scope is None or organization_id in scope else []
    fingerprint = query_fingerprint({"o": "users", "s": scope})
    stmt = select(StaffUser).order_by(StaffUser.email).limit(limit + 1)
    if scope is not None:
        members = select(Membership.user_id).where(Membership.organization_id.in_(scope))
        stmt = stmt.where(StaffUser.id.in_(members))
    if (after := _after(cursor, fingerprint)) is not None:
        stmt = stmt.where(StaffUser.email > after[0])
    rows = list(session.scalars(stmt))
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor({"f": fingerprint, "a": [page[-1].email]}) if more else None


def list_memberships(
    session: Session, *, organization_id: str, cursor: str | None, limit: int
) -> tuple[list[tuple[Membership, str]], str | None]:
    """Memberships of one organisation (the caller checked it may see it), with e-mails."""
    fingerprint = query_fingerprint({"o": "members", "org": organization_id})
    stmt = (
        select(Membership, StaffUser.email)
        .join(StaffUser, StaffUser.id == Membership.user_id)
        .where(Membership.organization_id == organization_id)
        .order_by(StaffUser.email, Membership.role)
        .limit(limit + 1)
    )
    if (after := _after(cursor, fingerprint)) is not None and len(after) == 2:
        stmt = stmt.where(
            (StaffUser.email > after[0])
            | ((StaffUser.email == after[0]) & (Membership.role > after[1]))
        )
    rows = [(m, e) for m, e in session.execute(stmt)]
    page = rows[:limit]
    more = len(rows) > limit
    nxt = encode_cursor({"f": fingerprint, "a": [page[-1][1], page[-1][0].role]}) if more else None
    return page, nxt
