"""An import keeps the read model's stored documents current in its own transaction: after
it they equal a fresh rendering of the points read back (``tests/documents/reference.py``),
for new points, changed ones, any place precision and language; an import that fails
leaves none of its documents behind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.documents.models import PointDocument
from app.languages.models import Language
from app.organizations.models import Organization
from app.service_points.models import ServicePoint
from tests.documents.reference import fresh, stored
from tests.imports.helpers import COLUMNS, csv_bytes, editor, post_import, row

MORE = [
    *COLUMNS,
    "location_precision",
    "audiences",
    "spoken_languages",
    "source_as_of",
    "address:es",
    "name:fr",
    "description:fr",
    "name:pt",
]


def _rows() -> list[dict[str, Any]]:
    return [
        row(0, **{"address:es": "Calle 1", "name:fr": "Abri", "spoken_languages": "es; fr"}),
        row(1, location_precision="approximate", **{"address:es": "Calle 2", "name:pt": "Casa"}),
        row(2, location_precision="hidden", original_language="en", audiences="women"),
        row(
            3, status="draft", source_as_of="2026-01-31", **{"name:fr": "Un", "description:fr": "D"}
        ),
        row(4, status="temporarily_closed", original_language="fr", **{"name:fr": "Abri fermé"}),
    ]


def _ids(db: Session, org: Organization) -> list[int]:
    return list(
        db.scalars(
            select(ServicePoint.id)
            .where(ServicePoint.organization_id == org.id, ServicePoint.status != "draft")
            .order_by(ServicePoint.id)
        )
    )


def _assert_current(db: Session, org: Organization) -> None:
    db.expire_all()
    ids = _ids(db, org)
    tags = list(db.scalars(select(Language.tag)))
    found = stored(db, ids)
    assert found, "no documents"
    assert found == fresh(db, ids, tags)


def _documents_of(db: Session, org: Organization) -> int:
    points = select(ServicePoint.id).where(ServicePoint.organization_id == org.id)
    return db.scalar(select(func.count()).where(PointDocument.point_id.in_(points))) or 0


def test_imported_points_have_current_documents(client: Any, db: Session) -> None:
    headers, org = editor(client, db)
    rows = _rows()
    response = post_import(client, headers, csv_bytes(rows, MORE))
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 5
    _assert_current(db, org)
    # Changed again: texts, a language added, places, the draft published, closed ones.
    rows[0]["description:es"] = "Otra descripción"
    rows[1]["name:fr"] = "Abri deux"
    rows[1]["location_precision"] = "exact"
    rows[2]["lat"] = "8.5262"
    rows[3]["status"] = "published"
    rows[4]["status"] = "permanently_closed"
    again = post_import(client, headers, csv_bytes(rows, [*MORE]))
    assert again.status_code == 200, again.text
    assert again.json()["updated"] == 5
    _assert_current(db, org)


def test_a_failed_import_leaves_no_documents(client: Any, db: Session) -> None:
    headers, org = editor(client, db)
    rows = [*_rows(), row(9, lat="not a number")]
    response = post_import(client, headers, csv_bytes(rows, MORE))
    assert response.status_code == 422, response.text
    assert _documents_of(db, org) == 0
