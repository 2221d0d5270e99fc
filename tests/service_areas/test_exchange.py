"""Area services in HSDS (exported with `service_areas`, imported back: no more skipped
hotlines), and in CSV and GeoJSON imports."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.service_areas.models import AreaService
from tests.hsds.validation import assert_valid
from tests.imports.helpers import editor as import_editor
from tests.imports.helpers import post_import
from tests.service_areas.helpers import PANAMA_CITY, create, editor

KEPT = ("area", "countries", "categories", "spoken_languages", "contact", "free", "name")


def _kept(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in KEPT}


def _of(db: Session, org_id: str) -> list[AreaService]:
    return list(
        db.scalars(
            select(AreaService)
            .where(AreaService.organization_id == org_id, AreaService.deleted_at.is_(None))
            .order_by(AreaService.id)
        )
    )


def test_hsds_round_trip_of_area_services(client: TestClient, db: Session) -> None:
    staff = editor(client, db)
    made = [
        create(client, staff),
        create(
            client,
            staff,
            area={"type": "Circle", "center": [-77.3, 8.05], "radius_m": 30_000},
            whatsapp="+50761111111",
            free=False,
        ),
        create(client, staff, area={"type": "Polygon", "coordinates": [PANAMA_CITY]}),
    ]
    exported = []
    for item in made:
        response = client.get(f"/hsds/services/{item['id']}")
        assert response.status_code == 200, response.text
        service = response.json()
        assert_valid(service, "compiled/service_with_definitions.json")
        assert service["service_areas"] and not service.get("service_at_locations")
        exported.append(service)
    # The full export streams them after the points.
    lines = client.get("/hsds/services?format=ndjson&full=true").text.splitlines()
    streamed = {json.loads(line)["id"] for line in lines}
    assert {i["id"] for i in made} <= streamed

    # Into another organisation (another system's ids): the same services come out.
    headers, other = import_editor(client, db)
    db.commit()
    for service in exported:
        service["id"] = str(uuid.uuid4())
    report = post_import(client, headers, json.dumps(exported).encode(), "application/json")
    body = report.json()
    assert report.status_code == 200, report.text
    assert (body["rows"], body["created"], body["skipped"], body["failed"]) == (3, 3, 0, 0)
    imported = _of(db, other.id)
    assert [s.public_id for s in imported] == [s["id"] for s in exported]
    for original, copy in zip(made, imported, strict=True):
        again = client.get(f"/v1/area-services/{copy.public_id}?lang=es").json()
        assert _kept(again) == _kept(original)
    # Importing the same file again changes nothing.
    same = post_import(client, headers, json.dumps(exported).encode(), "application/json").json()
    assert (same["created"], same["updated"], same["unchanged"]) == (0, 0, 3)
    assert [s.version for s in _of(db, other.id)] == [s.version for s in imported]


def test_csv_and_geojson_imports_take_area_services(client: TestClient, db: Session) -> None:
    headers, org = import_editor(client, db)
    db.commit()
    csv_body = (
        "external_id,name:es,name:en,categories,phones,area\n"
        'line-1,Línea nacional,National line,legal_aid,+5073111111,"PA, CR"\n'
        'line-2,Brigada,Mobile team,health,+5073111112,"{""type"": ""Circle"", '
        '""center"": [-77.3, 8.05], ""radius_m"": 20000}"\n'
    ).encode()
    report = post_import(client, headers, csv_body).json()
    assert (report["created"], report["failed"]) == (2, 0), report
    areas = {s.external_id: s for s in _of(db, org.id)}
    assert areas["line-1"].area == {"type": "Countries", "countries": ["CR", "PA"]}
    assert areas["line-2"].area["type"] == "Circle"
    near = client.get("/v1/points?near=8.05,-77.3").json()["area_services"]
    assert {"line-1", "line-2"} <= {a.get("external_id") for a in near}

    feature = {
        "type": "Feature",
        "geometry": None,
        "properties": {
            "external_id": "line-3",
            "name": "Línea de asilo",
            "original_language": "es",
            "categories": ["asylum_office"],
            "website": "https://example.org/asilo",
            "area": {"type": "Countries", "countries": ["MX"]},
        },
    }
    geo = post_import(
        client,
        headers,
        json.dumps({"type": "FeatureCollection", "features": [feature]}).encode(),
        "application/geo+json",
    ).json()
    assert (geo["created"], geo["failed"]) == (1, 0), geo
    assert "line-3" in {s.external_id for s in _of(db, org.id)}

    bad = (
        b"external_id,name:es,categories,phones,area\n"
        b'line-9,Mala,legal_aid,+5073111111,"{""type"": ""Circle"", '
        b'""center"": [-77.3, 8.05], ""radius_m"": 5}"\n'
    )
    rejected = post_import(client, headers, bad)
    assert rejected.status_code == 422
    assert rejected.headers["content-type"].startswith("application/problem+json")
    failed = rejected.json()["report"]
    assert failed["failed"] == 1 and failed["committed"] is False
    assert any(e["field"] == "area" for e in failed["errors"])
