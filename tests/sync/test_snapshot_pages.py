"""Snapshot pages read through the indexes that fit the scope (``app.sync.snapshot``) give,
page after page to the end, the ids of the simple definition (``visible_point_ids``): for
small and large map areas (one cell of the grid, many cells with more points each than a
page, edges on the grid's lines, below zero, across the antimeridian, more cells than the
cell statement takes) and for countries. On PostgreSQL the statements can use the partial
indexes of migration ``syncpages_0001`` (their predicate matches the statements').
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.geo.sphere import BBox
from app.raw_reads import reads_of
from app.service_points import writing
from app.sync import repository, snapshot
from app.sync.scope import Scope
from tests.factories import make_organization, make_point

# A cluster around a corner of the grid (10.2, 20.4), one below zero around (-0.2, -0.4),
# points on the grid's lines, points far apart, and points by the antimeridian.
CLUSTERS = [(10.2, 20.4, "AQ"), (-0.2, -0.4, "BV")]
ON_LINES = [(10.0, 20.4), (10.4, 20.2), (10.2, 20.6), (-0.4, 0.0), (0.0, -0.2)]
FAR = [(5.0 + 3 * i, 10.0 + 5 * i) for i in range(10)]
ANTIMERIDIAN = [(-17.5, 179.9), (-17.5, -179.9), (-17.5, 180.0), (-17.5, -180.0)]

BOXES = {
    "one cell": BBox(min_lon=20.41, min_lat=10.21, max_lon=20.59, max_lat=10.39),
    "the cluster": BBox(min_lon=20.3, min_lat=10.1, max_lon=20.5, max_lat=10.3),
    "on the lines": BBox(min_lon=20.2, min_lat=10.0, max_lon=20.6, max_lat=10.4),
    "below zero": BBox(min_lon=-0.5, min_lat=-0.5, max_lon=0.0, max_lat=0.0),
    "one place": BBox(min_lon=20.4, min_lat=10.2, max_lon=20.4, max_lat=10.2),
    "441 cells": BBox(min_lon=18.5, min_lat=8.5, max_lon=22.5, max_lat=12.5),
    "too many cells": BBox(min_lon=-10.0, min_lat=-10.0, max_lon=70.0, max_lat=40.0),
    "antimeridian": BBox(min_lon=179.5, min_lat=-18.0, max_lon=-179.5, max_lat=-17.0),
    "empty": BBox(min_lon=-60.0, min_lat=-60.0, max_lon=-59.0, max_lat=-59.0),
}
SCOPES = [Scope(bbox=box) for box in BOXES.values()] + [
    Scope(country="AQ"),
    Scope(country="BV"),
    Scope(country="ZZ"),
]


def _make(db: Session) -> None:
    org = make_organization(db)
    variants = itertools.cycle(
        [{}, {}, {"status": "draft"}, {"location_precision": "hidden"}, {}, {}, {}]
    )
    places: list[tuple[float, float, str]] = []
    for lat, lon, country in CLUSTERS:
        steps = [i / 100 for i in range(-3, 4)]
        places += [(lat + a, lon + b, country) for a in steps for b in steps]
    places += [(lat, lon, "AQ") for lat, lon in ON_LINES + FAR + ANTIMERIDIAN]
    for lat, lon, country in places:
        make_point(db, org, lat=lat, lon=lon, country=country, **next(variants))
    writing.soft_delete(db, make_point(db, org, lat=10.2, lon=20.4, country="AQ"))
    db.flush()


def _pages(db: Session, scope: Scope, limit: int) -> list[list[int]]:
    """Every page of the snapshot, each checked against the simple definition."""
    pages: list[list[int]] = []
    after = 0
    while True:
        page = snapshot.snapshot_ids(db, scope=scope, after_id=after, limit=limit)
        expected = repository.visible_point_ids(
            db, scope=scope, after_id=after or None, limit=limit
        )
        assert page == expected, (after, limit)
        if not page:
            return pages
        pages.append(page)
        after = page[-1]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.fingerprint_part())
def test_every_page_holds_the_visible_points_in_order(db: Session, scope: Scope) -> None:
    _make(db)
    everything = repository.visible_point_ids(db, scope=scope, after_id=None, limit=10_000)
    for limit in (1, 3, 7, 500):
        pages = _pages(db, scope, limit)
        assert [i for page in pages for i in page] == everything
        assert all(len(page) == limit for page in pages[:-1])


def test_the_boxes_take_both_ways() -> None:
    """The cell statement up to ``MAX_CELLS`` cells, the planner's past it."""
    assert snapshot.cells(BOXES["441 cells"].parts()) is not None
    assert snapshot.cells(BOXES["too many cells"].parts()) is None
    across = snapshot.cells(BOXES["antimeridian"].parts())
    assert across is not None
    assert sorted(set(across["cols"])) == [-900.0, -899.0, -898.0, 897.0, 898.0, 899.0, 900.0]
    assert sorted(set(across["rows"])) == [-90.0, -89.0, -88.0, -87.0, -86.0, -85.0]


def test_every_point_of_a_box_is_in_one_of_its_cells() -> None:
    box = BBox(min_lon=-0.6, min_lat=-0.2, max_lon=0.2, max_lat=0.4)
    found = snapshot.cells(box.parts())
    assert found is not None
    listed = set(zip(found["rows"], found["cols"], strict=True))
    grid = snapshot.CELLS_PER_DEGREE
    for i, j in itertools.product(range(61), range(81)):
        lat, lon = -0.2 + i / 100, -0.6 + j / 100
        if box.contains(lat, lon):
            assert (math.floor(lat * grid), math.floor(lon * grid)) in listed


def test_postgres_statements_can_use_the_sync_indexes(db: Session, engine_kind: str) -> None:
    if engine_kind != "postgres":
        pytest.skip("PostgreSQL's indexes")
    _make(db)
    reads = reads_of(db)
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_bitmapscan = off"))
    grid = snapshot.cells(BOXES["the cluster"].parts())
    assert grid is not None
    params: dict[str, Any] = {"after": 0, "limit": 3}
    cases: list[tuple[str, dict[str, Any], str]] = [
        (snapshot._SNAPSHOT["postgresql", "cells"], params | grid, "ix_service_point_sync_cell"),
        (
            snapshot._SNAPSHOT["postgresql", "country"],
            params | {"country": "AQ"},
            "ix_service_point_sync_country",
        ),
    ]
    for sql, values, index in cases:
        plan = "\n".join(row[0] for row in reads.rows("EXPLAIN " + sql, values))
        assert index in plan, plan
