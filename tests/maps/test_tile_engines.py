"""Tiles on both engines: PostGIS's encoder (``ST_AsMVT``) and the maintained one
(``mapbox-vector-tile``) give the same features; tiles honour location precision; the grid
index counts exactly what the database holds."""

from __future__ import annotations

import datetime as dt
import math
import random

import mapbox_vector_tile
import pytest
from sqlalchemy import select

from app.geo.tilegrid import TileId
from app.i18n.negotiation import negotiate
from app.maps.filters import MapFilters
from app.maps.refresh import PointGrid
from app.maps.tiles import encode, encode_postgis, tile_features
from app.public_points.rendering import RenderCache
from app.service_points.models import ServicePoint
from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, add_points, scratch

EXTENT = 4096


def _tile_and_pixel(lat: float, lon: float, z: int) -> tuple[int, int, float, float]:
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y), (x - int(x)) * EXTENT, (y - int(y)) * EXTENT


def _decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def _features(layers: dict, name: str) -> list[dict]:
    return layers.get(name, {"features": []})["features"]


def test_postgis_and_the_maintained_encoder_give_the_same_features(db, engine_kind):
    if engine_kind != "postgres":
        pytest.skip("ST_AsMVT is PostGIS's")
    rng = random.Random(3)
    z = 6
    tx, ty, _, _ = _tile_and_pixel(-70.5, -60.5, z)
    org = make_organization(db)
    # A crowded tile (clusters) with a few lone points in cells of their own.
    for i in range(300):
        make_point(
            db,
            org,
            lat=-70.2 + rng.uniform(-0.3, 0.3),
            lon=-60.2 + rng.uniform(-0.3, 0.3),
            country=ISOLATED_COUNTRY,
            categories=["shelter"] if i % 3 else ["health_primary", "food"],
            translations={"es": {"name": f"Punto {i}"}},
        )
    for i in range(3):
        make_point(
            db,
            org,
            lat=-71.0 - i * 0.9,
            lon=-58.0 + i * 0.8,
            country=ISOLATED_COUNTRY,
            categories=["legal_aid"],
            translations={"es": {"name": f"Solo {i}"}},
        )
    db.commit()
    pref = negotiate(lang="es", accept_language=None, default="es", supported={"es", "en"})
    compared_clusters = 0
    for tile in (TileId(z, tx, ty), TileId(12, *_tile_and_pixel(-70.2, -60.2, 12)[:2])):
        points, clusters = tile_features(
            db,
            tile,
            MapFilters(countries=(ISOLATED_COUNTRY,)),
            pref=pref,
            cache=RenderCache(),
            stale_after=dt.timedelta(days=90),
            grid=PointGrid(),
        )
        assert points or clusters
        ours = _decode(encode(tile, points, clusters))
        theirs = _decode(encode_postgis(db, tile, points, clusters))
        assert set(ours) == set(theirs)
        mine = {f["properties"]["id"]: f for f in _features(ours, "points")}
        postgis = {f["properties"]["id"]: f for f in _features(theirs, "points")}
        assert set(mine) == set(postgis)
        for key, feature in mine.items():
            other = postgis[key]
            assert feature["id"] == other["id"]
            assert feature["properties"] == other["properties"]
            (x1, y1), (x2, y2) = (
                feature["geometry"]["coordinates"],
                other["geometry"]["coordinates"],
            )
            assert abs(x1 - x2) <= 1 and abs(y1 - y2) <= 1
        compared_clusters += len(_by_place(ours))
        for a, b in zip(_by_place(ours), _by_place(theirs), strict=True):
            assert a["properties"].keys() == b["properties"].keys()
            for name, value in a["properties"].items():
                assert b["properties"][name] == pytest.approx(value, abs=1e-9), name
            (x1, y1), (x2, y2) = a["geometry"]["coordinates"], b["geometry"]["coordinates"]
            assert abs(x1 - x2) <= 1 and abs(y1 - y2) <= 1
    assert compared_clusters


def _by_place(layers: dict) -> list[dict]:
    return sorted(
        _features(layers, "clusters"),
        key=lambda f: (f["properties"]["min_lat"], f["properties"]["min_lon"]),
    )


def test_tiles_show_the_public_location_and_never_hidden_points(client, connection):
    # An approximate point is shown at the centre of its ~1 km cell, a hidden one nowhere.
    z = 12
    with scratch(connection) as session:
        org = make_organization(session)
        approximate = make_point(
            session,
            org,
            lat=-70.40321,
            lon=-60.30789,
            country=ISOLATED_COUNTRY,
            location_precision="approximate",
        )
        hidden = make_point(
            session,
            org,
            lat=-70.40111,
            lon=-60.30555,
            country=ISOLATED_COUNTRY,
            location_precision="hidden",
        )
        session.commit()
        public = session.execute(
            select(ServicePoint.public_lat, ServicePoint.public_lon).where(
                ServicePoint.id == approximate.id
            )
        ).one()
        ids = (approximate.public_id, hidden.public_id)
        tiles = {}
        for lat, lon in ((public[0], public[1]), (-70.40321, -60.30789), (-70.40111, -60.30555)):
            tx, ty, _, _ = _tile_and_pixel(lat, lon, z)
            tiles[(tx, ty)] = client.get(
                f"/v1/tiles/{z}/{tx}/{ty}.mvt", params={"country": ISOLATED_COUNTRY}
            )
    found = {
        f["properties"]["id"]: (key, f["geometry"]["coordinates"])
        for key, response in tiles.items()
        for f in _features(_decode(response.content), "points")
    }
    assert ids[1] not in found
    tx, ty, px, py = _tile_and_pixel(public[0], public[1], z)
    assert found[ids[0]][0] == (tx, ty)
    gx, gy = found[ids[0]][1]
    assert abs(gx - px) <= 1 and abs(gy - py) <= 1
    _, _, ex, ey = _tile_and_pixel(-70.40321, -60.30789, z)
    assert abs(gx - ex) > 1 or abs(gy - ey) > 1  # not the exact place


def test_hidden_points_are_not_counted_in_clusters(client, connection):
    rng = random.Random(5)
    z = 7
    coords = [(-70.0 + rng.uniform(-0.5, 0.5), -60.0 + rng.uniform(-0.5, 0.5)) for _ in range(300)]
    with scratch(connection) as session:
        add_points(session, coords)
        add_points(session, coords[:40], location_precision="hidden")
        tx, ty, _, _ = _tile_and_pixel(-70.0, -60.0, z)
        tile = _decode(
            client.get(f"/v1/tiles/{z}/{tx}/{ty}.mvt", params={"country": ISOLATED_COUNTRY}).content
        )
        clusters = client.get(
            "/v1/points/clusters",
            params={"bbox": "-61,-71,-59,-69", "zoom": z, "country": ISOLATED_COUNTRY},
        ).json()
    in_tile = [c for c in coords if _tile_and_pixel(*c, z)[:2] == (tx, ty)]
    counted = len(_features(tile, "points")) + sum(
        f["properties"]["count"] for f in _features(tile, "clusters")
    )
    assert counted == len(in_tile) > 256
    assert clusters["total"] == len(coords)
