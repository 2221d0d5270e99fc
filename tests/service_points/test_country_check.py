"""The staff write API checks a point's country with the same lookup as ``/v1/where`` and
imports: a shelter on a border river is entered in its own country; a point in another
country is a 422 naming ``lat``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import make_staff
from tests.factories import point_payload


@pytest.fixture
def editor(client: TestClient, db: Session) -> Any:
    return make_staff(db, client.app.state.settings, role=Role.editor)  # type: ignore[attr-defined]


# A few hundred metres from the river that is the border (Natural Earth's 1:50m line puts
# the first and the last in the neighbouring country).
RIVERBANKS = [
    ("Ciudad Hidalgo, on the Suchiate", 14.680, -92.150, "MX"),
    ("Tecún Umán, on the Suchiate", 14.680, -92.145, "GT"),
    ("Brownsville, on the Rio Grande", 25.899, -97.497, "US"),
]


@pytest.mark.parametrize(("place", "lat", "lon", "country"), RIVERBANKS)
def test_a_shelter_on_a_border_river_is_entered_in_its_country(
    client: TestClient, editor: Any, place: str, lat: float, lon: float, country: str
) -> None:
    body = point_payload(lat=lat, lon=lon, country=country, locality=place)
    response = client.post("/v1/points", json=body, headers=editor.headers)
    assert response.status_code == 201, response.text
    assert response.json()["country"] == country


def test_a_point_in_another_country_is_refused_naming_lat(client: TestClient, editor: Any) -> None:
    body = point_payload(lat=8.983, lon=-79.520, country="CO")  # Panama City
    response = client.post("/v1/points", json=body, headers=editor.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["name"] == "lat"
    assert "falls in PA, not in CO" in problem["errors"][0]["detail"]


def test_moving_a_point_across_a_border_is_checked(client: TestClient, editor: Any) -> None:
    created = client.post("/v1/points", json=point_payload(), headers=editor.headers)
    assert created.status_code == 201, created.text
    point = created.json()
    moved = client.patch(
        f"/v1/points/{point['id']}",
        json={"lat": 8.983, "lon": -79.520},
        headers={**editor.headers, "If-Match": point["etag"]},
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"][0]["name"] == "lat"
    both = client.patch(
        f"/v1/points/{point['id']}",
        json={"lat": 8.983, "lon": -79.520, "country": "PA"},
        headers={**editor.headers, "If-Match": point["etag"]},
    )
    assert both.status_code == 200, both.text
    assert both.json()["country"] == "PA"
