"""``view=summary``: the list shape for phones. Its fields exactly, the same points in the
same order as the full view in every mode, GeoJSON, cursors, 304s, compression, language
fallback, safety warnings, and the cache shared with the full view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import brotli
import orjson
import pytest

from app.i18n.negotiation import negotiate
from app.public_points.rendering import RenderCache, finish
from app.service_points import records, repository
from tests.factories import make_organization, make_point
from tests.feedback.helpers import accepted, client_at
from tests.service_points.helpers import ISOLATED_COUNTRY, all_pages, destination, scratch

CENTRE = (-71.0, 10.0)
# Always there, whatever the point and the query.
ALWAYS = {
    "id",
    "name",
    "lang",
    "lang_fallback",
    "location",
    "location_precision",
    "categories",
    "status",
    "verification",
}
# Every field the summary can have: the same names as the full shape.
SUMMARY = ALWAYS | {"distance_m", "distance_range_m", "open_now", "warnings"}


def projected(full: dict[str, Any]) -> dict[str, Any]:
    """What the summary of a full item must be: its summary fields, ``verification``
    reduced to ``stale``."""
    out = {key: value for key, value in full.items() if key in SUMMARY}
    out["verification"] = {"stale": full["verification"]["stale"]}
    return out


def _page(client: Any, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/points", params={"country": ISOLATED_COUNTRY, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def town(connection):
    """Seven points around CENTRE with varied hours, categories, audiences and texts."""
    with scratch(connection) as session:
        org = make_organization(session)
        ids = []
        for n, (bearing, km) in enumerate(
            [(0, 0.2), (90, 0.5), (180, 0.9), (270, 1.4), (45, 2.0), (135, 2.6), (225, 3.1)]
        ):
            lat, lon = destination(*CENTRE, bearing, km * 1000)
            point = make_point(
                session,
                org,
                lat=lat,
                lon=lon,
                country=ISOLATED_COUNTRY,
                categories=["shelter"] if n % 2 else ["health", "food"],
                audiences=["women"] if n % 3 == 0 else [],
                spoken_languages=["es", "ht"] if n % 2 else ["es"],
                opening_hours=None if n == 4 else ("24/7" if n % 2 else "Mo-Fr 08:00-09:00"),
                free=n % 2 == 1,
                phones=["+50761234567"],
                status="temporarily_closed" if n == 5 else "published",
                translations={
                    "es": {
                        "name": f"Albergue Zorzal {n}",
                        "description": "Camas, comida y duchas",
                        "address": f"Calle {n}",
                    },
                    "fr": {"name": f"Abri Zorzal {n}"},
                },
            )
            ids.append(point.public_id)
        session.commit()
        yield ids


MODES = {
    "near": {"near": f"{CENTRE[0]},{CENTRE[1]}", "radius": 5000},
    "bbox": {"bbox": f"{CENTRE[1] - 0.1},{CENTRE[0] - 0.05},{CENTRE[1] + 0.1},{CENTRE[0] + 0.05}"},
    "q": {"q": "zorzal"},
    "filters": {"category": "shelter", "free": "true", "spoken_language": "ht"},
    "open_now": {"near": f"{CENTRE[0]},{CENTRE[1]}", "open_now": "true"},
    "all": {},
}


@pytest.mark.parametrize("mode", list(MODES))
def test_summary_is_the_full_items_projected(client, town, mode):
    params = {**MODES[mode], "lang": "fr"}
    full = _page(client, **params)
    summary = _page(client, **params, view="summary")
    assert full["items"], "the mode found nothing"
    assert summary["lang"] == full["lang"] == "fr"
    assert summary["items"] == [projected(item) for item in full["items"]]
    for item in summary["items"]:
        assert ALWAYS <= set(item) <= SUMMARY
        assert ("distance_m" in item) is (mode in ("near", "open_now"))


def test_summary_fields_exactly(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        lat, lon = destination(*CENTRE, 30, 412.6)
        point = make_point(
            session,
            org,
            lat=lat,
            lon=lon,
            country=ISOLATED_COUNTRY,
            categories=["shelter", "food"],
            opening_hours="24/7",
            translations={"es": {"name": "Refugio", "description": "Camas"}},
        )
        make_point(
            session,
            org,
            lat=CENTRE[0],
            lon=CENTRE[1] + 0.02,  # about 730 m east
            country=ISOLATED_COUNTRY,
            opening_hours=None,
        )
        session.commit()
        body = _page(client, near=f"{CENTRE[0]},{CENTRE[1]}", view="summary", lang="es")
        assert set(body) == {"items", "lang"}
        first, second = body["items"]
        assert first == {
            "id": point.public_id,
            "name": "Refugio",
            "lang": "es",
            "lang_fallback": False,
            "location": {"lat": round(lat, 6), "lon": round(lon, 6)},
            "location_precision": "exact",
            "categories": ["shelter", "food"],
            "status": "published",
            "distance_m": 413,
            "open_now": True,
            "verification": {"stale": True},
        }
        # Unknown hours: no open_now (never a guess), like the full shape.
        assert set(second) == ALWAYS | {"distance_m"}


def test_closure_reports_show_in_the_summary(app, client, db):
    point = make_point(db, make_organization(db), lat=-72.5, lon=12.0, country=ISOLATED_COUNTRY)
    db.flush()
    for _ in range(3):  # settings.feedback_signal_threshold, from three travellers
        accepted(
            client_at(app).post(
                f"/v1/points/{point.public_id}/feedback", json={"tags": ["closed_now"]}
            )
        )
    for accept in ("application/json", "application/geo+json"):
        response = client.get(
            "/v1/points",
            params={"near": "-72.5,12", "view": "summary"},
            headers={"Accept": accept},
        )
        body = response.json()
        item = body["items"][0] if "items" in body else body["features"][0]["properties"]
        assert item["warnings"] == ["reported_closed"]


def test_language_fallback_is_still_said(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        make_point(
            session,
            org,
            lat=CENTRE[0],
            lon=CENTRE[1],
            country=ISOLATED_COUNTRY,
            original_language="es",
            translations={"es": {"name": "Refugio"}, "fr": {"name": "Abri"}},
        )
        session.commit()

        def one(**params: Any) -> tuple[dict[str, Any], str, str]:
            response = client.get(
                "/v1/points",
                params={"country": ISOLATED_COUNTRY, "view": "summary", **params},
            )
            assert response.status_code == 200, response.text
            body = response.json()
            return body["items"][0], body["lang"], response.headers["content-language"]

        item, page_lang, header = one(lang="fr")
        assert (item["name"], item["lang"], item["lang_fallback"]) == ("Abri", "fr", False)
        assert page_lang == header == "fr"
        # Haitian Creole falls back to French, and says so.
        item, _, _ = one(lang="ht")
        assert (item["name"], item["lang"], item["lang_fallback"]) == ("Abri", "fr", True)
        # No English text: the original language, flagged as a fallback.
        item, page_lang, header = one(lang="en")
        assert (item["name"], item["lang"], item["lang_fallback"]) == ("Refugio", "es", True)
        assert page_lang == header


def test_pages_with_cursors_in_both_views(client, town):
    params = {**MODES["near"], "country": ISOLATED_COUNTRY, "limit": 2}
    full = all_pages(client, params)
    summary = all_pages(client, {**params, "view": "summary"})
    assert len(summary) == len(town) == len({item["id"] for item in summary})
    assert summary == [projected(item) for item in full]
    # A cursor stays valid when the client switches views (same points, same order).
    first = _page(client, **MODES["near"], limit=2, view="summary")
    rest = _page(client, **MODES["near"], limit=5, cursor=first["next_cursor"])
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in full]


def test_geojson_summary_pages_follow_their_next_links(client, town):
    params = {**MODES["bbox"], "country": ISOLATED_COUNTRY, "lang": "fr"}
    expected = all_pages(client, {**params, "limit": 3, "view": "summary"})
    features: list[dict[str, Any]] = []
    url: str | None = "/v1/points"
    query: dict[str, Any] | None = {**params, "limit": 3, "view": "summary"}
    while url:
        response = client.get(url, params=query, headers={"Accept": "application/geo+json"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["lang"] == "fr"
        assert body["numberReturned"] == len(body["features"]) <= 3
        features.extend(body["features"])
        # The next link keeps the query (the view, the filters), with the new cursor.
        url = body["links"][0]["href"] if body["links"] else None
        query = None
    assert len(features) == len(expected) == len(town)
    for feature, item in zip(features, expected, strict=True):
        assert feature["id"] == item["id"]
        location = item["location"]
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [location["lon"], location["lat"]],
        }
        assert feature["properties"] == {
            k: v for k, v in item.items() if k not in ("id", "location")
        }


def test_etag_304_and_compression(client, town):
    params = {**MODES["near"], "country": ISOLATED_COUNTRY, "view": "summary"}
    plain = client.get("/v1/points", params=params, headers={"Accept-Encoding": "identity"})
    packed = client.get("/v1/points", params=params, headers={"Accept-Encoding": "br"})
    assert packed.headers["content-encoding"] == "br"
    assert packed.content == plain.content  # httpx decodes brotli
    assert int(packed.headers["content-length"]) < len(plain.content)
    again = client.get(
        "/v1/points",
        params=params,
        headers={"Accept-Encoding": "br", "If-None-Match": packed.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == packed.headers["etag"]
    # The full view is another representation, with its own validator.
    full = client.get(
        "/v1/points",
        params={**params, "view": "full"},
        headers={"If-None-Match": packed.headers["etag"]},
    )
    assert full.status_code == 200 and full.headers["etag"] != plain.headers["etag"]
    assert len(brotli.compress(plain.content)) < len(brotli.compress(full.content))


@pytest.mark.parametrize("bad", ["compact", "SUMMARY", "", "summary,full"])
def test_unknown_view_is_a_422_naming_view(client, bad):
    response = client.get("/v1/points", params={"view": bad})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["name"] for e in response.json()["errors"]] == ["view"]


def test_summary_and_full_renderings_share_the_cached_record(client, town, db):
    """Data layer: after a full rendering, the summary is made from the cached record (no
    second load), cached under its own key, and says what the full shape says."""
    point_id = repository.id_by_public_id(db, town[0])
    assert point_id is not None
    row = records.load_rows(db, [point_id])[point_id]
    record = records.load_records(db, [point_id])[point_id]
    pref = negotiate(lang="fr", accept_language=None, default="es", supported=["es", "en", "fr"])
    cache = RenderCache()
    full = cache.put(row.stamp, record, pref, "full")
    summary = cache.get(row.stamp, pref, "summary")
    assert summary is not None and summary is not full
    assert cache.get(row.stamp, pref, "summary") is summary
    assert cache.get(row.stamp, pref, "full") is full
    now = dt.datetime.now(dt.UTC)
    kwargs: dict[str, Any] = {
        "distance_m": 200.4,
        "at": now,
        "now": now,
        "stale_after": dt.timedelta(days=180),
        "warnings": ["reported_closed"],
    }
    full_item = orjson.loads(finish(full, **kwargs))
    summary_item = orjson.loads(finish(summary, **kwargs))
    assert summary_item == projected(full_item)
    assert summary_item["distance_m"] == 200 and summary_item["warnings"] == ["reported_closed"]
