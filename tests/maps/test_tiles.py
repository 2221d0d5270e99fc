"""Vector tiles (``/v1/tiles/{z}/{x}/{y}.mvt``) and their TileJSON, decoded and checked."""

from __future__ import annotations

import math
import random

import mapbox_vector_tile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, add_points, scratch

EXTENT = 4096


def _tile_and_pixel(lat: float, lon: float, z: int) -> tuple[int, int, float, float]:
    """Independent reference: the XYZ tile of (lat, lon) and its position in it (pixels of
    the tile's 4096 extent, y down)."""
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (
        (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi)
        / 2
        * n
    )
    tx, ty = int(x), int(y)
    return tx, ty, (x - tx) * EXTENT, (y - ty) * EXTENT


def _decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def _get(client, z, x, y, **params):
    return client.get(f"/v1/tiles/{z}/{x}/{y}.mvt", params={"country": ISOLATED_COUNTRY, **params})


def test_points_in_the_right_place_with_names_in_the_language(client, connection):
    coords = [(-70.0 + i * 0.003, -60.0 + i * 0.004) for i in range(5)]
    with scratch(connection) as session:
        org = make_organization(session)
        ids = []
        for i, (lat, lon) in enumerate(coords):
            point = make_point(
                session,
                org,
                lat=lat,
                lon=lon,
                country=ISOLATED_COUNTRY,
                categories=["shelter"] if i % 2 else ["health_primary", "food"],
                free=i < 3,
                translations={"es": {"name": f"Punto {i}"}, "fr": {"name": f"Lieu {i}"}},
            )
            ids.append(point.public_id)
        session.commit()
        z = 12
        tx, ty, _, _ = _tile_and_pixel(*coords[0], z)
        french = _get(client, z, tx, ty, lang="fr")
        spanish = _get(client, z, tx, ty, lang="es")
        free = _get(client, z, tx, ty, free="true")
        shelters = _get(client, z, tx, ty, category="shelter")
    assert french.status_code == 200, french.text
    assert french.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert french.headers["content-language"] == "fr"
    layer = _decode(french.content)["points"]
    assert layer["extent"] == EXTENT
    found = {f["properties"]["id"]: f for f in layer["features"]}
    expected = {
        pid: (lat, lon)
        for pid, (lat, lon) in zip(ids, coords, strict=True)
        if _tile_and_pixel(lat, lon, z)[:2] == (tx, ty)
    }
    assert set(found) == set(expected) and expected
    for pid, (lat, lon) in expected.items():
        _, _, px, py = _tile_and_pixel(lat, lon, z)
        gx, gy = found[pid]["geometry"]["coordinates"]
        assert abs(gx - px) <= 1 and abs(gy - py) <= 1  # the tile's precision
        props = found[pid]["properties"]
        index = ids.index(pid)
        assert props["name"] == f"Lieu {index}" and props["lang"] == "fr"
        assert props["category"] == ("shelter" if index % 2 else "health_primary")
        assert props["status"] == "published"
        assert "open_now" not in props
    names = {f["properties"]["name"] for f in _decode(spanish.content)["points"]["features"]}
    assert names == {f"Punto {ids.index(pid)}" for pid in expected}
    free_ids = {f["properties"]["id"] for f in _decode(free.content)["points"]["features"]}
    assert free_ids == {pid for pid in expected if ids.index(pid) < 3}
    shelter_ids = {f["properties"]["id"] for f in _decode(shelters.content)["points"]["features"]}
    assert shelter_ids == {pid for pid in expected if ids.index(pid) % 2}


def test_crowded_tiles_are_clustered_with_exact_counts(client, connection):
    rng = random.Random(7)
    z = 5
    tx, ty, _, _ = _tile_and_pixel(-70, -60, z)
    west, east = tx / 2**z * 360 - 180, (tx + 1) / 2**z * 360 - 180
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / 2**z))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (ty + 1) / 2**z))))
    coords = [
        (rng.uniform(south + 0.01, north - 0.01), rng.uniform(west + 0.01, east - 0.01))
        for _ in range(400)
    ]
    # A tight group: many points in one cell.
    coords += [(south + 1 + i * 1e-4, west + 1 + i * 1e-4) for i in range(30)]
    with scratch(connection) as session:
        add_points(session, coords)
        response = _get(client, z, tx, ty)
        clusters = client.get(
            "/v1/points/clusters",
            params={
                "bbox": f"{west},{south},{east},{north}",
                "zoom": z,
                "country": ISOLATED_COUNTRY,
            },
        ).json()
    in_tile = [c for c in coords if _tile_and_pixel(*c, z)[:2] == (tx, ty)]
    assert len(in_tile) > 256
    layers = _decode(response.content)
    points = layers.get("points", {"features": []})["features"]  # no empty layers
    groups = layers["clusters"]["features"]
    assert len(points) + len(groups) <= 256
    assert len(points) + sum(f["properties"]["count"] for f in groups) == len(in_tile)
    for feature in groups:
        props = feature["properties"]
        inside = [
            c
            for c in in_tile
            if props["min_lat"] <= c[0] <= props["max_lat"]
            and props["min_lon"] <= c[1] <= props["max_lon"]
        ]
        assert len(inside) >= props["count"]
        x, y = feature["geometry"]["coordinates"]
        assert 0 <= x <= EXTENT and 0 <= y <= EXTENT
    # The same cells as the clusters endpoint.
    assert sorted(f["properties"]["count"] for f in groups) == sorted(
        c["count"] for c in clusters["clusters"]
    )
    assert max(f["properties"]["count"] for f in groups) >= 30


def test_versioned_urls_etags_and_tilejson(client, connection):
    with scratch(connection) as session:
        add_points(session, [(-70.0, -60.0)])
        doc = client.get("/v1/tiles.json", params={"country": ISOLATED_COUNTRY, "lang": "fr"})
        assert doc.status_code == 200
        body = doc.json()
        assert body["tilejson"] == "3.0.0" and body["scheme"] == "xyz"
        assert {layer["id"] for layer in body["vector_layers"]} == {"points", "clusters"}
        template = body["tiles"][0]
        assert "lang=fr" in template and f"country={ISOLATED_COUNTRY}" in template
        version = template.split("v=")[1].split("&")[0]
        tx, ty, _, _ = _tile_and_pixel(-70.0, -60.0, 8)
        first = _get(client, 8, tx, ty, v=version, lang="fr")
        assert "immutable" in first.headers["cache-control"]
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        again = _get(client, 8, tx, ty, v=version, lang="fr", **{})
        assert again.headers["etag"] == etag
        cached = client.get(
            f"/v1/tiles/8/{tx}/{ty}.mvt",
            params={"country": ISOLATED_COUNTRY, "v": version, "lang": "fr"},
            headers={"If-None-Match": etag},
        )
        assert cached.status_code == 304
        # Another language or filter is another tile; an old version gets a short lifetime.
        assert _get(client, 8, tx, ty, v=version, lang="es").headers["etag"] != etag
        assert _get(client, 8, tx, ty, v=version, free="false").headers["etag"] != etag
        assert "immutable" not in _get(client, 8, tx, ty, v="old").headers["cache-control"]
        # A change to the data changes the version and the ETag.
        add_points(session, [(-70.001, -60.001)])
        changed = _get(client, 8, tx, ty, v=version, lang="fr")
    assert changed.headers["etag"] != etag
    assert "immutable" not in changed.headers["cache-control"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/tiles/a/0/0.mvt", 422),
        ("/v1/tiles/23/0/0.mvt", 422),
        ("/v1/tiles/3/-1/0.mvt", 422),
        ("/v1/tiles/3/1.5/0.mvt", 422),
        ("/v1/tiles/3/8/0.mvt", 404),
        ("/v1/tiles/3/0/8.mvt", 404),
        ("/v1/tiles/0/1/0.mvt", 404),
        ("/v1/tiles/0/0/0.mvt?category=nope", 422),
    ],
)
def test_bad_tile_coordinates(client, path, status):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    z=st.integers(4, 11),
    spread=st.floats(0.05, 1.0),
    count=st.integers(1, 320),
    free=st.sampled_from([None, True, False]),
    category=st.sampled_from([None, "shelter", "health"]),
    seed=st.integers(0, 1000),
)
def test_tile_counts_match_a_brute_force(
    client, connection, z, spread, count, free, category, seed
):
    # Filters the grid index answers (country, free) and those the database answers
    # (a category: a parent includes its children).
    rng = random.Random(seed)
    centre = (-70.3, -60.4)
    tx, ty, _, _ = _tile_and_pixel(*centre, z)
    rows = [
        (
            round(centre[0] + rng.uniform(-spread, spread), 6),
            round(centre[1] + rng.uniform(-spread, spread), 6),
            rng.random() < 0.5,
            rng.choice([["shelter"], ["health_primary"], ["food", "shelter"]]),
        )
        for _ in range(count)
    ]
    params: dict = {}
    if free is not None:
        params["free"] = str(free).lower()
    if category is not None:
        params["category"] = category
    with scratch(connection) as session:
        org = make_organization(session)
        for lat, lon, is_free, categories in rows:
            make_point(
                session,
                org,
                lat=lat,
                lon=lon,
                country=ISOLATED_COUNTRY,
                free=is_free,
                categories=categories,
            )
        session.commit()
        response = _get(client, z, tx, ty, **params)
    assert response.status_code == 200, response.text

    def wanted(is_free: bool, categories: list[str]) -> bool:
        if free is not None and is_free != free:
            return False
        if category == "shelter":
            return "shelter" in categories
        if category == "health":
            return "health_primary" in categories
        return True

    expected = [
        (lat, lon)
        for lat, lon, is_free, categories in rows
        if wanted(is_free, categories) and _tile_and_pixel(lat, lon, z)[:2] == (tx, ty)
    ]
    layers = _decode(response.content) if response.content else {}
    points = layers.get("points", {"features": []})["features"]
    clusters = layers.get("clusters", {"features": []})["features"]
    assert len(points) + sum(f["properties"]["count"] for f in clusters) == len(expected)
    assert len(points) + len(clusters) <= 256
    pixels = [_tile_and_pixel(lat, lon, z)[2:] for lat, lon in expected]
    for feature in points:
        x, y = feature["geometry"]["coordinates"]
        assert min(abs(x - px) + abs(y - py) for px, py in pixels) <= 2
