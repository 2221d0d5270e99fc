"""The point editor's location precision: staff choose it; other organisations see nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.service_points.models import ServicePoint
from app.service_points.precision import snap_to_grid
from tests.console.helpers import csrf_of, form_of, point_form, post_form, staff
from tests.factories import make_organization, make_point


def _point(db: Session, public_id: str) -> ServicePoint:
    db.expire_all()
    return db.scalars(select(ServicePoint).where(ServicePoint.public_id == public_id)).one()


def test_staff_create_a_hidden_point_and_make_it_approximate(console: TestClient, db: Session):
    staff(console, db)
    page = console.get("/console/points/new")
    assert 'name="location_precision"' in page.text
    data = {"csrf_token": csrf_of(page.text), **point_form(location_precision="hidden")}
    created = console.post("/console/points/new", data=data)
    assert created.status_code == 303, created.text
    point_id = re.search(r"/console/points/([0-9a-f-]{36})", created.headers["location"])
    assert point_id
    public_id = point_id.group(1)
    point = _point(db, public_id)
    assert point.location_precision == "hidden"
    assert (point.public_lat, point.public_lon) == (None, None)
    # The editor shows the exact place to its own staff, and the choice made.
    editor = console.get(f"/console/points/{public_id}")
    fields = form_of(editor.text, f"/console/points/{public_id}")
    assert fields["location_precision"] == "hidden"
    assert (fields["lat"], fields["lon"]) == ("8.5126", "-76.7821")
    saved = post_form(
        console,
        f"/console/points/{public_id}",
        f"/console/points/{public_id}",
        location_precision="approximate",
    )
    assert saved.status_code == 303, saved.text
    point = _point(db, public_id)
    assert point.location_precision == "approximate"
    assert (point.public_lat, point.public_lon) == snap_to_grid(8.5126, -76.7821)
    assert (point.lat, point.lon) == (8.5126, -76.7821)


def test_staff_of_another_organisation_cannot_open_the_point(console: TestClient, db: Session):
    owner = make_organization(db)
    point = make_point(db, owner, location_precision="hidden")
    db.commit()
    staff(console, db)  # an editor of another organisation
    page = console.get(f"/console/points/{point.public_id}")
    assert page.status_code == 404
    assert "8.5126" not in page.text and "76.7821" not in page.text
    listing = console.get("/console/points")
    assert point.public_id not in listing.text
