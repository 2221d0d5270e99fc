"""A snapshot page's statement (``repository.snapshot_ids``) gives the ids
``visible_point_ids`` gives, in the same order: for countries and map areas (across the
antimeridian too), hidden, approximate, draft, closed and deleted points, points on a box's
edge and just outside it (where the R*Tree's rounded boxes let ids in that the exact test
keeps out), and from any point of the keyset. Pages across writes between two requests give
every point once, as it is when its page is read.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest
from sqlalchemy.orm import Session

from app.geo.sphere import BBox
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate
from app.sync import repository, snapshot
from app.sync.scope import Scope
from tests.factories import make_organization, make_point
from tests.sync.helpers import verify_page

# Places of the scratch points: around (10, 20), on the edges of BOX and just past them,
# and on both sides of the antimeridian.
BOX = BBox(min_lon=19.5, min_lat=9.5, max_lon=20.5, max_lat=10.5)
# Past an edge by less than a 32-bit float can tell at these magnitudes.
HAIR = 1e-7


def _places() -> list[tuple[float, float]]:
    inside = [(10.0 + i / 100, 20.0 - i / 100) for i in range(-20, 21)]
    edges = [
        (BOX.min_lat, 20.0),
        (BOX.max_lat, 20.0),
        (10.0, BOX.min_lon),
        (10.0, BOX.max_lon),
        (BOX.max_lat, BOX.max_lon),
    ]
    past = [
        (BOX.max_lat + HAIR, 20.0),
        (BOX.min_lat - HAIR, 20.0),
        (10.0, BOX.max_lon + HAIR),
        (10.0, BOX.min_lon - HAIR),
    ]
    across = [(-17.5, 179.5), (-17.5, -179.5), (-17.5, 180.0), (-17.5, -180.0), (-17.5, 175.0)]
    return inside + edges + past + across


def _make(db: Session, count: int = 0) -> None:
    org = make_organization(db)
    variants = itertools.cycle(
        [
            {},
            {"location_precision": "approximate"},
            {"location_precision": "hidden"},
            {"status": "temporarily_closed"},
            {"status": "draft"},
            {"status": "permanently_closed"},
            {},
        ]
    )
    for lat, lon in _places() + [(10.0, 20.0)] * count:
        make_point(db, org, lat=lat, lon=lon, country="AQ", **next(variants))
    # A deleted one inside.
    gone = make_point(db, org, lat=10.0, lon=20.0, country="AQ")
    writing.soft_delete(db, gone)
    db.flush()


def _expected(db: Session, scope: Scope, after: int, limit: int) -> list[int]:
    return repository.visible_point_ids(db, scope=scope, after_id=after or None, limit=limit)


def _got(db: Session, scope: Scope, after: int, limit: int) -> list[int]:
    return repository.snapshot_ids(db, scope=scope, after_id=after, limit=limit)


SCOPES = [
    Scope(country="AQ"),
    Scope(bbox=BOX),
    Scope(bbox=BBox(min_lon=20.0, min_lat=10.0, max_lon=20.0, max_lat=10.0)),  # one place
    Scope(bbox=BBox(min_lon=179.0, min_lat=-18.0, max_lon=-179.0, max_lat=-17.0)),
    Scope(bbox=BBox(min_lon=170.0, min_lat=-18.0, max_lon=-170.0, max_lat=-17.0)),
    Scope(bbox=BBox(min_lon=-10.0, min_lat=-10.0, max_lon=-9.0, max_lat=-9.0)),  # empty
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.fingerprint_part())
def test_the_page_statement_reads_the_visible_points(db, scope):
    _make(db)
    for after, limit in itertools.product((0, 1, 10**9), (1, 3, 500)):
        if after == 1:
            shown = repository.visible_point_ids(db, scope=scope, after_id=None, limit=10)
            after = shown[len(shown) // 2] if shown else 0
        expected = _expected(db, scope, after, limit)
        assert _got(db, scope, after, limit) == expected
    # Every point, one page at a time, in order.
    after, seen = 0, []
    while page := _got(db, scope, after, 2):
        seen.extend(page)
        after = page[-1]
    assert seen == _expected(db, scope, 0, 10_000)


def test_more_ids_past_the_edge_than_the_slack_are_read_exactly(db):
    """The R*Tree lets in every id a hair past the north edge; the page is still exact."""
    org = make_organization(db)
    for _ in range(snapshot.SLACK + 5):
        make_point(db, org, lat=BOX.max_lat + HAIR, lon=20.0, country="AQ")
    for _ in range(3):
        make_point(db, org, lat=10.0, lon=20.0, country="AQ")
    scope = Scope(bbox=BOX)
    for limit in (1, 2, 3, 4):
        got = _got(db, scope, 0, limit)
        assert got == _expected(db, scope, 0, limit)
        assert len(got) == min(limit, 3)


def _snapshot(client: Any, params: dict[str, Any], between: Any = None) -> list[dict[str, Any]]:
    pages, query, step = [], dict(params), 0
    while True:
        response = client.get("/v1/sync", params=query)
        assert response.status_code == 200, response.text
        verify_page(client, response)
        page = orjson.loads(response.content)
        pages.append(page)
        if not page["more"]:
            return pages
        if between is not None:
            between(step)
        step += 1
        query["since"] = page["cursor"]


@pytest.mark.parametrize("params", [{"country": "AQ"}, {"bbox": "19.5,9.5,20.5,10.5"}])
def test_pages_across_writes_hold_each_point_once_as_it_is_then(client, db, params):
    org = make_organization(db)
    points = [make_point(db, org, lat=10.0 + i / 1000, lon=20.0, country="AQ") for i in range(12)]
    db.commit()

    def write(step: int) -> None:
        if step == 0:  # a point of a later page changed, one deleted, one added
            writing.update_point(db, points[-1], ServicePointUpdate(locality="Otra parte"))
            writing.soft_delete(db, points[-2])
            make_point(db, org, lat=10.0, lon=20.0, country="AQ")
            db.commit()

    query = {**params, "lang": "es", "limit": 4}
    pages = _snapshot(client, query, between=write)
    sent = [p for page in pages for p in page.get("points", [])]
    ids = [p["id"] for p in sent]
    assert len(ids) == len(set(ids)) == len(points)  # one deleted, one added (the last id)
    assert points[-2].public_id not in ids
    renamed = next(p for p in sent if p["id"] == points[-1].public_id)
    assert renamed["locality"] == "Otra parte"
    # Every write touched points past the keyset: a snapshot now sends the same records.
    again = [p for page in _snapshot(client, query) for p in page.get("points", [])]
    assert again == sent
    # And the delta from the snapshot's cursor brings the writes made meanwhile.
    delta = client.get("/v1/sync", params={"lang": "es", **params, "since": pages[-1]["cursor"]})
    assert delta.status_code == 200, delta.text
    body = delta.json()
    assert {points[-1].public_id, ids[-1]} <= {p["id"] for p in body.get("points", [])}
    assert points[-2].public_id in body["deleted"]["points"]
