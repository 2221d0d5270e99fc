"""Helpers for feedback tests: clients with their own address, points, staff, submissions."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import seed
from app.accounts.models import Role
from app.feedback.catalogue import load_tags
from app.organizations.models import Organization
from app.service_points.models import ServicePoint
from tests.accounts.helpers import Staff, make_staff
from tests.factories import make_organization, make_point

_addresses = itertools.count(1)


def new_address() -> str:
    """A documentation-range IPv6 address in its own /64 (one "client" per call)."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{next(_addresses):x}::7"


def client_at(app: FastAPI, address: str | None = None) -> TestClient:
    """A test client whose requests come from ``address`` (no lifespan: shares the app)."""
    return TestClient(app, client=(address or new_address(), 40000))


def published_point(db: Session, org: Organization | None = None, **overrides: Any) -> ServicePoint:
    point = make_point(db, org or make_organization(db), **overrides)
    db.flush()
    return point


def moderator_of(client: TestClient, db: Session, org: Organization) -> Staff:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return make_staff(db, settings, role=Role.moderator, organization=org)


def submit(client: TestClient, point_id: str, **body: Any) -> Any:
    return client.post(f"/v1/points/{point_id}/feedback", json=body)


def accepted(response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"receipt", "duplicate", "moderation"}
    return body


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("/problems/")
    return body


def field_names(body: dict[str, Any]) -> set[str]:
    return {e["name"] for e in body.get("errors", [])}


@dataclass
class Prepared:
    point_id: str
    admin_headers: dict[str, str]


def prepare_database(app: FastAPI) -> Prepared:
    """On a fresh (unseeded) database: languages, taxonomy, feedback tags, one published
    point and a platform administrator. Committed, through the app's own engine."""
    database = app.state.database
    with database.session() as session, session.begin():
        seed.load_languages(session, set(seed.BASE_LANGUAGES))
        seed.load_languages(session, seed.load_taxonomy(session, seed.SEED_DIR))
        load_tags(session)
        point = make_point(session, make_organization(session))
        admin = make_staff(session, app.state.settings, role=None, is_admin=True)
        return Prepared(point_id=point.public_id, admin_headers=admin.headers)
