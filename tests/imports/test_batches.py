"""Imports are validated and written in batches: the outcome is the one of writing record by
record, whatever the batch size (``engine.BATCH_ROWS`` is made tiny here so that a few rows
cross several batch boundaries)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.errors import Conflict
from app.exchange import engine
from app.journal import repository as journal_repository
from app.journal.models import SyncChange
from app.service_points import bulk, bulk_repository, writing
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.service_points.models import ServicePoint, ServicePointTranslation
from app.service_points.state import CategoryTexts, state_of
from tests.factories import make_organization
from tests.imports.helpers import (
    COLUMNS,
    assert_problem,
    counts,
    csv_bytes,
    editor,
    error_fields,
    fresh_editor,
    load_taxonomy,
    points_of,
    post_import,
    row,
)
from tests.imports.test_all_or_nothing import _dump


@pytest.fixture
def batches_of(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_size(size: int) -> None:
        monkeypatch.setattr(engine, "BATCH_ROWS", size)

    return set_size


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    """The ServicePointCreate body the write API would get for a CSV row of ``row()``."""
    return {
        "external_id": values["external_id"],
        "status": values["status"],
        "lat": float(values["lat"]),
        "lon": float(values["lon"]),
        "country": values["country"],
        "locality": values["locality"],
        "categories": [c.strip() for c in values["categories"].split(";")],
        "phones": [values["phones"]],
        "opening_hours": values["opening_hours"],
        "free": True,
        "original_language": "es",
        "translations": {
            "es": {"name": values["name:es"], "description": values["description:es"]},
            "en": {"name": values["name:en"]},
        },
    }


def _changes_after(db: Any, seq: int) -> list[tuple[Any, ...]]:
    """(seq, kind, external id of the point, country, lat, lon) logged after ``seq``."""
    external = dict(db.execute(select(ServicePoint.public_id, ServicePoint.external_id)).all())
    rows = db.execute(
        select(
            SyncChange.seq,
            SyncChange.kind,
            SyncChange.key,
            SyncChange.country,
            SyncChange.lat,
            SyncChange.lon,
        )
        .where(SyncChange.seq > seq)
        .order_by(SyncChange.id)
    )
    return [(s, kind, external.get(key, key), c, lat, lon) for s, kind, key, c, lat, lon in rows]


def _import_logging(
    client: Any, db: Any, headers: dict[str, str], rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Import ``rows`` (external ids prefixed ``a-``); the sync changes it logged."""
    start = journal_repository.counter(db).value
    prefixed = [{**r, "external_id": f"a-{r['external_id']}"} for r in rows]
    assert post_import(client, headers, csv_bytes(prefixed)).status_code == 200
    db.expire_all()
    return _changes_after(db, start)


def _unprefixed(rows: list[tuple[Any, ...]], prefix: str) -> list[tuple[Any, ...]]:
    return [(kind, key.removeprefix(prefix), c, lat, lon) for _, kind, key, c, lat, lon in rows]


class TestBatchBoundaries:
    def test_an_external_id_repeated_in_a_later_batch_is_refused(self, client, db, batches_of):
        batches_of(2)
        headers, org = editor(client, db)
        rows = [row(i) for i in range(5)]
        rows[4]["external_id"] = rows[0]["external_id"]
        body = assert_problem(post_import(client, headers, csv_bytes(rows)), 422)
        assert body["report"]["errors"] == [
            {
                "row": 6,
                "field": "external_id",
                "detail": f"{rows[0]['external_id']!r} is also on row 2",
            }
        ]
        assert (body["report"]["rows"], body["report"]["failed"]) == (5, 1)
        assert points_of(db, org) == []

    def test_every_problem_of_every_batch_is_reported(self, client, db, batches_of):
        batches_of(2)
        headers, _ = editor(client, db)
        rows = [row(i) for i in range(7)]
        rows[1]["lat"] = "north"
        rows[4]["categories"] = "spaceport"
        rows[6]["phones"] = "12345"
        body = assert_problem(post_import(client, headers, csv_bytes(rows)), 422)
        assert error_fields(body) == {(3, "lat"), (6, "categories"), (8, "phones")}
        assert body["report"]["created"] == 4

    def test_a_file_unreadable_after_some_batches_reports_them_then_where_it_breaks(
        self, client, db, batches_of
    ):
        batches_of(2)
        headers, org = editor(client, db)
        rows = [row(i) for i in range(5)]
        rows[2]["phones"] = "12345"
        rows.append(row(5, **{"description:es": "x" * 200_000}))  # past the csv module's limit
        body = assert_problem(post_import(client, headers, csv_bytes(rows)), 422)
        report = body["report"]
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "phones"), (7, "file")]
        assert (report["rows"], report["created"], report["failed"]) == (5, 4, 1)
        assert points_of(db, org) == []

    def test_duplicates_are_found_across_and_within_batches(self, client, db, batches_of):
        names = ["Comedor comunitario La Esperanza", "Comedor La Esperanza"]
        reports = []
        for size in (1, 10):
            batches_of(size)
            headers, _ = editor(client, db)
            lat = 8.4262 + 0.01 * size  # each run far from the other
            rows = [
                row(0, lat=f"{lat:.5f}", **{"name:es": names[0]}),
                row(1, lat=f"{lat + 0.00002:.5f}", **{"name:es": names[1], "name:en": ""}),
            ]
            report = post_import(client, headers, csv_bytes(rows)).json()
            reports.append(
                [(d["row"], d["name"], d["similarity"]) for d in report["possible_duplicates"]]
            )
        assert reports[0] == reports[1]
        assert [(r, name) for r, name, _ in reports[0]] == [(3, names[0])]

    def test_a_failing_last_row_of_the_second_batch_leaves_every_table_identical(
        self, fresh_app, batches_of
    ):
        batches_of(4)
        app, _ = fresh_app()
        load_taxonomy(app)
        headers, _ = fresh_editor(app)
        rows = [row(i) for i in range(5)]
        with TestClient(app) as client:
            assert post_import(client, headers, csv_bytes(rows)).status_code == 200
            before = _dump(app)
            changed = [{**r, "description:es": "Cambiado"} for r in rows]  # a batch and one
            changed += [row(10), row(11, lat="95")]  # the second batch ends with a failure
            body = assert_problem(post_import(client, headers, csv_bytes(changed)), 422)
            assert (body["report"]["updated"], body["report"]["created"]) == (5, 1)
            assert [(e["row"], e["field"]) for e in body["report"]["errors"]] == [(8, "lat")]
            assert _dump(app) == before


class TestReimports:
    def test_importing_the_same_file_again_changes_nothing(self, client, db, batches_of):
        batches_of(2)
        headers, org = editor(client, db)
        rows = [row(i) for i in range(5)]
        assert post_import(client, headers, csv_bytes(rows)).json()["created"] == 5
        db.expire_all()
        before = (_stored(db), journal_repository.counter(db).value, _versions(db, org))
        again = post_import(client, headers, csv_bytes(rows)).json()
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
        db.expire_all()
        assert (_stored(db), journal_repository.counter(db).value, _versions(db, org)) == before

    def test_a_changed_row_bumps_its_point_once_and_audits_it(self, client, db, batches_of):
        batches_of(2)
        headers, org = editor(client, db)
        rows = [row(i) for i in range(3)]
        post_import(client, headers, csv_bytes(rows))
        versions = _versions(db, org)
        audit_before = _audit_count(db)
        old_name = rows[1]["name:en"]
        rows[1] = {**rows[1], "name:en": "Renamed shelter", "phones": "+573001112233"}
        report = post_import(client, headers, csv_bytes(rows)).json()
        assert (report["updated"], report["unchanged"]) == (1, 2)
        ext = rows[1]["external_id"]
        assert _versions(db, org) == {**versions, ext: versions[ext] + 1}
        assert _audit_count(db) == audit_before + 2  # the point, and the import itself
        (event,) = db.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "service_point", AuditEvent.action == "update"
            )
        ).all()
        assert event.changes == {
            "phones": [["+573001234567"], ["+573001112233"]],
            "translations.en.name": [old_name, "Renamed shelter"],
        }

    def test_a_row_naming_a_point_an_earlier_row_of_its_batch_changed_sees_that_change(
        self, client, db, batches_of
    ):
        batches_of(50)
        headers, org = editor(client, db)
        first = row(0)
        post_import(client, headers, csv_bytes([first]))
        (point,) = points_of(db, org)
        # By external id, then by the Rumbo id (clearing the external id): the second row
        # applies on top of the first, as if each had been written on its own.
        by_ext = {**first, "description:es": "Primera"}
        by_id = {**by_ext, "id": point.public_id, "external_id": "", "name:en": "Second"}
        columns = ["id", "external_id", "lat", "lon", "country", "categories"]
        columns += ["name:es", "description:es", "name:en"]
        report = post_import(client, headers, csv_bytes([by_ext, by_id], columns)).json()
        assert (report["updated"], report["failed"]) == (2, 0), report
        (point,) = points_of(db, org)
        texts = {t.lang: (t.name, t.description) for t in point.translations}
        assert texts["es"][1] == "Primera" and texts["en"][0] == "Second"
        assert (point.external_id, point.version) == (None, 3)
        second = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == point.public_id, AuditEvent.action == "update")
            .order_by(AuditEvent.id)
        ).all()[-1]
        assert set(second.changes) == {"external_id", "translations.en.name"}

    def test_an_external_id_renamed_then_reused_in_one_batch(self, client, db, batches_of):
        batches_of(50)
        headers, org = editor(client, db)
        first = row(0, external_id="shelter-old")
        post_import(client, headers, csv_bytes([first]))
        (point,) = points_of(db, org)
        renamed = {**first, "id": point.public_id, "external_id": "shelter-new"}
        reused = row(5, external_id="shelter-old")
        columns = ["id", *COLUMNS]
        report = post_import(client, headers, csv_bytes([renamed, reused], columns)).json()
        assert (report["updated"], report["created"], report["failed"]) == (1, 1, 0), report
        assert sorted(p.external_id for p in points_of(db, org)) == ["shelter-new", "shelter-old"]


class TestWhatIsStored:
    def test_sync_changes_equal_those_of_row_by_row_writes(self, client, db, batches_of):
        batches_of(2)
        headers, _ = editor(client, db)
        mine = make_organization(db)
        rows = [row(i, external_id=f"x-{i}") for i in range(5)]
        imported = _import_logging(client, db, headers, rows)
        middle = journal_repository.counter(db).value
        for r in rows:
            data = ServicePointCreate.model_validate(
                _payload({**r, "external_id": f"b-{r['external_id']}"})
            )
            writing.create_point(db, data, organization_id=mine.id)
        db.commit()
        written = _changes_after(db, middle)
        assert len({s for s, *_ in imported}) == len({s for s, *_ in written}) == 1
        assert _unprefixed(imported, "a-") == _unprefixed(written, "b-")
        assert len(imported) == 5

        # Changes: a move, a new text, an unchanged row.
        moved = {**rows[0], "lat": "8.5000", "lon": "-76.7500"}
        texted = {**rows[1], "description:es": "Otra descripción"}
        imported = _import_logging(client, db, headers, [moved, texted, rows[2]])
        middle = journal_repository.counter(db).value
        ours = {p.external_id: p for p in points_of(db, mine)}
        writing.update_point(
            db, ours["b-x-0"], ServicePointUpdate(lat=8.5, lon=-76.75, country="CO")
        )
        es = TranslationInput(name=rows[1]["name:es"], description="Otra descripción")
        writing.put_translation(db, ours["b-x-1"], "es", es)
        db.commit()
        written = _changes_after(db, middle)
        assert _unprefixed(imported, "a-") == _unprefixed(written, "b-")
        assert [r[1:3] for r in _unprefixed(imported, "a-")] == [
            ("x-0", "CO"),
            ("x-0", "CO"),
            ("x-1", "CO"),
        ]

    def test_an_imported_point_is_stored_as_the_write_api_stores_it(self, client, db, batches_of):
        batches_of(2)
        headers, org = editor(client, db)
        mine = make_organization(db)
        values = row(3, categories="health_primary; food", **{"name:es": "Puesto de salud Belén"})
        post_import(client, headers, csv_bytes([row(0), values]))
        (_, imported) = points_of(db, org)
        data = ServicePointCreate.model_validate(_payload({**values, "external_id": "other"}))
        written = writing.create_point(db, data, organization_id=mine.id)
        db.commit()
        db.expire_all()
        expected = {**_fields(state_of(written)), "external_id": imported.external_id}
        assert _fields(state_of(imported)) == expected
        for name in ("search_text", "timezone", "version", "status", "phones"):
            assert getattr(imported, name) == getattr(written, name), name
        assert "salud" in imported.search_text and "health" in imported.search_text
        assert "belen" in imported.search_text

    def test_imported_points_are_found_by_text_and_nearby(self, client, db, batches_of):
        batches_of(2)
        headers, _ = editor(client, db)
        rows = [row(i, lat=f"{9.0 + 0.001 * i:.4f}", lon="-79.5", country="PA") for i in range(5)]
        rows[3]["name:es"] = "Refugio Zorbatel del Istmo"
        report = post_import(client, headers, csv_bytes(rows)).json()
        assert report["created"] == 5, report
        found = client.get("/v1/points", params={"q": "zorbatel"}).json()["items"]
        assert [p["name"] for p in found] == ["Refugio Zorbatel del Istmo"]
        near = client.get("/v1/points", params={"near": "9.003,-79.5", "radius": 1000}).json()
        names = {p["name"] for p in near["items"]}
        assert {r["name:es"] for r in rows} <= names
        assert near["items"][0]["name"] == "Refugio Zorbatel del Istmo"

    def test_a_point_changed_meanwhile_fails_the_batch(self, db):
        org = make_organization(db)
        point = writing.create_point(
            db, ServicePointCreate.model_validate(_payload(row(0))), organization_id=org.id
        )
        db.flush()
        loaded = bulk_repository.load(db, [point.id])[point.id]
        writing.update_point(db, point, ServicePointUpdate(locality="Turbo"))
        writer = bulk.BulkWriter(db, organization_id=org.id, categories=CategoryTexts({}, {}))
        change = bulk.PointChange(loaded, loaded.state.__class__(**_fields(loaded.state)))
        with pytest.raises(Conflict):
            writer.write([change])


def _fields(state: Any) -> dict[str, Any]:
    return {name: getattr(state, name) for name in state.__slots__}


def _versions(db: Any, org: Any) -> dict[str, int]:
    return {p.external_id: p.version for p in points_of(db, org)}


def _stored(db: Any) -> dict[str, int]:
    """Row counts an import may change, but the audit event of the import itself."""
    stored = counts(db)
    stored["audit"] = (
        db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type != "import")
        )
        or 0
    )
    stored["sync"] = db.scalar(select(func.count()).select_from(SyncChange)) or 0
    return stored


def _audit_count(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_translations_keep_their_stamp_unless_their_language_is_written(client, db, batches_of):
    batches_of(2)
    headers, org = editor(client, db)
    first = row(0)
    post_import(client, headers, csv_bytes([first]))
    (point,) = points_of(db, org)
    stamps = dict(
        db.execute(
            select(ServicePointTranslation.lang, ServicePointTranslation.updated_at).where(
                ServicePointTranslation.point_id == point.id
            )
        ).all()
    )
    narrow = ["external_id", "lat", "lon", "country", "categories", "name:en"]
    report = post_import(client, headers, csv_bytes([{**first, "name:en": "New"}], narrow)).json()
    assert report["updated"] == 1
    db.expire_all()
    after = dict(
        db.execute(
            select(ServicePointTranslation.lang, ServicePointTranslation.updated_at).where(
                ServicePointTranslation.point_id == point.id
            )
        ).all()
    )
    assert after["es"] == stamps["es"] and after["en"] > stamps["en"]
