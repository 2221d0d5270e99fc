"""The fast public read path: cached renderings (full and summary) never go stale, items
are exactly the published ``ServicePointRead`` shape with no false precision, and viewports
page from their centre outwards."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from app.public_points.schemas import PointPage, ServicePointRead
from app.service_points import writing
from app.service_points.inputs import TranslationInput
from app.service_points.models import PointStatus, ServicePoint
from tests.factories import make_organization, make_point
from tests.service_points.helpers import (
    ISOLATED_COUNTRY,
    destination,
    reference_distance_m,
    scratch,
)


def _search(client: Any, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/points", params={"country": ISOLATED_COUNTRY, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_write_is_seen_by_the_next_read(client, connection):
    with scratch(connection) as session:
        org = make_organization(session, name="Before")
        point = make_point(session, org, lat=-71.0, lon=10.0, country=ISOLATED_COUNTRY)
        session.commit()
        first = _search(client, lang="es")["items"][0]
        assert first["name"] == "Albergue de prueba"
        assert first["organization"]["name"] == "Before"
        # Texts (the version bumps) and the organisation (its update time) both change.
        stored = session.get(ServicePoint, point.id)
        assert stored is not None
        writing.put_translation(session, stored, "es", TranslationInput(name="Albergue nuevo"))
        org.name = "After"
        session.commit()
        for body in (
            _search(client, lang="es"),
            client.get(f"/v1/points/{point.public_id}").json(),
        ):
            item = body["items"][0] if "items" in body else body
            assert item["name"] == "Albergue nuevo"
            assert item["organization"]["name"] == "After"


def test_a_write_is_seen_by_the_next_summary(client, connection):
    """The summary is cached apart from the full shape: every write reaches it too."""
    geojson = {"Accept": "application/geo+json"}

    def summaries() -> list[dict[str, Any]]:
        listed = _search(client, lang="es", view="summary")["items"]
        features = client.get(
            "/v1/points",
            params={"country": ISOLATED_COUNTRY, "lang": "es", "view": "summary"},
            headers=geojson,
        ).json()["features"]
        return [*listed, *({"id": f["id"], **f["properties"]} for f in features)]

    with scratch(connection) as session:
        org = make_organization(session)
        point = make_point(session, org, lat=-71.0, lon=10.0, country=ISOLATED_COUNTRY)
        session.commit()
        for item in summaries():
            assert item["name"] == "Albergue de prueba"
            assert item["status"] == "published" and item["verification"] == {"stale": True}
        stored = session.get(ServicePoint, point.id)
        assert stored is not None
        writing.put_translation(session, stored, "es", TranslationInput(name="Albergue nuevo"))
        session.commit()
        assert {item["name"] for item in summaries()} == {"Albergue nuevo"}
        writing.set_status(session, stored, PointStatus.temporarily_closed)
        session.commit()
        for item in summaries():
            assert item["status"] == "temporarily_closed" and item["open_now"] is False
        writing.set_status(session, stored, PointStatus.published)
        writing.verify(session, stored, organization_id=org.id)
        session.commit()
        for item in summaries():
            assert item["status"] == "published" and item["open_now"] is True
            assert item["verification"] == {"stale": False}


def test_numbers_carry_no_false_precision(client, connection):
    """Coordinates to 6 decimals (about 10 cm), distances in whole metres, times in whole
    seconds: digits that mean nothing cost bytes that do not compress."""
    with scratch(connection) as session:
        org = make_organization(session)
        point = make_point(
            session, org, lat=-71.123456789, lon=10.987654321, country=ISOLATED_COUNTRY
        )
        stored = session.get(ServicePoint, point.id)
        assert stored is not None
        writing.verify(session, stored, organization_id=org.id)
        session.commit()
        near = "-71.12,10.98"
        for view in ("full", "summary"):
            item = _search(client, near=near, view=view)["items"][0]
            assert item["location"] == {"lat": -71.123457, "lon": 10.987654}
            expected = reference_distance_m(-71.12, 10.98, -71.123456789, 10.987654321)
            assert isinstance(item["distance_m"], int)
            assert abs(item["distance_m"] - expected) <= 0.5 + 1e-6
        detail = client.get(f"/v1/points/{point.public_id}").json()
        for stamp in (detail["updated_at"], detail["verification"]["last_verified_at"]):
            parsed = dt.datetime.fromisoformat(stamp)
            assert stamp.endswith("Z") and parsed.microsecond == 0
        feature = client.get(
            "/v1/points",
            params={"country": ISOLATED_COUNTRY, "near": near},
            headers={"Accept": "application/geo+json"},
        ).json()["features"][0]
        assert feature["geometry"]["coordinates"] == [10.987654, -71.123457]


def test_items_are_the_published_shape(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        make_point(
            session,
            org,
            lat=-71.0,
            lon=10.0,
            country=ISOLATED_COUNTRY,
            phones=["+50761234567"],
            audiences=["women"],
            spoken_languages=["es", "ht"],
        )
        make_point(
            session,
            org,
            lat=-71.01,
            lon=10.0,
            country=ISOLATED_COUNTRY,
            status="temporarily_closed",
        )
        session.commit()
        body = _search(client, near="-71,10", lang="fr")
        assert len(body["items"]) == 2
        page = PointPage.model_validate(body)
        assert page.model_dump(mode="json", exclude_none=True) == body
        for item in body["items"]:
            assert (
                ServicePointRead.model_validate(item).model_dump(mode="json", exclude_none=True)
                == item
            )


def test_viewport_pages_from_its_centre_outwards(client, connection):
    centre = (-70.0, 20.0)
    with scratch(connection) as session:
        org = make_organization(session)
        coords = [
            destination(*centre, bearing, km * 1000)
            for km in range(1, 9)
            for bearing in (0, 90, 200)
        ]
        stored: dict[str, tuple[float, float]] = {}
        for lat, lon in coords:
            point = make_point(session, org, lat=lat, lon=lon, country=ISOLATED_COUNTRY)
            stored[point.public_id] = (lat, lon)
        make_point(session, org, lat=-69.0, lon=20.0, country=ISOLATED_COUNTRY)  # outside
        session.commit()
        box = "19.5,-70.2,20.5,-69.8"
        seen: list[dict[str, Any]] = []
        params: dict[str, Any] = {"bbox": box, "limit": 5}
        while True:
            body = _search(client, **params)
            seen.extend(body["items"])
            if "next_cursor" not in body:
                break
            params = {"bbox": box, "limit": 5, "cursor": body["next_cursor"]}
        assert len(seen) == len(coords) == len({item["id"] for item in seen})
        assert all("distance_m" not in item for item in seen)
        # Ranked by the stored position (the API shows it to 6 decimals).
        distances = [reference_distance_m(*centre, *stored[item["id"]]) for item in seen]
        assert all(b >= a - 1e-6 for a, b in itertools.pairwise(distances))


def test_open_now_lists_only_what_it_shows_as_open(client, connection):
    """``open_now=true`` keeps the points whose items say ``"open_now": true``: a point
    temporarily closed is not open, whatever its hours say (stored documents' hot path and
    the rendering path, which GeoJSON takes)."""
    geojson = {"Accept": "application/geo+json"}

    def open_ids() -> tuple[set[str], set[str]]:
        listed = _search(client, lang="es", open_now="true")["items"]
        features = client.get(
            "/v1/points",
            params={"country": ISOLATED_COUNTRY, "lang": "es", "open_now": "true"},
            headers=geojson,
        ).json()["features"]
        assert all(item["open_now"] is True for item in listed)
        return {item["id"] for item in listed}, {f["id"] for f in features}

    with scratch(connection) as session:
        org = make_organization(session)
        point = make_point(session, org, lat=-71.0, lon=10.0, country=ISOLATED_COUNTRY)
        session.commit()
        assert open_ids() == ({point.public_id}, {point.public_id})
        stored = session.get(ServicePoint, point.id)
        assert stored is not None
        writing.set_status(session, stored, PointStatus.temporarily_closed)
        session.commit()
        assert open_ids() == (set(), set())
