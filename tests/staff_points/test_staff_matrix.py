"""Every staff route x every role x own/other organisation gets the right answer.

Roles: platform admin, organisation admin, editor, translator, moderator (people), an
editor and a translator API key, and a member of no organisation. "own" means the point
belongs to an organisation where the principal holds the role; "other" means it does not.
Refused writes change nothing; allowed writes leave an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.staff_points.service import etag_of
from tests.accounts.helpers import make_api_key, make_staff
from tests.factories import make_organization, make_point, point_payload

ROLES = [
    "platform_admin",
    "org_admin",
    "editor",
    "translator",
    "moderator",
    "editor_key",
    "translator_key",
    "no_role",
]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # {id} is the point's public id
    allowed_status: int
    roles: frozenset[str]  # roles allowed on their own organisation's points
    body: dict[str, Any] | None = None
    writes: bool = True


EDIT = frozenset({"platform_admin", "org_admin", "editor", "editor_key"})
TRANSLATE = EDIT | {"translator", "translator_key"}
READ = TRANSLATE | {"moderator"}

ROUTES = [
    Route("create", "POST", "/v1/points?organization={org}", 201, EDIT, point_payload()),
    Route("update", "PATCH", "/v1/points/{id}", 200, EDIT, {"locality": "Capurganá"}),
    Route("delete", "DELETE", "/v1/points/{id}", 204, EDIT),
    Route(
        "put_translation",
        "PUT",
        "/v1/points/{id}/translations/pt",
        201,
        TRANSLATE,
        {"name": "Abrigo de teste"},
    ),
    Route("delete_translation", "DELETE", "/v1/points/{id}/translations/en", 200, TRANSLATE),
    Route("status", "POST", "/v1/points/{id}/status", 200, EDIT, {"status": "temporarily_closed"}),
    Route("verify", "POST", "/v1/points/{id}/verify", 200, EDIT, {}),
    Route("history", "GET", "/v1/points/{id}/history", 200, READ, writes=False),
    Route("staff_get", "GET", "/v1/staff/points/{id}", 200, READ, writes=False),
]


def _credential(db: Session, settings: Any, role: str, org: Any) -> dict[str, str]:
    if role == "platform_admin":
        return make_staff(db, settings, role=None, is_admin=True).headers
    if role == "no_role":
        return make_staff(db, settings, role=None).headers
    if role.endswith("_key"):
        return make_api_key(db, org, Role(role.removesuffix("_key")))[1]
    mapped = {"org_admin": Role.admin}.get(role, role)
    return make_staff(db, settings, role=mapped, organization=org).headers


def _expected(route: Route, role: str, scope: str) -> int:
    if role == "platform_admin":
        return route.allowed_status
    if role == "no_role" or scope == "other":
        # Other organisations' points (and the organisation itself) are not revealed.
        return 404
    return route.allowed_status if role in route.roles else 403


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_matrix(client: TestClient, db: Session, route: Route, role: str, scope: str) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    own = make_organization(db)
    other = make_organization(db)
    target_org = own if scope == "own" else other
    point = make_point(db, target_org)
    headers = _credential(db, settings, role, own)
    db.flush()
    version = point.version
    events_before = db.scalar(select(func.count()).select_from(AuditEvent))

    path = route.path.format(id=point.public_id, org=target_org.slug)
    if route.method in ("PATCH", "DELETE", "PUT", "POST") and route.name != "create":
        headers = {**headers, "If-Match": etag_of(point)}
    response = client.request(route.method, path, json=route.body, headers=headers)

    expected = _expected(route, role, scope)
    assert response.status_code == expected, (route.name, role, scope, response.text)
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    else:
        assert response.headers["cache-control"] == "private, no-store"
    events_after = db.scalar(select(func.count()).select_from(AuditEvent))
    db.refresh(point)
    if expected < 400 and route.writes:
        assert events_after == events_before + 1
        if route.name != "create":
            assert point.version > version
    else:
        assert events_after == events_before
        assert point.version == version
