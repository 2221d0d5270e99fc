"""Nearest-first search: ordering and distances match an exact reference, everywhere."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service_points.helpers import (
    ISOLATED_COUNTRY,
    add_points,
    all_pages,
    destination,
    reference_distance_m,
    scratch,
)


def assert_same_ranking(got, expected, *, reference):
    """Same points, nearest first; points at equal distance (within 1 µm) may swap; each
    distance is the reference's in whole metres."""
    assert sorted(item["id"] for item in got) == sorted(pid for _, pid in expected)
    ranked = [reference[item["id"]] for item in got]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(ranked))
    for item, (d, _) in zip(got, expected, strict=True):
        assert isinstance(item["distance_m"], int)
        assert abs(item["distance_m"] - d) <= 0.5 + 1e-6


centres = st.one_of(
    # anywhere
    st.tuples(st.floats(-89.9, 89.9), st.floats(-180, 180)),
    # near the poles
    st.tuples(st.floats(85, 89.99) | st.floats(-89.99, -85), st.floats(-180, 180)),
    # on either side of the antimeridian
    st.tuples(st.floats(-60, 60), st.floats(178.5, 180) | st.floats(-180, -178.5)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    centre=centres,
    radius=st.integers(1_000, 300_000),
    offsets=st.lists(st.tuples(st.floats(0, 360), st.floats(0, 1.6)), min_size=1, max_size=25),
    limit=st.integers(1, 7),
)
def test_nearest_matches_reference(client, connection, centre, radius, offsets, limit):
    lat, lon = centre
    coords = [destination(lat, lon, bearing, fraction * radius) for bearing, fraction in offsets]
    with scratch(connection) as session:
        ids = add_points(session, coords)
        # Ties (equal distances) are ordered by creation, like the API's internal id.
        expected = [
            (d, pid)
            for d, _, pid in sorted(
                (reference_distance_m(lat, lon, plat, plon), index, pid)
                for index, (pid, (plat, plon)) in enumerate(zip(ids, coords, strict=True))
            )
        ]
        # Points within a hair of the radius may fall either side through rounding.
        expected_in = [(d, pid) for d, pid in expected if d <= radius - 0.01]
        borderline = {pid for d, pid in expected if abs(d - radius) < 0.01}
        items = all_pages(
            client,
            {"near": f"{lat},{lon}", "radius": radius, "country": ISOLATED_COUNTRY, "limit": limit},
        )
        got = [item for item in items if item["id"] not in borderline]
        assert_same_ranking(got, expected_in, reference={pid: d for d, pid in expected})
        distances = [item["distance_m"] for item in items]
        assert distances == sorted(distances)


def test_nearest_first_page_and_default_radius(client, connection):
    with scratch(connection) as session:
        near = destination(10.0, -75.0, 90, 500)
        far = destination(10.0, -75.0, 90, 30_000)
        ids = add_points(session, [far, near])
        body = client.get(
            "/v1/points", params={"near": "10,-75", "country": ISOLATED_COUNTRY}
        ).json()
        # The default radius is 25 km: the point 30 km away is not returned.
        assert [item["id"] for item in body["items"]] == [ids[1]]
        assert 499 <= body["items"][0]["distance_m"] <= 501


far_from_seed = st.one_of(
    st.tuples(st.floats(-60, 60), st.floats(10, 170)),
    st.tuples(st.floats(86, 89.99) | st.floats(-89.99, -86), st.floats(-180, 180)),
    st.tuples(st.floats(-40, 40), st.floats(178.5, 180) | st.floats(-180, -178.5)),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    centre=far_from_seed,
    offsets=st.lists(st.tuples(st.floats(0, 360), st.floats(0, 1.5)), min_size=1, max_size=15),
)
def test_nearest_without_filters_uses_the_same_ordering(client, connection, centre, offsets):
    """No filter: the SQLite fast path (R*Tree alone) must agree with the reference too."""
    lat, lon = centre
    radius = 100_000
    coords = [destination(lat, lon, bearing, fraction * radius) for bearing, fraction in offsets]
    with scratch(connection) as session:
        ids = add_points(session, coords)
        reference = {
            pid: reference_distance_m(lat, lon, plat, plon)
            for pid, (plat, plon) in zip(ids, coords, strict=True)
        }
        expected = [
            (d, pid)
            for d, _, pid in sorted((reference[pid], index, pid) for index, pid in enumerate(ids))
            if d <= radius - 0.01
        ]
        # Points within a hair of the radius may fall either side through rounding.
        borderline = {pid for pid, d in reference.items() if abs(d - radius) < 0.01}
        items = all_pages(client, {"near": f"{lat},{lon}", "radius": radius, "limit": 4})
        got = [i for i in items if i["id"] not in borderline]
        assert_same_ranking(got, expected, reference=reference)


def test_many_points_on_the_centre_and_around(client, connection):
    """A cluster on and around the query point (where PostGIS's geography KNN has been seen
    to fail with "index returned tuples in wrong order"): still exact and complete."""
    coords = [(0.0, 0.0)] * 5 + [destination(0.0, 0.0, b * 37.0, 10.0 + b * 40) for b in range(20)]
    with scratch(connection) as session:
        ids = add_points(session, coords)
        items = all_pages(
            client, {"near": "0,0", "radius": 1000, "country": ISOLATED_COUNTRY, "limit": 3}
        )
        assert sorted(i["id"] for i in items) == sorted(ids)
        distances = [i["distance_m"] for i in items]
        assert distances == sorted(distances) and distances[:5] == [0.0] * 5
