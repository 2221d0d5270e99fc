"""Plain functions that build test data through the real write paths."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.organizations.models import Organization
from app.service_points import writing
from app.service_points.inputs import ServicePointCreate
from app.service_points.models import ServicePoint


def make_organization(
    session: Session, slug: str | None = None, name: str | None = None
) -> Organization:
    slug = slug or f"org-{uuid.uuid4().hex[:8]}"
    org = Organization(slug=slug, name=name or f"Organisation {slug}")
    session.add(org)
    session.flush()
    return org


def point_payload(**overrides: Any) -> dict[str, Any]:
    """A valid ServicePointCreate body; override any field."""
    payload: dict[str, Any] = {
        "lat": 8.5126,
        "lon": -76.7821,
        "country": "CO",
        "locality": "Necoclí",
        "categories": ["shelter"],
        "original_language": "es",
        "status": "published",
        "opening_hours": "24/7",
        "free": True,
        "translations": {
            "es": {"name": "Albergue de prueba", "description": "Descripción en español"},
            "en": {"name": "Test shelter", "description": "Description in English"},
        },
    }
    payload.update(overrides)
    return payload


def make_point(session: Session, organization: Organization, **overrides: Any) -> ServicePoint:
    data = ServicePointCreate.model_validate(point_payload(**overrides))
    return writing.create_point(session, data, organization_id=organization.id)
