"""GeoJSON output and opening hours evaluated in each point's own time zone."""

from __future__ import annotations

import pytest

from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, scratch


def test_geojson_feature_collection(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        point = make_point(session, org, lat=-70.5, lon=30.25, country=ISOLATED_COUNTRY)
        session.commit()
        response = client.get(
            "/v1/points",
            params={"country": ISOLATED_COUNTRY, "lang": "en"},
            headers={"Accept": "application/geo+json"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["numberReturned"] == 1
        feature = body["features"][0]
        assert feature["type"] == "Feature" and feature["id"] == point.public_id
        # RFC 7946: longitude first.
        assert feature["geometry"] == {"type": "Point", "coordinates": [30.25, -70.5]}
        assert feature["properties"]["name"] == "Test shelter"
        single = client.get(
            f"/v1/points/{point.public_id}", headers={"Accept": "application/geo+json"}
        )
        assert single.json()["geometry"]["coordinates"] == [30.25, -70.5]


TIJUANA = (32.5149, -117.0382)  # follows US daylight saving time
BOGOTA = (4.6097, -74.0817)


@pytest.fixture
def timed_points(connection):
    with scratch(connection) as session:
        org = make_organization(session)
        office = make_point(
            session,
            org,
            lat=TIJUANA[0],
            lon=TIJUANA[1],
            country="MX",
            opening_hours="Mo-Fr 09:00-17:00",
            locality="TIJUANA-TEST",
        )
        night = make_point(
            session,
            org,
            lat=BOGOTA[0],
            lon=BOGOTA[1],
            country="CO",
            opening_hours="Mo-Su 22:00-06:00",
            locality="BOGOTA-TEST",
        )
        session.commit()
        assert office.timezone == "America/Tijuana" and night.timezone == "America/Bogota"
        yield office.public_id, night.public_id


@pytest.mark.parametrize(
    ("at", "office_open"),
    [
        # Friday 6 March 2026: still PST (UTC-8): 16:30Z is 08:30 local, closed.
        ("2026-03-06T16:30:00Z", False),
        # Monday 9 March 2026: PDT (UTC-7) since Sunday: 16:30Z is 09:30 local, open.
        ("2026-03-09T16:30:00Z", True),
        # Back to PST (UTC-8) on 1 November: 3 Nov 00:30Z is Monday 16:30 local (open),
        # 01:30Z is 17:30 (closed); with a wrong UTC-7 offset both would be closed.
        ("2026-11-03T00:30:00Z", True),
        ("2026-11-03T01:30:00Z", False),
    ],
)
def test_open_now_across_dst(client, timed_points, at, office_open):
    office, _ = timed_points
    params = {
        "near": f"{TIJUANA[0]},{TIJUANA[1]}",
        "radius": 1000,
        "open_now": "true",
        "at": at,
        "q": "tijuana-test",
    }
    ids = [i["id"] for i in client.get("/v1/points", params=params).json()["items"]]
    assert (office in ids) is office_open


@pytest.mark.parametrize(
    ("at", "night_open"),
    [
        ("2026-03-10T03:30:00Z", True),  # 22:30 Bogotá (UTC-5)
        ("2026-03-10T10:30:00Z", True),  # 05:30 the next morning
        ("2026-03-10T11:30:00Z", False),  # 06:30
        ("2026-03-10T02:30:00Z", False),  # 21:30
    ],
)
def test_open_now_across_midnight(client, timed_points, at, night_open):
    _, night = timed_points
    params = {
        "near": f"{BOGOTA[0]},{BOGOTA[1]}",
        "radius": 1000,
        "open_now": "true",
        "at": at,
        "q": "bogota-test",
    }
    ids = [i["id"] for i in client.get("/v1/points", params=params).json()["items"]]
    assert (night in ids) is night_open
