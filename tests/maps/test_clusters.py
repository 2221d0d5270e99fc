"""Grid clusters (``/v1/points/clusters``): exact counts, filters, languages, GeoJSON."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, add_points, scratch


def _cell(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """Independent reference: the 64-px cell of a 256-px web-mercator tile grid."""
    n = 2**zoom * 4
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y)


def _inside(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    west, south, east, north = box
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    # Coordinates of six decimals (as data has them): a point within a rounding error of a
    # cell edge may fall either side of it.
    centre=st.tuples(st.floats(-60, 60), st.floats(-180, 180)),
    spread=st.floats(0.01, 3),
    offsets=st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=1, max_size=40),
    zoom=st.integers(3, 9),
)
# Points on a cell's western edge (lon -168.75 at zoom 3) and on the equator (a row edge).
@example(centre=(0.0, -168.75), spread=1.0, offsets=[(0, 0), (-0.001, 0), (0, 0.5)], zoom=3)
def test_counts_are_exact(client, connection, centre, spread, offsets, zoom):
    lat0, lon0 = centre
    # Coordinates of six decimals (as data has them): a point within a rounding error of a
    # cell edge may fall either side of it.
    coords = [
        (round(lat0 + dy * spread, 6), round((lon0 + dx * spread + 540) % 360 - 180, 6))
        for dx, dy in offsets
    ]
    west = (lon0 - spread * 0.6 + 540) % 360 - 180
    east = (lon0 + spread * 0.6 + 540) % 360 - 180
    box = (west, lat0 - spread * 0.6, east, lat0 + spread * 0.6)
    with scratch(connection) as session:
        ids = add_points(session, coords)
        response = client.get(
            "/v1/points/clusters",
            params={
                "bbox": ",".join(repr(v) for v in box),
                "zoom": zoom,
                "country": ISOLATED_COUNTRY,
            },
        )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = {
        pid: (lat, lon)
        for pid, (lat, lon) in zip(ids, coords, strict=True)
        if _inside(box, lat, lon)
    }
    assert body["total"] == len(expected)
    assert sum(c["count"] for c in body["clusters"]) + len(body["points"]) == len(expected)
    # Lone points are alone in their cell; clusters hold the points of one cell each.
    cells: dict[tuple[int, int], int] = {}
    for lat, lon in expected.values():
        key = _cell(lat, lon, zoom)
        cells[key] = cells.get(key, 0) + 1
    assert sorted(c["count"] for c in body["clusters"]) == sorted(
        n for n in cells.values() if n > 1
    )
    for item in body["points"]:
        assert item["id"] in expected
        assert cells[_cell(*expected[item["id"]], zoom)] == 1
    for cluster in body["clusters"]:
        min_lon, min_lat, max_lon, max_lat = cluster["bounds"]
        assert _cell(min_lat, min_lon, zoom)[0] == _cell(max_lat, max_lon, zoom)[0]
        assert min_lat <= cluster["location"]["lat"] <= max_lat
        assert sum(cluster["categories"].values()) == cluster["count"]


def test_filters_languages_and_geojson(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        for i in range(6):
            make_point(
                session,
                org,
                lat=-70 + i * 0.001,
                lon=-60 + i * 0.001,
                country=ISOLATED_COUNTRY,
                categories=["shelter"] if i < 4 else ["health_primary"],
                free=i % 2 == 0,
                translations={"es": {"name": f"Punto {i}"}, "en": {"name": f"Point {i}"}},
            )
        lone = make_point(
            session,
            org,
            lat=-69.5,
            lon=-59.5,
            country=ISOLATED_COUNTRY,
            categories=["legal_aid"],
            translations={"es": {"name": "Solo"}, "fr": {"name": "Seul"}},
        )
        session.commit()
        lone_id = lone.public_id
        base = {"bbox": "-61,-71,-59,-69", "zoom": 6, "country": ISOLATED_COUNTRY}
        everything = client.get("/v1/points/clusters", params=base).json()
        shelters = client.get("/v1/points/clusters", params={**base, "category": "shelter"}).json()
        free = client.get("/v1/points/clusters", params={**base, "free": "true"}).json()
        french = client.get("/v1/points/clusters", params=base, headers={"Accept-Language": "fr"})
        geo = client.get(
            "/v1/points/clusters", params=base, headers={"Accept": "application/geo+json"}
        )
    assert everything["total"] == 7
    [cluster] = everything["clusters"]
    assert cluster["count"] == 6
    assert cluster["categories"] == {"health": 2, "shelter": 4}
    assert [p["id"] for p in everything["points"]] == [lone_id]
    assert shelters["total"] == 4 and shelters["clusters"][0]["count"] == 4
    assert free["total"] == 4  # points 0, 2, 4 and the lone one (free by default)
    assert french.headers["content-language"] == "fr"
    assert french.json()["points"][0]["name"] == "Seul"
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert [f["properties"]["cluster"] for f in features] == [True, False]
    assert features[0]["properties"]["count"] == 6 and features[1]["id"] == lone_id


def test_across_the_antimeridian(client, connection):
    with scratch(connection) as session:
        add_points(session, [(-70, 179.9), (-70, -179.9), (-70, 170)])
        body = client.get(
            "/v1/points/clusters",
            params={"bbox": "179,-71,-179,-69", "zoom": 2, "country": ISOLATED_COUNTRY},
        ).json()
    assert body["total"] == 2
    # Either side of the antimeridian is a different cell: two lone points.
    assert len(body["points"]) == 2 and body["clusters"] == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"bbox": "-61,-71,-59,-69", "zoom": 23}, "zoom"),
        ({"bbox": "-61,-71,-59,-69", "zoom": -1}, "zoom"),
        ({"bbox": "-61,-71,-59", "zoom": 3}, "bbox"),
        ({"bbox": "-180,-80,180,80", "zoom": 10}, "zoom"),  # too many cells
        ({"zoom": 3}, "bbox"),
        ({"bbox": "-61,-71,-59,-69"}, "zoom"),
        ({"bbox": "-61,-71,-59,-69", "zoom": 3, "category": "nope"}, "category"),
        ({"bbox": "-61,-71,-59,-69", "zoom": 3, "country": "XX1"}, "country"),
    ],
)
def test_bad_parameters_are_422(client, params, name):
    response = client.get("/v1/points/clusters", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json().get("errors", [])
    assert name in {e.get("name") for e in errors} or name in response.text


def test_tall_viewports_count_the_same(client, connection):
    # A tall, narrow box spans more cell rows than the database aggregates (128): the
    # points are then counted one by one, with the same cells.
    coords = [(-75 + i * 0.3, -60.0 + (i % 3) * 0.001) for i in range(50)]
    with scratch(connection) as session:
        add_points(session, coords)
        params = {"zoom": 10, "country": ISOLATED_COUNTRY}
        tall = client.get(
            "/v1/points/clusters", params={**params, "bbox": "-60.01,-76,-59.99,-60"}
        ).json()
        short = [
            client.get(
                "/v1/points/clusters",
                params={**params, "bbox": f"-60.01,{south},-59.99,{north}"},
            ).json()
            for south, north in itertools.pairwise(
                [-76, -74.05, -71.95, -70.05, -67.95, -66.05, -63.95, -60]
            )
        ]
    # (The short boxes span at most 128 rows each: aggregated by the database.)
    assert tall["total"] == 50 == sum(body["total"] for body in short)
    counts = sorted(c["count"] for c in tall["clusters"]) + [1] * len(tall["points"])
    assert sorted(counts) == sorted(
        [c["count"] for body in short for c in body["clusters"]]
        + [1 for body in short for _ in body["points"]]
    )
