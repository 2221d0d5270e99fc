"""Statements over staff accounts, memberships, refresh tokens and API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ApiKey, Membership, RefreshToken, StaffUser
from app.organizations.models import Organization

__all__ = [
    "api_key_by_id",
    "api_key_by_prefix",
    "api_key_names",
    "api_keys_of",
    "membership",
    "organization_by_slug",
    "organizations_by_id",
    "refresh_token_by_id",
    "user_by_email",
    "user_by_id",
    "user_emails",
    "user_is_active",
]


def user_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalars(select(StaffUser).where(StaffUser.email == email.lower())).first()


def user_by_id(session: Session, user_id: str) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def user_is_active(session: Session, user_id: str) -> bool:
    """True when the account exists and is active (one small query, no relationships)."""
    stmt = select(StaffUser.is_active).where(StaffUser.id == user_id)
    return bool(session.scalars(stmt).first())


def refresh_token_by_id(session: Session, session_id: str) -> RefreshToken | None:
    return session.get(RefreshToken, session_id)


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def api_key_by_id(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def api_keys_of(session: Session, organization_ids: list[str] | None) -> list[ApiKey]:
    """API keys of the given organisations (all of them for ``None``), newest first."""
    stmt = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
    if organization_ids is not None:
        stmt = stmt.where(ApiKey.organization_id.in_(organization_ids))
    return list(session.scalars(stmt))


def organization_by_slug(session: Session, slug: str) -> Organization | None:
    return session.scalars(select(Organization).where(Organization.slug == slug)).first()


def organizations_by_id(session: Session, ids: list[str]) -> dict[str, Organization]:
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(ids)))}


def membership(
    session: Session, user_id: str, organization_id: str, role: str
) -> Membership | None:
    return session.get(Membership, (user_id, organization_id, role))


def user_emails(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    stmt = select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(ids))
    return {row.id: row.email for row in session.execute(stmt)}


def api_key_names(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    stmt = select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(ids))
    return {row.id: row.name for row in session.execute(stmt)}
