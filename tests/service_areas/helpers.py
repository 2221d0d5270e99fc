"""Helpers of the area-service tests: bodies, and services written through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import Staff, make_staff
from tests.factories import make_organization

# A small box around Panama City, lon/lat.
PANAMA_CITY = [[-79.6, 8.9], [-79.4, 8.9], [-79.4, 9.1], [-79.6, 9.1], [-79.6, 8.9]]


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "area": {"type": "Countries", "countries": ["PA"]},
        "categories": ["legal_aid"],
        "phones": ["+5073111111"],
        "status": "published",
        "original_language": "es",
        "spoken_languages": ["es", "en"],
        "free": True,
        "translations": {
            "es": {"name": "Línea de orientación legal", "description": "Asesoría por teléfono"},
            "en": {"name": "Legal advice line"},
        },
    }
    out.update(overrides)
    return out


def editor(client: TestClient, db: Session) -> Staff:
    org = make_organization(db)
    staff = make_staff(db, client.app.state.settings, role=Role.editor, organization=org)  # type: ignore[attr-defined]
    db.commit()
    return staff


def create(client: TestClient, staff: Staff, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/area-services", json=body(**overrides), headers=staff.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["ETag"] == created["etag"]
    return created
