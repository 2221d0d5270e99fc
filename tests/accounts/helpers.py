"""Test helpers for staff: users with roles in organisations, and their credentials.

Stable API (used by the feedback and sync tests too):

- ``make_staff(session, settings, role="editor", organization=None, is_admin=False) -> Staff``:
  a user with ``role`` in ``organization`` (a new one when omitted; ``role=None`` for no
  membership) and ``headers`` = ``{"Authorization": "Bearer <access token>"}``.
- ``staff_headers(client, db, role="editor", organization=None, is_admin=False) -> dict``:
  the same for the ``client``/``db`` fixtures, returning only the headers.
- ``make_api_key(session, organization, role="editor") -> (ApiKey, headers)``.
- ``login(client, email, password=TEST_PASSWORD) -> dict`` the token response of
  ``POST /v1/auth/token`` (asserts 200).

Everything goes through the real services (``issue_session``, ``create_api_key``); only the
password hash is computed once per test run to keep tests fast.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.access.principal import cli_principal
from app.accounts import keys as account_keys
from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.models import ApiKey, Membership, Role, StaffUser
from app.organizations.models import Organization
from app.settings import Settings
from tests.factories import make_organization

__all__ = [
    "TEST_PASSWORD",
    "Staff",
    "api_key_headers",
    "bearer",
    "login",
    "make_api_key",
    "make_staff",
    "make_user",
    "staff_headers",
]

TEST_PASSWORD = "Corredor-Darien-2026!"


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return security.hash_password(TEST_PASSWORD)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_key_headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@dataclass
class Staff:
    user: StaffUser
    email: str
    headers: dict[str, str]
    organization: Organization | None
    password: str = TEST_PASSWORD
    tokens: dict[str, Any] = field(default_factory=dict)


def make_user(
    session: Session,
    *,
    email: str | None = None,
    is_admin: bool = False,
    roles: list[tuple[Organization, Role | str]] | None = None,
) -> StaffUser:
    """A staff account with the test password and the given (organisation, role) pairs."""
    user = StaffUser(
        email=(email or f"staff-{uuid.uuid4().hex[:10]}@example.org").lower(),
        password_hash=_password_hash(),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    for org, role in roles or []:
        user.memberships.append(
            Membership(user_id=user.id, organization_id=org.id, role=Role(role).value)
        )
    session.flush()
    return user


def make_staff(
    session: Session,
    settings: Settings,
    *,
    role: Role | str | None = "editor",
    organization: Organization | None = None,
    is_admin: bool = False,
    email: str | None = None,
) -> Staff:
    """A user holding ``role`` in ``organization`` (created when omitted), logged in."""
    if organization is None and role is not None:
        organization = make_organization(session)
    roles = [(organization, role)] if organization is not None and role is not None else []
    user = make_user(session, email=email, is_admin=is_admin, roles=roles)
    pair = accounts_service.issue_session(session, settings, user)
    session.flush()
    return Staff(
        user=user,
        email=user.email,
        headers=bearer(pair.access_token),
        organization=organization,
        tokens={"access_token": pair.access_token, "refresh_token": pair.refresh_token},
    )


def staff_headers(
    client: TestClient,
    db: Session,
    role: Role | str | None = "editor",
    organization: Organization | None = None,
    *,
    is_admin: bool = False,
) -> dict[str, str]:
    """Authorization headers of a new user with ``role`` in ``organization``."""
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return make_staff(db, settings, role=role, organization=organization, is_admin=is_admin).headers


def make_api_key(
    session: Session, organization: Organization, role: Role | str = "editor", name: str = "test"
) -> tuple[ApiKey, dict[str, str]]:
    """An API key of ``organization`` with ``role``, and headers that present it."""
    row, key = account_keys.create_api_key(
        session,
        actor=cli_principal(),
        organization_id=organization.id,
        role=Role(role),
        name=name,
    )
    return row, api_key_headers(key)


def login(client: TestClient, email: str, password: str = TEST_PASSWORD) -> dict[str, Any]:
    response = client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
