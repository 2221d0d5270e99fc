"""Helpers for import and export tests: CSV bodies, a staff editor, an import call."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.organizations.models import Organization
from app.service_points.models import ServicePoint, ServicePointTranslation
from tests.accounts.helpers import make_staff
from tests.factories import make_organization

COLUMNS = [
    "external_id",
    "status",
    "lat",
    "lon",
    "country",
    "locality",
    "categories",
    "phones",
    "opening_hours",
    "free",
    "original_language",
    "name:es",
    "description:es",
    "name:en",
]


def row(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid CSV row in Necoclí (Colombia); ``i`` spreads points ~1 km apart."""
    values: dict[str, Any] = {
        "external_id": f"t-{uuid.uuid4().hex[:8]}-{i}",
        "status": "published",
        "lat": f"{8.4262 + 0.01 * i:.6f}",
        "lon": "-76.7838",
        "country": "CO",
        "locality": "Necoclí",
        "categories": "shelter; food",
        "phones": "+573001234567",
        "opening_hours": "Mo-Fr 08:00-17:00",
        "free": "sí",
        "original_language": "es",
        "name:es": f"Albergue número {i} {uuid.uuid4().hex[:6]}",
        "description:es": "Atención a personas en tránsito",
        "name:en": f"Shelter {i}",
    }
    values.update(overrides)
    return values


def csv_bytes(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    names = list(columns or COLUMNS)
    writer = csv.DictWriter(buffer, fieldnames=names, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    for item in rows:
        writer.writerow(item)
    return buffer.getvalue().encode(encoding)


def editor(client: TestClient, db: Session) -> tuple[dict[str, str], Organization]:
    """Headers of an editor of a new organisation, and that organisation."""
    org = make_organization(db)
    staff = make_staff(db, client.app.state.settings, role="editor", organization=org)  # type: ignore[attr-defined]
    return staff.headers, org


def post_import(
    client: TestClient,
    headers: dict[str, str],
    body: bytes,
    content_type: str = "text/csv",
    **params: Any,
) -> Response:
    return client.post(
        "/v1/imports",
        content=body,
        headers={**headers, "Content-Type": content_type},
        params={k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()},
    )


def counts(db: Session) -> dict[str, int]:
    """Row counts that an import changes (points, texts, audit events)."""
    return {
        "points": db.scalar(select(func.count()).select_from(ServicePoint)) or 0,
        "translations": db.scalar(select(func.count()).select_from(ServicePointTranslation)) or 0,
        "audit": db.scalar(select(func.count()).select_from(AuditEvent)) or 0,
    }


def points_of(db: Session, org: Organization) -> list[ServicePoint]:
    db.expire_all()
    return list(
        db.scalars(
            select(ServicePoint)
            .where(ServicePoint.organization_id == org.id)
            .order_by(ServicePoint.id)
        )
    )


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def error_fields(body: dict[str, Any]) -> set[tuple[int, str]]:
    """(row, field) of every error of an import report inside a 422 problem."""
    return {(e["row"], e["field"]) for e in body["report"]["errors"]}


def load_taxonomy(app: Any) -> None:
    """Languages and taxonomy (no points) in a fresh app's database."""
    from app import seed as seed_module

    with app.state.database.session() as session, session.begin():
        seed_module.load_languages(session, set(seed_module.BASE_LANGUAGES))
        seed_module.load_languages(
            session, seed_module.load_taxonomy(session, seed_module.SEED_DIR)
        )


def fresh_editor(app: Any, slug: str | None = None) -> tuple[dict[str, str], str]:
    """A committed editor (and organisation) in a fresh app's database: (headers, slug)."""
    with app.state.database.session() as session, session.begin():
        org = make_organization(session, slug=slug)
        staff = make_staff(session, app.state.settings, role="editor", organization=org)
        return staff.headers, org.slug
