"""The grid index (``app.maps.index``) follows every write that changes a map: it applies
the change log, and its counts stay those of the database."""

from __future__ import annotations

import random

from app.maps.refresh import grid_of
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate
from app.service_points.models import PointStatus
from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, scratch

BOX = "-61,-70.5,-59,-68.5"


def _clusters(client, **params):
    response = client.get(
        "/v1/points/clusters",
        params={"bbox": BOX, "zoom": 7, "country": ISOLATED_COUNTRY, **params},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _tile_count(client) -> int:
    import mapbox_vector_tile

    # Zoom 5 tile 10/24 holds the whole box.
    body = client.get("/v1/tiles/5/10/24.mvt", params={"country": ISOLATED_COUNTRY}).content
    layers = mapbox_vector_tile.decode(body)
    lone = len(layers.get("points", {"features": []})["features"])
    return lone + sum(
        f["properties"]["count"] for f in layers.get("clusters", {"features": []})["features"]
    )


def test_the_index_follows_every_write(app, client, connection):
    rng = random.Random(1)
    with scratch(connection) as session:
        org = make_organization(session)
        points = [
            make_point(
                session,
                org,
                lat=-69.5 + rng.uniform(-0.8, 0.8),
                lon=-60 + rng.uniform(-0.8, 0.8),
                country=ISOLATED_COUNTRY,
                categories=["shelter"],
                free=True,
            )
            for _ in range(12)
        ]
        session.commit()
        assert _clusters(client)["total"] == 12 == _tile_count(client)
        grid = grid_of(app.state)
        builds, updates = grid.builds, grid.updates

        def after(change, expected: int, **params) -> dict:
            change()
            session.commit()
            body = _clusters(client, **params)
            assert body["total"] == expected, change
            return body

        # Moved out of the box; hidden; permanently closed; deleted.
        after(
            lambda: writing.update_point(session, points[0], ServicePointUpdate(lat=-75, lon=-60)),
            11,
        )
        after(
            lambda: writing.update_point(
                session, points[1], ServicePointUpdate(location_precision="hidden")
            ),
            10,
        )
        after(lambda: writing.set_status(session, points[2], PointStatus.permanently_closed), 9)
        after(lambda: writing.soft_delete(session, points[3]), 8)
        # Back in the box; a new point; the main category and free changed.
        after(
            lambda: writing.update_point(
                session, points[0], ServicePointUpdate(lat=-70.1, lon=-60.1)
            ),
            9,
        )
        after(
            lambda: make_point(
                session, org, lat=-70.2, lon=-60.2, country=ISOLATED_COUNTRY, free=False
            ),
            10,
        )
        body = after(
            lambda: writing.update_point(
                session, points[4], ServicePointUpdate(categories=["legal_aid"], free=False)
            ),
            10,
        )
        counted = {
            k: v for c in body["clusters"] for k, v in c["categories"].items() if k != "shelter"
        }
        assert (
            sum(counted.values())
            + sum(1 for p in body["points"] if p["categories"][0] != "shelter")
            >= 1
        )
        assert _clusters(client, free="true")["total"] == 8
        assert _clusters(client, free="false")["total"] == 2
        assert _tile_count(client) == 10
    # Every write was applied from the change log: no rebuild.
    assert grid.builds == builds
    assert grid.updates >= updates + 7


def test_a_request_never_waits_for_another_ones_refresh(app, client, connection):
    # While one request refreshes the index, the others count in the database: the same
    # answer, without waiting.
    rng = random.Random(2)
    with scratch(connection) as session:
        org = make_organization(session)
        for _ in range(300):
            make_point(
                session,
                org,
                lat=-69.5 + rng.uniform(-0.8, 0.8),
                lon=-60 + rng.uniform(-0.8, 0.8),
                country=ISOLATED_COUNTRY,
            )
        session.commit()
        grid = grid_of(app.state)
        with grid._lock:
            busy = (_clusters(client), _tile_count(client))
        free = (_clusters(client), _tile_count(client))
    assert busy[0]["total"] == free[0]["total"] == 300 == busy[1] == free[1]
    assert sorted(c["count"] for c in busy[0]["clusters"]) == sorted(
        c["count"] for c in free[0]["clusters"]
    )
