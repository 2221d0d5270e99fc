"""The refresh hooks at the data layer: each kind of write leaves the stored documents as
a fresh rendering would, in the same transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.documents.building import built_default_language, rebuild
from app.documents.models import PointDocument
from app.languages.models import Language
from app.service_points import writing
from app.service_points.bulk import BulkWriter, NewPoint
from app.service_points.inputs import ServicePointCreate
from app.service_points.models import PointStatus, ServicePoint
from app.service_points.state import created
from tests.factories import make_organization, make_point, point_payload


def _docs(db: Session, point_id: int) -> dict[tuple[str, str], PointDocument]:
    rows = db.scalars(select(PointDocument).where(PointDocument.point_id == point_id))
    return {(d.view, d.lang): d for d in rows}


def test_a_new_point_has_a_document_per_view_and_differing_language(db: Session) -> None:
    org = make_organization(db)
    point = make_point(db, org)  # texts in es (original) and en
    docs = _docs(db, point.id)
    # No language named: the Spanish texts (original and default). Asked for by name,
    # English reads differently; Spanish and French read as a request naming none.
    assert ("full", "") in docs
    assert ("summary", "") in docs
    assert ("full", "en") in docs
    assert ("summary", "en") in docs
    assert ("full", "es") not in docs
    assert ("full", "fr") not in docs
    assert docs[("full", "")].served == "es"
    assert docs[("full", "en")].served == "en"
    assert b'"name":"Test shelter"' in docs[("full", "en")].head
    assert docs[("full", "")].head.endswith(b',"lang_fallback":')
    # The offline record of sync pages and bundles: every language, in one row.
    assert docs[("sync", "")].served == "es"
    assert b'\nen\n{"name":"Test shelter"' in docs[("sync", "")].head
    assert docs[("sync", "")].tail.startswith(b',"updated_at":')
    assert ("sync", "en") not in docs


def test_an_organisation_rename_rewrites_its_points(db: Session) -> None:
    org = make_organization(db, name="Old name")
    other = make_organization(db)
    point = make_point(db, org)
    verified = make_point(db, other)
    writing.verify(db, verified, organization_id=org.id)
    org.name = "New name"
    db.flush()
    assert b'"name":"New name"' in _docs(db, point.id)[("full", "")].tail
    full = _docs(db, verified.id)[("full", "")]
    assert b'"verified_by":{"id":"' in full.verification
    assert b'"name":"New name"' in full.verification


def test_drafts_and_deleted_points_have_no_documents(db: Session) -> None:
    org = make_organization(db)
    point = make_point(db, org)
    writing.set_status(db, point, PointStatus.draft)
    assert _docs(db, point.id) == {}
    writing.set_status(db, point, PointStatus.permanently_closed)
    assert _docs(db, point.id)
    writing.soft_delete(db, point)
    assert _docs(db, point.id) == {}
    other = make_point(db, org)
    db.delete(other)
    db.flush()
    assert db.scalar(select(func.count()).where(PointDocument.public_id == other.public_id)) == 0


def test_a_bulk_batch_writes_its_documents(db: Session) -> None:
    org = make_organization(db)
    states = [
        created(ServicePointCreate.model_validate(point_payload(lat=8.5 + i / 100)))
        for i in range(3)
    ]
    public_ids = [str(uuid.uuid4()) for _ in states]
    BulkWriter(db, organization_id=org.id, categories=writing.category_texts(db)).write(
        [NewPoint(p, s) for p, s in zip(public_ids, states, strict=True)]
    )
    stored = db.scalars(
        select(PointDocument.public_id).where(
            PointDocument.public_id.in_(public_ids), PointDocument.lang == ""
        )
    ).all()
    assert sorted(stored) == sorted(public_ids * 3)  # full, summary and the offline record


def test_a_language_added_gets_the_rows_it_reads_differently(db: Session) -> None:
    org = make_organization(db)
    point = make_point(
        db,
        org,
        translations={"es": {"name": "Albergue"}, "de": {"name": "Herberge"}},
    )
    assert db.get(Language, "de") is None
    assert ("full", "de") not in _docs(db, point.id)
    db.add(Language(tag="de", endonym="Deutsch"))
    db.flush()
    assert _docs(db, point.id)[("full", "de")].served == "de"


def test_rebuild_writes_every_document_with_its_default_language(db: Session) -> None:
    db.execute(delete(PointDocument))
    shown = db.scalar(
        select(func.count()).where(
            ServicePoint.status != PointStatus.draft.value, ServicePoint.deleted_at.is_(None)
        )
    )
    assert rebuild(db, default_language="fr") == shown
    assert built_default_language(db.connection()) == "fr"
    stored = db.scalar(select(func.count(func.distinct(PointDocument.point_id))))
    assert stored == shown
