"""Alerts in the console: a draft from the form, a translation, publishing (two-person
rule for severe alerts), cancelling, and the list by state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.alerts.models import Alert
from app.console.alerts import MAX_AREA_FILE_BYTES
from app.jsondepth import MAX_DEPTH
from tests.accounts.helpers import make_user
from tests.console.helpers import form_of, log_in, post_form, staff


def _expires() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def _new(console: TestClient, **fields: str) -> object:
    values = {
        "area_kind": "circle",
        "lat": "8.4265",
        "lon": "-76.7848",
        "radius_km": "30",
        "category": "scam",
        "severity": "Moderate",
        "expires": _expires(),
        "original_language": "es",
        "title": "Estafa: bus a la frontera",
        "body": "No pague por adelantado.",
    }
    values.update(fields)
    return post_form(console, "/console/alerts/new", "/console/alerts/new", **values)


def test_create_translate_publish_cancel(console: TestClient, db: Session) -> None:
    _, org = staff(console, db, role=Role.editor)
    response = _new(console)
    assert response.status_code == 303, response.text
    alert = db.scalars(select(Alert).where(Alert.organization_id == org.id)).one()
    assert alert.status == "draft" and alert.area["type"] == "Circle"
    assert alert.countries == ["CO"]

    listing = console.get("/console/alerts")
    assert "Estafa: bus a la frontera" in listing.text
    url = f"/console/alerts/{alert.public_id}/translations?lang=fr"
    response = post_form(console, url, url, title="Arnaque : bus vers la frontière")
    assert response.status_code == 303, response.text
    db.refresh(alert)
    assert {t.lang for t in alert.translations} == {"es", "fr"}

    target = f"/console/alerts/{alert.public_id}/publish"
    response = console.post(target, data=form_of(console.get("/console/alerts").text, target))
    assert response.status_code == 303, response.text
    db.refresh(alert)
    assert alert.status == "published"
    assert console.get(f"/v1/alerts/{alert.public_id}").status_code == 200

    target = f"/console/alerts/{alert.public_id}/cancel"
    response = console.post(target, data=form_of(console.get("/console/alerts").text, target))
    assert response.status_code == 303
    db.refresh(alert)
    assert alert.status == "cancelled"


def test_severe_needs_a_second_person_and_bad_input_is_shown(
    console: TestClient, db: Session
) -> None:
    _, org = staff(console, db, role=Role.editor)
    bowtie = '{"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}'
    refused = _new(console, area_kind="geojson", geojson=bowtie)
    assert refused.status_code == 422
    assert "Self-intersection" in refused.text
    assert _new(console, severity="Severe").status_code == 303
    alert = db.scalars(select(Alert).where(Alert.organization_id == org.id)).one()
    target = f"/console/alerts/{alert.public_id}/publish"
    page = console.get("/console/alerts").text
    refused = console.post(target, data=form_of(page, target))
    assert refused.status_code == 422
    db.refresh(alert)
    assert alert.status == "draft"

    # A colleague publishes it.
    colleague = make_user(db, roles=[(org, Role.editor)])
    db.flush()
    console.cookies.clear()
    log_in(console, colleague.email)
    page = console.get("/console/alerts").text
    assert console.post(target, data=form_of(page, target)).status_code == 303
    db.refresh(alert)
    assert alert.status == "published"


# --- the area: drawn on the map (the same fields), or uploaded as a file -----------------

_SQUARE = [[-77.9, 8.4], [-77.5, 8.4], [-77.5, 8.7], [-77.9, 8.7], [-77.9, 8.4]]


def _upload(console: TestClient, content: bytes, **fields: str) -> Any:
    """The new-alert form posted as the browser posts it (multipart), with a file."""
    page = console.get("/console/alerts/new").text
    values = {
        **form_of(page, "/console/alerts/new"),
        "area_kind": "geojson",
        "category": "health",
        "severity": "Moderate",
        "urgency": "Expected",
        "certainty": "Likely",
        "expires": _expires(),
        "original_language": "es",
        "title": "Brote en el albergue",
    }
    values.update(fields)
    return console.post(
        "/console/alerts/new",
        data=values,
        files={"area_file": ("zona.geojson", content, "application/geo+json")},
    )


def test_a_drawn_polygon_is_saved_as_its_area(console: TestClient, db: Session) -> None:
    _, org = staff(console, db, role=Role.editor)
    page = console.get("/console/alerts/new").text
    assert 'id="area-map"' in page and 'enctype="multipart/form-data"' in page
    drawn = orjson.dumps({"type": "Polygon", "coordinates": [_SQUARE]}).decode()
    assert _new(console, area_kind="geojson", geojson=drawn).status_code == 303
    alert = db.scalars(select(Alert).where(Alert.organization_id == org.id)).one()
    assert alert.area["type"] == "Polygon" and alert.countries == ["PA"]
    listing = console.get("/console/alerts").text
    assert "Zona: polígono · PA" in listing


def test_a_drawn_circle_is_saved_and_a_bad_one_is_named_next_to_the_map(
    console: TestClient, db: Session
) -> None:
    _, org = staff(console, db, role=Role.editor)
    too_big = _new(console, area_kind="circle", lat="8.43", lon="-76.78", radius_km="5000")
    assert too_big.status_code == 422
    assert 'id="e-area"' in too_big.text and "area" in too_big.text
    assert 'value="5000"' in too_big.text  # what was typed is kept
    assert (
        _new(console, area_kind="circle", lat="8.43", lon="-76.78", radius_km="12.5").status_code
        == 303
    )
    alert = db.scalars(select(Alert).where(Alert.organization_id == org.id)).one()
    assert alert.area == {"type": "Circle", "center": [-76.78, 8.43], "radius_m": 12500}
    assert "Zona: círculo de 12.5 km" in console.get("/console/alerts").text


def test_an_uploaded_geojson_file_is_the_area(console: TestClient, db: Session) -> None:
    _, org = staff(console, db, role=Role.editor)
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [_SQUARE]},
            }
        ],
    }
    # The file wins over the other area fields.
    response = _upload(console, orjson.dumps(feature), area_kind="countries", countries="MX")
    assert response.status_code == 303, response.text
    alert = db.scalars(select(Alert).where(Alert.organization_id == org.id)).one()
    assert alert.area["type"] == "Polygon" and alert.countries == ["PA"]


def test_a_bad_uploaded_file_is_refused_next_to_the_map(console: TestClient, db: Session) -> None:
    _, org = staff(console, db, role=Role.editor)
    bowtie = b'{"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}'
    refused = _upload(console, bowtie)
    assert refused.status_code == 422
    assert 'id="e-area"' in refused.text and "Self-intersection" in refused.text
    # The file's text is kept in the GeoJSON field, so nothing is lost.
    assert "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]" in refused.text

    deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    refused = _upload(console, deep)
    assert refused.status_code == 422 and "too deeply" in refused.text

    big = b'{"type": "Polygon", "coordinates": []}' + b" " * MAX_AREA_FILE_BYTES
    refused = _upload(console, big)
    assert refused.status_code == 422 and "larger than" in refused.text

    refused = _upload(console, b"not json")
    assert refused.status_code == 422 and 'id="e-area"' in refused.text
    assert db.scalars(select(Alert).where(Alert.organization_id == org.id)).first() is None


def test_the_list_tells_active_scheduled_and_ended_apart(console: TestClient, db: Session) -> None:
    _, org = staff(console, db, role=Role.editor)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert _new(console, title="Ahora").status_code == 303
    assert _new(console, title="Mañana", effective=later).status_code == 303
    assert _new(console, title="Cancelada").status_code == 303
    mine = list(db.scalars(select(Alert).where(Alert.organization_id == org.id)))
    for alert in mine:
        page = console.get("/console/alerts").text
        target = f"/console/alerts/{alert.public_id}/publish"
        assert console.post(target, data=form_of(page, target)).status_code == 303
    cancelled = next(a for a in mine if a.translations[0].title == "Cancelada")
    target = f"/console/alerts/{cancelled.public_id}/cancel"
    page = console.get("/console/alerts").text
    assert console.post(target, data=form_of(page, target)).status_code == 303
    page = console.get("/console/alerts").text

    def section(key: str) -> str:
        start = page.index(f'id="alerts-{key}"')
        end = page.find("<section", start)
        return page[start : end if end > 0 else len(page)]

    assert "Ahora" in section("active") and "Mañana" not in section("active")
    assert "Mañana" in section("scheduled") and "Ahora" not in section("scheduled")
    assert "Cancelada" in section("ended") and "cancelada</span>" in section("ended")
