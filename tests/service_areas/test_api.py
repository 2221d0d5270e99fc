"""Area services through the HTTP API: written by staff (validated like alert areas, audited,
If-Match), answered beside the nearest points, in `where` and in their own list."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from tests.factories import make_organization, make_point
from tests.service_areas.helpers import PANAMA_CITY, create, editor

IN_PANAMA_CITY = (8.98, -79.52)
IN_DARIEN = (8.05, -77.3)  # Panama, far from Panama City
IN_COSTA_RICA = (9.93, -84.08)


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def _near(client: TestClient, lat: float, lon: float, extra: str = "") -> dict[str, Any]:
    response = client.get(f"/v1/points?near={lat},{lon}{extra}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_area_services_answer_beside_the_nearest_points(client: TestClient, db: Session) -> None:
    staff = editor(client, db)
    national = create(client, staff)
    city = create(
        client,
        staff,
        area={"type": "Polygon", "coordinates": [PANAMA_CITY]},
        categories=["health"],
        phones=[],
        whatsapp="+50761111111",
        translations={"es": {"name": "Equipo móvil de salud"}},
        spoken_languages=["es"],
    )
    circle = create(
        client,
        staff,
        area={"type": "Circle", "center": [-77.3, 8.05], "radius_m": 30_000},
        translations={"es": {"name": "Brigada del Darién"}},
    )
    draft = create(client, staff, status="draft")
    point = make_point(
        db, make_organization(db), lat=8.98, lon=-79.52, country="PA", categories=["legal_aid"]
    )
    db.commit()

    answer = _near(client, *IN_PANAMA_CITY)
    # The points keep their shape and their distance order; area services are a list apart.
    assert answer["items"][0]["id"] == point.public_id and "location" in answer["items"][0]
    assert all("location" in item for item in answer["items"])
    assert set(_ids(answer["area_services"])) >= {national["id"], city["id"]}
    assert circle["id"] not in _ids(answer["area_services"])
    assert draft["id"] not in _ids(answer["area_services"])
    hotline = next(a for a in answer["area_services"] if a["id"] == national["id"])
    assert "location" not in hotline
    assert hotline["contact"]["phones"] == ["+5073111111"]
    assert hotline["area"] == {"type": "Countries", "countries": ["PA"]}

    darien = _ids(_near(client, *IN_DARIEN)["area_services"])
    assert national["id"] in darien and circle["id"] in darien and city["id"] not in darien
    assert not {national["id"], city["id"], circle["id"]} & set(
        _ids(_near(client, *IN_COSTA_RICA).get("area_services", []))
    )
    # Same filters and languages as the points.
    legal = _ids(_near(client, *IN_PANAMA_CITY, "&category=legal_aid")["area_services"])
    assert national["id"] in legal and city["id"] not in legal
    english = _ids(_near(client, *IN_PANAMA_CITY, "&spoken_language=en")["area_services"])
    assert national["id"] in english and city["id"] not in english
    texts = _near(client, *IN_PANAMA_CITY, "&lang=en")["area_services"]
    assert next(a for a in texts if a["id"] == national["id"])["name"] == "Legal advice line"
    mobile = next(a for a in texts if a["id"] == city["id"])
    assert mobile["name"] == "Equipo móvil de salud" and mobile["lang_fallback"] is True
    # Not without `near`, nor on later pages.
    assert "area_services" not in client.get("/v1/points?country=PA").json()
    # GeoJSON carries them as a foreign member.
    geo = client.get(
        f"/v1/points?near={IN_PANAMA_CITY[0]},{IN_PANAMA_CITY[1]}",
        headers={"Accept": "application/geo+json"},
    ).json()
    assert national["id"] in _ids(geo["area_services"])

    where = client.get(f"/v1/where?lat={IN_DARIEN[0]}&lon={IN_DARIEN[1]}").json()
    assert {national["id"], circle["id"]} <= set(_ids(where["area_services"]))
    listed = client.get("/v1/area-services?country=PA").json()["items"]
    assert {national["id"], city["id"], circle["id"]} <= set(_ids(listed))
    one = client.get(f"/v1/area-services/{national['id']}?lang=en")
    assert one.status_code == 200 and one.json()["name"] == "Legal advice line"
    assert client.get(f"/v1/area-services/{draft['id']}").status_code == 404


def test_changes_need_if_match_are_audited_and_show_at_once(
    client: TestClient, db: Session
) -> None:
    staff = editor(client, db)
    item = create(client, staff)
    assert item["id"] in _ids(_near(client, *IN_DARIEN)["area_services"])
    url = f"/v1/area-services/{item['id']}"
    change = {"area": {"type": "Countries", "countries": ["CR"]}}
    assert client.patch(url, json=change, headers=staff.headers).status_code == 428
    # "*" would overwrite whatever is there: refused like no If-Match at all.
    anything = client.patch(url, json=change, headers={**staff.headers, "If-Match": "*"})
    assert anything.status_code == 428 and anything.headers["ETag"] == item["etag"]
    stale = {**staff.headers, "If-Match": '"stale"'}
    refused = client.patch(url, json=change, headers=stale)
    assert refused.status_code == 412
    # The refusal names the version to read again.
    assert refused.headers["ETag"] == item["etag"] == refused.json()["current_etag"]
    moved = client.patch(url, json=change, headers={**staff.headers, "If-Match": item["etag"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["countries"] == ["CR"]
    assert item["id"] not in _ids(_near(client, *IN_DARIEN).get("area_services", []))
    assert item["id"] in _ids(_near(client, *IN_COSTA_RICA).get("area_services", []))
    gone = client.delete(url, headers={**staff.headers, "If-Match": moved.json()["etag"]})
    assert gone.status_code == 204
    assert item["id"] not in _ids(_near(client, *IN_COSTA_RICA).get("area_services", []))
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "area_service", AuditEvent.entity_id == item["id"])
        .order_by(AuditEvent.id)
    ).all()
    assert list(actions) == ["create", "update", "delete"]


BOWTIE = [[-79.6, 8.9], [-79.4, 9.1], [-79.4, 8.9], [-79.6, 9.1], [-79.6, 8.9]]


@pytest.mark.parametrize(
    ("area", "field"),
    [
        ({"type": "Polygon", "coordinates": [BOWTIE]}, "area"),
        ({"type": "Countries", "countries": ["XX"]}, "area"),
        ({"type": "Circle", "center": [-79.5, 9.0], "radius_m": 5}, "area"),
        ({"type": "Circle", "center": [-79.5, 9.0], "radius_m": 5_000_000}, "area"),
        ({"type": "Circle", "center": [-79.5, 99.0], "radius_m": 5_000}, "area"),
    ],
    ids=["self-intersecting", "unknown-country", "radius-too-small", "radius-too-big", "lat"],
)
def test_bad_areas_are_422_problems_naming_the_field(
    client: TestClient, db: Session, area: dict[str, Any], field: str
) -> None:
    staff = editor(client, db)
    response = client.post(
        "/v1/area-services",
        json={
            "area": area,
            "categories": ["legal_aid"],
            "phones": ["+5073111111"],
            "original_language": "es",
            "translations": {"es": {"name": "Línea"}},
        },
        headers=staff.headers,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert any(e["name"] == field or e.get("pointer", "").startswith("/area") for e in errors)


def test_a_service_needs_a_way_to_reach_it_and_known_categories(
    client: TestClient, db: Session
) -> None:
    staff = editor(client, db)
    bare = client.post(
        "/v1/area-services",
        json={
            "area": {"type": "Countries", "countries": ["PA"]},
            "categories": ["legal_aid"],
            "original_language": "es",
            "translations": {"es": {"name": "Línea"}},
        },
        headers=staff.headers,
    )
    assert bare.status_code == 422
    unknown = client.post(
        "/v1/area-services",
        json={
            "area": {"type": "Countries", "countries": ["PA"]},
            "categories": ["no_such_thing"],
            "phones": ["+5073111111"],
            "original_language": "es",
            "translations": {"es": {"name": "Línea"}},
        },
        headers=staff.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/categories/0"
