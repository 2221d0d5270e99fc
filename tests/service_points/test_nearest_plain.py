"""A plain first page of nearest points (no filter: the near-me page the phones ask) is
exact however close together the points are: on SQLite it ranks the R*Tree's box centres
first and reads exact coordinates only for the points that may be on the page
(app/geo/rtree_exact.py), and its widths come from counts and from nearby searches."""

from __future__ import annotations

import random

import pytest

from tests.service_points.helpers import add_points, destination, reference_distance_m, scratch

# Far from the seed's points: only this test's are within the radius.
CENTRE = (-80.0, 100.0)


def _page(client, lat: float, lon: float, radius: int, limit: int) -> list[dict]:
    response = client.get(
        "/v1/points", params={"near": f"{lat},{lon}", "radius": radius, "limit": limit}
    )
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


@pytest.mark.parametrize(
    ("spread_m", "count", "limit", "radius"),
    [
        (25.0, 60, 20, 25_000),  # many points within a few metres of each other
        (400.0, 45, 20, 25_000),
        (3_000.0, 30, 7, 2_500),  # fewer within the radius than the page
        (20_000.0, 80, 20, 25_000),  # sparse: the width grows from counts
        (5.0, 12, 5, 100),
    ],
)
def test_plain_first_page_is_exact(client, connection, spread_m, count, limit, radius):
    rng = random.Random(f"{spread_m}-{count}")
    lat, lon = CENTRE
    coords = [
        destination(lat, lon, rng.uniform(0, 360), spread_m * rng.random()) for _ in range(count)
    ]
    coords += coords[:3]  # ties: points at the very same place
    with scratch(connection) as session:
        ids = add_points(session, coords)
        reference = {
            pid: reference_distance_m(lat, lon, plat, plon)
            for pid, (plat, plon) in zip(ids, coords, strict=True)
        }
        inside = sorted(d for d in reference.values() if d <= radius - 0.01)
        # Several centres around the cluster, each asked twice (the second starts from the
        # width the first one found).
        for _ in range(2):
            for bearing, off in ((0.0, 0.0), (90.0, 7.0), (200.0, 60.0)):
                qlat, qlon = destination(lat, lon, bearing, off)
                got = _page(client, qlat, qlon, radius, limit)
                exact = sorted(
                    (reference_distance_m(qlat, qlon, plat, plon), pid)
                    for pid, (plat, plon) in zip(ids, coords, strict=True)
                )
                wanted = [(d, pid) for d, pid in exact if d <= radius - 0.01][:limit]
                if off == 0.0:
                    assert len(wanted) == min(limit, len(inside))
                assert len(got) == len(wanted)
                for item, (d, _) in zip(got, wanted, strict=True):
                    # The page's distances are the nearest ones, in order (equal distances
                    # may come in either order).
                    assert abs(item["distance_m"] - d) <= 0.5 + 1e-6
                shown = [item["distance_m"] for item in got]
                assert shown == sorted(shown)
