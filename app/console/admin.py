"""Console glue for administration: staff accounts, their roles, API keys.

Who may do what is ``app.accounts.service``'s rule (platform administrators create
accounts; an organisation's admins grant roles and issue keys there). Forms are validated
with the accounts API's own input models.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.access.principal import Principal
from app.accounts import keys as account_keys
from app.accounts import staff as accounts_staff
from app.accounts.models import Role
from app.accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, StaffUserCreate
from app.console import repository
from app.console.forms import messages_of
from app.errors import Forbidden, Problem
from app.organizations.models import Organization
from app.settings import Settings

__all__ = [
    "StaffRow",
    "admin_scope",
    "change_role",
    "create_api_key",
    "create_user",
    "list_keys",
    "list_staff",
    "revoke_api_key",
]


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: str
    email: str
    display_name: str | None
    is_admin: bool
    is_active: bool
    roles: list[tuple[str, str, str]]  # (organisation slug, organisation name, role)


def admin_scope(principal: Principal) -> list[str] | None:
    """Organisations the principal administers (None: every one); 403 when none."""
    if principal.is_admin:
        return None
    scope = principal.organizations_with(Role.admin)
    if not scope:
        raise Forbidden("this needs the admin role in an organisation")
    return scope


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def list_staff(session: Session, principal: Principal) -> tuple[list[StaffRow], list[Organization]]:
    """Accounts with a role in the organisations the principal administers, and those."""
    scope = admin_scope(principal)
    organizations = repository.organizations(session, scope)
    names = {o.id: (o.slug, o.name) for o in repository.organizations(session, None)}
    rows = []
    for user in repository.staff_users(session, organization_ids=scope):
        roles = sorted(
            (*names.get(m.organization_id, (m.organization_id, m.organization_id)), m.role)
            for m in user.memberships
            if scope is None or m.organization_id in scope
        )
        rows.append(
            StaffRow(
                id=user.id,
                email=user.email,
                display_name=user.display_name,
                is_admin=user.is_admin,
                is_active=user.is_active,
                roles=roles,
            )
        )
    return rows, organizations


def create_user(
    session: Session, settings: Settings, principal: Principal, form: FormData
) -> list[str]:
    """A new account (platform administrators); the reasons it was refused, if any."""
    try:
        data = StaffUserCreate.model_validate(
            {
                "email": _text(form, "email") or "",
                "password": form.get("password") if isinstance(form.get("password"), str) else "",
                "display_name": _text(form, "display_name"),
                "is_admin": form.get("is_admin") == "on",
            }
        )
        accounts_staff.create_user(
            session,
            settings,
            actor=principal,
            email=data.email,
            password=data.password,
            is_admin=data.is_admin,
            display_name=data.display_name,
        )
    except (ValidationError, Problem) as exc:
        session.rollback()
        if isinstance(exc, Problem) and exc.status not in (409, 422):
            raise
        return messages_of(exc)
    return []


def change_role(session: Session, principal: Principal, user_id: str, form: FormData) -> list[str]:
    """Grant or revoke one role of an account in one organisation."""
    organization, role = _text(form, "organization"), _text(form, "role")
    grant = form.get("action") != "revoke"
    if organization is None or role not in {r.value for r in Role}:
        return ["organization, role: choose an organisation and a role"]
    try:
        accounts_staff.set_membership(
            session,
            actor=principal,
            organization=organization,
            user_id=user_id,
            role=Role(str(role)),
            grant=grant,
        )
    except Problem as exc:
        session.rollback()
        if exc.status not in (404, 409, 422):
            raise
        return messages_of(exc)
    return []


def list_keys(session: Session, principal: Principal) -> list[ApiKeyRead]:
    admin_scope(principal)
    return account_keys.list_api_keys(session, actor=principal)


def create_api_key(
    session: Session, principal: Principal, form: FormData
) -> tuple[ApiKeyCreated | None, list[str]]:
    """A new key (shown once in the response page); or the reasons it was refused."""
    try:
        data = ApiKeyCreate.model_validate(
            {
                "organization": _text(form, "organization") or "",
                "role": _text(form, "role") or "",
                "name": _text(form, "name") or "",
                "expires_at": _text(form, "expires_at"),
            }
        )
        return account_keys.issue_api_key(session, actor=principal, data=data), []
    except (ValidationError, Problem) as exc:
        session.rollback()
        if isinstance(exc, Problem) and exc.status not in (404, 409, 422):
            raise
        return None, messages_of(exc)


def revoke_api_key(session: Session, principal: Principal, key_id: str) -> None:
    account_keys.revoke_api_key(session, actor=principal, key_id=key_id)
