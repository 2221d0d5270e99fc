"""The grid index built in the background (``app.maps.refresh``): requests before it is
ready answer from the database, the same answers; the build reads in chunks and gives up
beyond its memory bound."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.maps import index, refresh
from app.maps.index import GridPoints
from app.maps.refresh import _version, grid_of
from bench.corridor_bench import grid
from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY

BOX = "-61,-70.5,-59,-68.5"
ROUTE = "-60.5,-69.8;-59.5,-69.2"


def _add_points(session, count: int, seed: int) -> None:
    rng = random.Random(seed)
    org = make_organization(session)
    for _ in range(count):
        make_point(
            session,
            org,
            lat=-69.5 + rng.uniform(-0.6, 0.6),
            lon=-60 + rng.uniform(-0.6, 0.6),
            country=ISOLATED_COUNTRY,
            categories=["shelter"],
        )
    session.commit()


def _answers(client: TestClient) -> tuple[object, ...]:
    clusters = client.get(
        "/v1/points/clusters", params={"bbox": BOX, "zoom": 7, "country": ISOLATED_COUNTRY}
    )
    corridor = client.get(
        "/v1/points", params={"route": ROUTE, "corridor": 20_000, "limit": 7, "lang": "en"}
    )
    assert clusters.status_code == corridor.status_code == 200
    body = clusters.json()
    counts = sorted(c["count"] for c in body["clusters"])
    return body["total"], counts, corridor.content


def test_requests_before_the_build_answer_from_the_database(fresh_app, monkeypatch):
    app, _ = fresh_app(seed=True, map_index_background=True)
    with app.state.database.sessionmaker() as session:
        _add_points(session, 60, seed=3)
    release = threading.Event()
    real_build = GridPoints.build.__func__  # type: ignore[attr-defined]

    def held_build(cls, *args, **kwargs):
        assert release.wait(30)
        return real_build(cls, *args, **kwargs)

    monkeypatch.setattr(GridPoints, "build", classmethod(held_build))
    with TestClient(app) as client:  # start-up starts the build
        grid = grid_of(app.state)
        before = _answers(client)
        assert not grid.ready()
        assert grid.builds == 0
        release.set()
        assert grid.wait(30)
        after = _answers(client)
        assert grid.builds == 1
        with app.state.database.sessionmaker() as session:
            assert grid.current(session) is not None
        assert before == after
        assert before[0] == 60
        # A write is applied from the change log, in the request: no build.
        with app.state.database.sessionmaker() as session:
            _add_points(session, 1, seed=4)
        assert _answers(client)[0] == 61
        assert grid.builds == 1
        assert grid.updates == 1


def test_a_build_reads_in_chunks_and_stops_at_its_bound(fresh_app):
    app, _ = fresh_app(seed=True)
    with app.state.database.sessionmaker() as session:
        _add_points(session, 25, seed=5)
        version = _version(session)
        whole = GridPoints.build(session, version)
        assert whole is not None
        count = len(whole.ids)  # the seed's points and these
        assert count >= 25
        chunked = GridPoints.build(session, version, chunk=count // 3)
        assert chunked is not None
        for name in ("keys", "ids", "lat", "lon", "code", "country", "free"):
            assert getattr(whole, name).tolist() == getattr(chunked, name).tolist(), name
        assert (whole.codes, whole.countries, whole.tops) == (
            chunked.codes,
            chunked.countries,
            chunked.tops,
        )
        assert whole.top_of.tolist() == chunked.top_of.tolist()
        assert GridPoints.build(session, version, chunk=count // 3, max_points=count - 1) is None
        exact = GridPoints.build(session, version, chunk=count, max_points=count)
        assert exact is not None and len(exact.ids) == count


@pytest.mark.parametrize("background", [True, False])
def test_beyond_the_bound_requests_read_the_database(fresh_app, background):
    app, _ = fresh_app(seed=True, map_index_background=background)
    with app.state.database.sessionmaker() as session:
        _add_points(session, 12, seed=6)
    grid = refresh.PointGrid(
        sessions=app.state.database.reader() if background else None, max_points=10
    )
    app.state.point_grid = grid
    with TestClient(app) as client:
        grid.wait(30)
        first = _answers(client)
        grid.wait(30)
        assert _answers(client) == first
        assert first[0] == 12
        assert not grid.ready()
        # One attempt, not one per request (it waits RETRY_AFTER_S before another).
        assert grid.builds == 1


def _morton_reference(x: int, y: int) -> int:
    out = 0
    for bit in range(index.LEVEL):
        out |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return out


def test_tile_ranges_are_tile_range_at_once():
    rng = np.random.default_rng(7)
    lats = np.concatenate([rng.uniform(-85.06, 85.06, 3000), [85.06, -85.06, 0.0]])
    lons = np.concatenate([rng.uniform(-180, 180, 3000), [180.0, -180.0, 0.0]])
    points = grid(lats, lons)
    for _ in range(200):
        x, y = int(rng.integers(0, 1 << 24)), int(rng.integers(0, 1 << 24))
        assert index._morton(x, y) == _morton_reference(x, y)
    for z in (0, 1, 3, 7, 12, 22):
        n = 1 << z
        xs = np.concatenate([rng.integers(0, n, 300), [0, n - 1, n - 1]])
        ys = np.concatenate([rng.integers(0, n, 300), [0, n - 1, 0]])
        los, his = points.tile_ranges(z, xs, ys)
        expected = [points.tile_range(z, int(x), int(y)) for x, y in zip(xs, ys, strict=True)]
        assert list(zip(los.tolist(), his.tolist(), strict=True)) == expected
    # Every point in exactly one tile of a zoom.
    n = 1 << 3
    xs, ys = np.meshgrid(np.arange(n), np.arange(n))
    los, his = points.tile_ranges(3, xs.ravel(), ys.ravel())
    assert int((his - los).sum()) == len(points.ids)
