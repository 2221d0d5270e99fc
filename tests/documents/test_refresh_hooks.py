"""The refresh hooks at the data layer: each kind of write leaves the stored documents as
a fresh rendering would, in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session

from app.documents.building import built_default_language, rebuild, refresh_hours
from app.documents.models import PointDocument
from app.languages.models import Language
from app.service_points import opening_weeks, writing
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


def _hours_rows(db: Session, point_id: int) -> set[tuple[bytes | None, int | None]]:
    table = PointDocument.__table__
    rows = db.connection().execute(
        select(table.c.hours, table.c.hours_until).where(table.c.point_id == point_id)
    )
    return {(None if h is None else bytes(h), u) for h, u in rows}


def test_the_periodic_refresh_moves_the_hours_horizon_on(db: Session) -> None:
    org = make_organization(db)
    point = make_point(db, org, opening_hours="Mo-Fr 09:00-17:00; PH off")
    other = make_point(db, org, opening_hours=None, lat=8.6)
    now = dt.datetime.now(dt.UTC)
    current = opening_weeks.horizon_at(now)
    (stored,) = _hours_rows(db, point.id)
    assert stored[1] == current[1]
    expected = opening_weeks.week_changes(point.opening_hours, point.timezone, "CO", current)
    assert stored[0] == expected is not None
    # Not due yet: nothing moves.
    refresh_hours(db, now=now, within=dt.timedelta(days=0))
    assert _hours_rows(db, point.id) == {stored}
    # A week and a half later the horizon moves on, and every row of the point with it.
    later = now + dt.timedelta(days=10)
    moved = opening_weeks.horizon_at(later)
    assert refresh_hours(db, now=later, within=dt.timedelta(days=7)) >= 2
    blob = opening_weeks.week_changes(point.opening_hours, point.timezone, "CO", moved)
    assert _hours_rows(db, point.id) == {(blob, moved[1])}
    (unknown,) = _hours_rows(db, other.id)
    assert unknown[1] == moved[1]
    # Rows that lost their hours (stored before migration readmodel_0002) get them again.
    db.execute(sa_update(PointDocument).values(hours=None, hours_until=None))
    refresh_hours(db, now=now, within=dt.timedelta(days=7), limit=1)
    assert refresh_hours(db, now=now, within=dt.timedelta(days=7)) >= 1
    assert _hours_rows(db, point.id) == {stored}
