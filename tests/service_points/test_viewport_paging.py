"""Every search ends: a viewport paged to its end gives every visible point in it once.

The radius search used to spin for ever once a box held more than the density cap and
fewer than a page of points lay beyond it (a zoomed-out map, page 4 of
``bbox=-93,7,-76,16&limit=25`` on the seed). These tests page viewports to the end, on the
seed, on bench-like data (10,000 points in dense clusters) through the HTTP API, and on
random clusters at the data layer (a property test), on both engines.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db import normalise_url
from app.geo.base import Candidate, NearestCursor
from app.geo.sphere import BBox, haversine_m
from app.main import create_app
from app.service_points.models import ServicePoint
from bench import load
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)
from tests.conftest import (
    test_settings as settings_for,
)
from tests.factories import make_organization
from tests.service_points.helpers import ISOLATED_COUNTRY, destination, scratch

_sp = ServicePoint.__table__
_VISIBLE = _sp.c.status.in_(("published", "temporarily_closed")) & _sp.c.deleted_at.is_(None)


def parse_box(text: str) -> BBox:
    west, south, east, north = (float(v) for v in text.split(","))
    return BBox(west, south, east, north)


def visible_in(conn: Any, box: BBox) -> dict[str, tuple[float, float]]:
    """The reference: every visible point inside ``box`` (public id -> lat, lon), at its
    public location (app.service_points.precision: hidden points have none and are not on
    the map; approximate ones stand at their grid cell's centre)."""
    rows = conn.execute(
        select(_sp.c.public_id, _sp.c.public_lat, _sp.c.public_lon).where(
            _VISIBLE, _sp.c.public_lat.is_not(None)
        )
    )
    return {pid: (lat, lon) for pid, lat, lon in rows if box.contains(lat, lon)}


def page_through(client: TestClient, params: dict[str, Any], *, max_pages: int) -> list[str]:
    """Follow next_cursor to the end; every page must answer 200."""
    ids: list[str] = []
    query = dict(params)
    for _ in range(max_pages):
        response = client.get("/v1/points", params=query)
        assert response.status_code == 200, (len(ids), response.text)
        body = response.json()
        assert len(body["items"]) <= int(params["limit"])
        ids.extend(item["id"] for item in body["items"])
        if "next_cursor" not in body:
            return ids
        query = {**params, "cursor": body["next_cursor"]}
    raise AssertionError(f"paging did not end after {max_pages} pages")


def assert_each_once_nearest_first(
    ids: list[str], expected: dict[str, tuple[float, float]], box: BBox
) -> None:
    assert len(ids) == len(set(ids)), "a point was given twice"
    assert set(ids) == set(expected)
    lat, lon = box.centre()
    distances = [haversine_m(lat, lon, *expected[pid]) for pid in ids]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(distances))


# The viewports of the issue that never answered on the seed (page 4, page 3, page 6).
@pytest.mark.parametrize(
    ("bbox", "limit"),
    [("-93,7,-76,16", 25), ("-93,7,-76,16", 50), ("-180,-60,180,75", 50), ("-93,7,-76,16", 1)],
)
def test_seed_viewports_page_to_the_end(client, connection, bbox, limit):
    box = parse_box(bbox)
    expected = visible_in(connection, box)
    assert len(expected) > 2 * limit  # the hang needed several pages
    ids = page_through(client, {"bbox": bbox, "limit": limit}, max_pages=len(expected) + 2)
    assert_each_once_nearest_first(ids, expected, box)


# --- bench-like data: 10,000 points in dense clusters along the route -----------------------

BENCH_POINTS = 10_000
# The Americas south of Mexico City: the box's northern edge cuts through the Mexico City
# cluster, and its circle (the search's reach) holds thousands of points outside the box.
CONTINENT = "-120,-56,-34,19.45"


@pytest.fixture(scope="module")
def bench_app(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """An app on a database holding the seed and 10,000 generated points (the benchmark's
    generator and bulk loader)."""
    if engine_kind == "sqlite":
        path = tmp_path_factory.mktemp("bench") / "bench.db"
        load.load_sqlite(BENCH_POINTS, path=path)
        url = load.sqlite_url(path)
    else:
        assert POSTGRES_URL
        url = create_postgres_database(POSTGRES_URL)
        load.load_postgres(url, BENCH_POINTS)
        # The loader remembers what it loaded for the benchmark's next run: not ours.
        name = make_url(normalise_url(url)).database
        (load.VAR / f"postgres-{name}.json").unlink(missing_ok=True)
    app = create_app(settings_for(url))
    try:
        yield app
    finally:
        app.state.database.dispose()
        if engine_kind == "postgres" and POSTGRES_URL:
            drop_postgres_database(POSTGRES_URL, url)


@pytest.mark.parametrize("limit", [7, 25, 50, 200])
def test_continent_viewport_on_bench_data(bench_app: FastAPI, limit: int) -> None:
    box = parse_box(CONTINENT)
    with bench_app.state.database.engine.connect() as conn:
        expected = visible_in(conn, box)
        # Dense clusters far above the density cap, and points beyond the box's edge.
        assert len(expected) >= 5_000
        everywhere = conn.execute(select(_sp.c.id).where(_VISIBLE)).all()
        assert len(everywhere) - len(expected) >= 1_000
    with TestClient(bench_app, raise_server_exceptions=False) as client:
        ids = page_through(
            client,
            {"bbox": CONTINENT, "limit": limit, "view": "summary"},
            max_pages=len(expected) // limit + 2,
        )
    assert_each_once_nearest_first(ids, expected, box)


# --- the property: random clusters, continent-wide boxes, any page size ---------------------


def add_cluster_rows(
    session: Session, clusters: list[tuple[float, float, float, int]], seed: int
) -> None:
    """Bulk-insert published points around each (lat, lon, spread_m, count)."""
    org = make_organization(session)
    rng = random.Random(seed)
    rows = []
    for lat, lon, spread, count in clusters:
        for _ in range(count):
            plat, plon = destination(lat, lon, rng.uniform(0, 360), abs(rng.gauss(0, spread)))
            rows.append(
                {
                    "organization_id": org.id,
                    "lat": round(plat, 6),
                    "lon": round(plon, 6),
                    "public_lat": round(plat, 6),
                    "public_lon": round(plon, 6),
                    "country": ISOLATED_COUNTRY,
                    "status": "published",
                    "original_language": "es",
                    "search_text": "",
                }
            )
    session.execute(insert(_sp), rows)
    session.commit()


def page_within(app: FastAPI, session: Session, box: BBox, limit: int) -> list[Candidate]:
    """Page the data layer's viewport search to its end, the way the API does (one
    candidate more than the page tells whether a next page exists)."""
    backend = app.state.search
    out: list[Candidate] = []
    after: NearestCursor | None = None
    for _ in range(10_000):
        found = backend.within(session, bbox=box, limit=limit + 1, where=[], after=after)
        page = found[:limit]
        out.extend(page)
        if len(found) <= limit:
            return out
        last = page[-1]
        assert last.distance_m is not None
        after = NearestCursor(distance_m=last.distance_m, id=last.id)
    raise AssertionError("paging did not end")


cluster = st.tuples(
    st.floats(-70, 70),  # lat
    st.floats(-180, 180),  # lon
    st.sampled_from([30.0, 300.0, 3_000.0, 200_000.0]),  # spread (metres)
    st.integers(1, 400),  # points: up to three times the density cap
)
boxes = st.one_of(
    # continent-wide, anywhere (across the antimeridian too)
    st.tuples(st.floats(-180, 180), st.floats(-80, 10), st.floats(20, 140), st.floats(30, 120)).map(
        lambda t: (t[0], t[1], (t[0] + t[2] + 180) % 360 - 180, min(89.0, t[1] + t[3]))
    ),
    # the whole world
    st.just((-180.0, -85.0, 180.0, 85.0)),
)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    clusters=st.lists(cluster, min_size=1, max_size=4),
    box=boxes,
    limit=st.integers(1, 200),
    seed=st.integers(0, 2**16),
)
def test_viewport_paging_property(
    app: FastAPI, connection: Connection, clusters, box, limit, seed
) -> None:
    bbox = BBox(*box)
    # Few pages for tiny page sizes on big clusters: the test stays bounded in time.
    clusters = [(lat, lon, spread, min(count, 40 * limit)) for lat, lon, spread, count in clusters]
    with scratch(connection) as session:
        add_cluster_rows(session, clusters, seed)
        expected_rows = session.execute(select(_sp.c.id, _sp.c.lat, _sp.c.lon).where(_VISIBLE))
        expected = {pid: (lat, lon) for pid, lat, lon in expected_rows if bbox.contains(lat, lon)}
        got = page_within(app, session, bbox, limit)
    ids = [c.id for c in got]
    assert len(ids) == len(set(ids)), "a point was given twice"
    assert set(ids) == set(expected)
    distances = [c.distance_m for c in got]
    assert distances == sorted(distances)
