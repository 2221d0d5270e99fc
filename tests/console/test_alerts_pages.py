"""Alerts in the console: a draft from the form, a translation, publishing (two-person
rule for severe alerts), cancelling, and the list by state."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.alerts.models import Alert
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
