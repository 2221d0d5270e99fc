"""Coverage: which active alerts cover a place, by polygon, circle and country (antimeridian
included), in /v1/alerts, on every point answer and in /v1/where; expiry without a write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.alerts.models import Alert
from tests.accounts.helpers import make_staff
from tests.alerts.helpers import create, publish
from tests.factories import make_organization, make_point

# Fiji straddles the antimeridian: a box from 179°E to 179°W.
FIJI_BOX = [[179.0, -17.0], [-179.0, -17.0], [-179.0, -16.0], [179.0, -16.0], [179.0, -17.0]]


def _own(ids: list[str]) -> list[str]:
    """Leave out the seed's sample alerts (ids from seed/alerts.json)."""
    return [i for i in ids if not i.startswith("5a3e0c1e-")]


def _published(client: TestClient, db: Session, **overrides: Any) -> dict[str, Any]:
    org = make_organization(db)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    editor = make_staff(db, settings, role=Role.editor, organization=org)
    reviewer = make_staff(db, settings, role=Role.editor, organization=org)  # the second person
    db.commit()
    draft = create(client, editor.headers, **overrides)
    response = publish(client, reviewer.headers, draft)
    assert response.status_code == 200, response.text
    published: dict[str, Any] = response.json()
    return published


def _near(client: TestClient, lat: float, lon: float) -> list[str]:
    response = client.get(f"/v1/alerts?near={lat},{lon}")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return [a["id"] for a in response.json()["items"]]


def test_polygon_circle_and_country_coverage(client: TestClient, db: Session) -> None:
    polygon = _published(client, db)
    circle = _published(
        client,
        db,
        severity="Minor",
        area={"type": "Circle", "center": [-79.52, 8.98], "radius_m": 20_000},
    )
    country = _published(
        client,
        db,
        category="scam",
        severity="Severe",
        area={"type": "Countries", "countries": ["CR"]},
    )
    # Inside the Darién box (Panama side) and outside it.
    assert polygon["id"] in _near(client, 8.0, -77.5)
    assert polygon["id"] not in _near(client, 9.5, -77.5)
    # 10 km from Panama City's centre is in the circle; 30 km is not.
    assert circle["id"] in _near(client, 8.98 + 10_000 / 111_195, -79.52)
    assert circle["id"] not in _near(client, 8.98 + 30_000 / 111_195, -79.52)
    # Anywhere in Costa Rica, nowhere in Panama.
    assert country["id"] in _near(client, 9.93, -84.08)
    assert country["id"] not in _near(client, 8.0, -77.5)
    # Country and category filters; most severe first.
    listed = client.get("/v1/alerts?country=PA,CR").json()["items"]
    ids = [a["id"] for a in listed]
    assert ids.index(country["id"]) < ids.index(polygon["id"]) < ids.index(circle["id"])
    scams = client.get("/v1/alerts?category=scam").json()["items"]
    assert {a["category"] for a in scams} == {"scam"}
    # A map box over Costa Rica reaches the country alert, not the Darién one.
    boxed = [a["id"] for a in client.get("/v1/alerts?bbox=-85,9,-83,10.5").json()["items"]]
    assert country["id"] in boxed and polygon["id"] not in boxed


def test_antimeridian(client: TestClient, db: Session) -> None:
    fiji = _published(client, db, area={"type": "Polygon", "coordinates": [FIJI_BOX]})
    assert fiji["area"]["type"] == "MultiPolygon"
    assert fiji["countries"] == ["FJ"]
    assert fiji["id"] in _near(client, -16.5, 179.5)
    assert fiji["id"] in _near(client, -16.5, -179.5)
    assert fiji["id"] not in _near(client, -16.5, 0.0)
    assert fiji["id"] not in _near(client, -16.5, 178.5)
    boxed = client.get("/v1/alerts?bbox=179.8,-16.6,-179.8,-16.4").json()["items"]
    assert fiji["id"] in [a["id"] for a in boxed]
    circle = _published(
        client, db, area={"type": "Circle", "center": [179.95, -16.5], "radius_m": 30_000}
    )
    assert circle["id"] in _near(client, -16.5, -179.9)


def test_points_and_where_carry_alert_ids(client: TestClient, db: Session) -> None:
    org = make_organization(db)
    inside = make_point(db, org, lat=8.05, lon=-77.3, country="PA")
    outside = make_point(db, org, lat=9.2, lon=-79.9, country="PA")
    db.commit()
    alert = _published(client, db)
    for view in ("full", "summary"):
        items = client.get(f"/v1/points?near=8.05,-77.3&radius=500000&view={view}&limit=200")
        by_id = {p["id"]: p for p in items.json()["items"]}
        assert alert["id"] in by_id[inside.public_id]["alerts"]
        assert (
            "alerts" not in by_id[outside.public_id]
            or alert["id"] not in (by_id[outside.public_id]["alerts"])
        )
    detail = client.get(f"/v1/points/{inside.public_id}").json()
    assert _own(detail["alerts"]) == [alert["id"]]
    assert _own(client.get(f"/v1/points/{outside.public_id}").json().get("alerts", [])) == []
    assert _own(client.get("/v1/where?lat=8.05&lon=-77.3").json()["alerts"]) == [alert["id"]]
    assert _own(client.get("/v1/where?lat=9.2&lon=-79.9").json()["alerts"]) == []


def test_expiry_drops_alerts_without_a_write(client: TestClient, db: Session) -> None:
    alert = _published(client, db)
    org = make_organization(db)
    point = make_point(db, org, lat=8.05, lon=-77.3, country="PA")
    db.commit()
    assert alert["id"] in _near(client, 8.0, -77.5)
    # Move the expiry into the past behind the application's back (as the clock would):
    # no status is written, yet every answer drops the alert.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.execute(update(Alert).where(Alert.public_id == alert["id"]).values(expires_at=past))
    db.commit()
    assert db.scalars(select(Alert.status).where(Alert.public_id == alert["id"])).one() == (
        "published"
    )
    assert alert["id"] not in _near(client, 8.0, -77.5)
    gone = client.get(f"/v1/alerts/{alert['id']}")
    assert gone.status_code == 410 and gone.json()["state"] == "expired"
    assert _own(client.get(f"/v1/points/{point.public_id}").json().get("alerts", [])) == []
    assert _own(client.get("/v1/where?lat=8.05&lon=-77.3").json()["alerts"]) == []
