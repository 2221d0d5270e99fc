"""Search along a route (``/v1/points?route=...&corridor=...``) against a brute force."""

from __future__ import annotations

import itertools
import math

import polyline
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import make_organization, make_point
from tests.service_points.helpers import (
    ISOLATED_COUNTRY,
    add_points,
    all_pages,
    destination,
    reference_distance_m,
    scratch,
)

RADIUS = 6_371_008.7714


def _slerp(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    """The location a fraction ``t`` of the way along the great-circle arc from a to b."""

    def unit(lat: float, lon: float) -> tuple[float, float, float]:
        p, q = math.radians(lat), math.radians(lon)
        return math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)

    u, v = unit(*a), unit(*b)
    omega = reference_distance_m(*a, *b) / RADIUS
    s = math.sin(omega)
    w = [
        (math.sin((1 - t) * omega) * x + math.sin(t * omega) * y) / s
        for x, y in zip(u, v, strict=True)
    ]
    return math.degrees(math.atan2(w[2], math.hypot(w[0], w[1]))), math.degrees(
        math.atan2(w[1], w[0])
    )


def brute_force(
    route: list[tuple[float, float]], lat: float, lon: float
) -> list[tuple[float, float]]:
    """(off_route_m, along_m) of the nearest location on each segment, by golden-section
    search of the distance along the arc (an independent method from the app's)."""
    out = []
    start = 0.0
    for a, b in itertools.pairwise(route):
        length = reference_distance_m(*a, *b)

        def f(t: float, a=a, b=b) -> float:
            return reference_distance_m(lat, lon, *_slerp(a, b, t))

        lo, hi = 0.0, 1.0
        ratio = (math.sqrt(5) - 1) / 2
        for _ in range(80):
            m1, m2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
            if f(m1) <= f(m2):
                hi = m2
            else:
                lo = m1
        t = (lo + hi) / 2
        candidates = [(f(t), start + t * length), (f(0.0), start), (f(1.0), start + length)]
        out.append(min(candidates))
        start += length
    return out


def _route_param(route: list[tuple[float, float]]) -> str:
    return ";".join(f"{lon!r},{lat!r}" for lat, lon in route)


@pytest.fixture(params=["documents", "rendering"])
def read_path(request, client):
    """Both read paths: the stored documents' (candidates from the grid index) and the
    route's (candidates from the engine's spatial index)."""
    state = client.app.state
    before = getattr(state, "documents_disabled", False)
    state.documents_disabled = request.param == "rendering"
    yield request.param
    state.documents_disabled = before


starts = st.one_of(
    st.tuples(st.floats(-70, 70), st.floats(-180, 180)),
    # across the antimeridian
    st.tuples(st.floats(-60, 60), st.floats(179, 180) | st.floats(-180, -179)),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=starts,
    legs=st.lists(st.tuples(st.floats(0, 360), st.floats(2_000, 150_000)), min_size=1, max_size=5),
    corridor=st.integers(500, 30_000),
    offsets=st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 360), st.floats(0, 1.5)), min_size=1, max_size=25
    ),
    limit=st.integers(1, 6),
)
# Two points on the route's last vertex, one per page (a page boundary at the very end).
@example(start=(9.25, 0.0), legs=[(0.0, 2000.0)], corridor=500, offsets=[(1, 0, 0)] * 2, limit=1)
def test_corridor_matches_brute_force(
    client, connection, read_path, start, legs, corridor, offsets, limit
):
    route = [start]
    for bearing, length in legs:
        route.append(destination(*route[-1], bearing, length))
    # Rounded as the query carries them, so both sides use the same vertices.
    route = [(float(repr(lat)), float(repr(lon))) for lat, lon in route]
    coords = []
    for fraction, bearing, distance in offsets:
        segment = min(int(fraction * len(legs)), len(legs) - 1)
        on_line = _slerp(route[segment], route[segment + 1], fraction * len(legs) - segment)
        coords.append(destination(*on_line, bearing, distance * corridor))
    with scratch(connection) as session:
        ids = add_points(session, coords)
        reference = {
            pid: brute_force(route, lat, lon) for pid, (lat, lon) in zip(ids, coords, strict=True)
        }
        best = {pid: min(per_segment) for pid, per_segment in reference.items()}
        inside = {pid for pid, (off, _) in best.items() if off <= corridor - 0.5}
        borderline = {pid for pid, (off, _) in best.items() if abs(off - corridor) < 0.5}
        items = all_pages(
            client,
            {
                "route": _route_param(route),
                "corridor": corridor,
                "country": ISOLATED_COUNTRY,
                "limit": limit,
            },
        )
    got = [item["id"] for item in items]
    assert len(got) == len(set(got)), "a point came twice across pages"
    assert set(got) - borderline == inside, (route, coords, corridor, limit, ids, got)
    alongs = [item["along_m"] for item in items]
    assert alongs == sorted(alongs)
    for item in items:
        off, _ = best[item["id"]]
        assert abs(item["off_route_m"] - off) <= 1.0
        # Where two stretches of the route are (nearly) equally near, either may be taken.
        acceptable = [a for d, a in reference[item["id"]] if d <= off + 0.5]
        assert min(abs(item["along_m"] - a) for a in acceptable) <= 1.0
        assert "distance_m" not in item


def test_polyline_and_coordinates_give_the_same_page(client, connection):
    route = [(8.51, -76.73), (8.08, -77.27), (8.98, -79.52)]
    with scratch(connection) as session:
        add_points(session, [(8.3, -77.0), (8.6, -78.5), (8.9, -79.4), (7.0, -78.0)])
        encoded = polyline.encode(route, 5)
        by_polyline = all_pages(
            client, {"route": encoded, "country": ISOLATED_COUNTRY, "corridor": 20_000}
        )
        by_coordinates = all_pages(
            client,
            {"route": _route_param(route), "country": ISOLATED_COUNTRY, "corridor": 20_000},
        )
    assert [i["id"] for i in by_polyline] == [i["id"] for i in by_coordinates]
    assert len(by_polyline) == 3  # the point at (7, -78) is ~100 km away
    assert [i["along_m"] for i in by_polyline] == sorted(i["along_m"] for i in by_polyline)


def test_filters_and_language_apply_along_the_route(client, connection):
    route = [(-70.0, -61.0), (-70.0, -59.0)]
    with scratch(connection) as session:
        org = make_organization(session)
        shelter = make_point(
            session,
            org,
            lat=-70.01,
            lon=-60.5,
            country=ISOLATED_COUNTRY,
            categories=["shelter"],
            free=True,
            translations={"es": {"name": "Refugio"}, "en": {"name": "Shelter"}},
        )
        clinic = make_point(
            session,
            org,
            lat=-69.99,
            lon=-60.0,
            country=ISOLATED_COUNTRY,
            categories=["health_primary"],
            free=False,
            translations={"es": {"name": "Clínica"}},
        )
        session.commit()
        shelter_id, clinic_id = shelter.public_id, clinic.public_id
        base = {"route": _route_param(route), "country": ISOLATED_COUNTRY}
        both = all_pages(client, base)
        shelters = all_pages(client, {**base, "category": "shelter"})
        paid = all_pages(client, {**base, "free": "false"})
        english = client.get("/v1/points", params=base, headers={"Accept-Language": "en"})
        geo = client.get("/v1/points", params=base, headers={"Accept": "application/geo+json"})
    assert [i["id"] for i in both] == [shelter_id, clinic_id]
    assert [i["id"] for i in shelters] == [shelter_id]
    assert [i["id"] for i in paid] == [clinic_id]
    names = {i["id"]: (i["name"], i["lang_fallback"]) for i in english.json()["items"]}
    assert names[shelter_id] == ("Shelter", False)
    assert names[clinic_id] == ("Clínica", True)
    # GeoJSON carries the same measures as properties.
    props = geo.json()["features"][0]["properties"]
    assert props["along_m"] == both[0]["along_m"] and props["off_route_m"] > 0


def test_summary_view_and_cursor_bound_to_the_route(client, connection):
    route = [(-70.0, -61.0), (-70.0, -59.0)]
    with scratch(connection) as session:
        add_points(session, [(-70.0, -61 + i * 0.1) for i in range(5)])
        base = {"route": _route_param(route), "country": ISOLATED_COUNTRY, "limit": 2}
        first = client.get("/v1/points", params={**base, "view": "summary"}).json()
        assert {"along_m", "off_route_m"} <= set(first["items"][0])
        other = {**base, "corridor": 100, "cursor": first["next_cursor"]}
        response = client.get("/v1/points", params=other)
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "cursor"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"route": "_p~iF~ps|U_ulLnnqC_mqNvxq"}, "route"),  # ends inside a number
        ({"route": "abc"}, "route"),
        ({"route": "héllo"}, "route"),
        ({"route": "-76.7,8.5"}, "route"),  # one vertex
        ({"route": "-76.7,8.5;-76.7,8.5"}, "route"),  # no length
        ({"route": "-76.7,8.5;-77,95"}, "route"),  # latitude out of range
        ({"route": "-76.7,8.5;x,y"}, "route"),
        ({"route": "-76.7,8.5,1;-77,9"}, "route"),
        ({"route": "-100,40;-60,-30"}, "route"),  # about 8,900 km
        ({"route": polyline.encode([(8.5, -76 - i * 0.001) for i in range(1001)])}, "route"),
        ({"route": "-76.7,8.5;-77,9", "corridor": 50_001}, "corridor"),
        ({"route": "-76.7,8.5;-77,9", "corridor": 0}, "corridor"),
        ({"corridor": 500}, "corridor"),
        ({"route": "-76.7,8.5;-77,9", "near": "8.5,-76.7"}, "route"),
        ({"route": "-76.7,8.5;-77,9", "bbox": "-77,8,-76,9"}, "route"),
    ],
)
def test_bad_routes_are_422_naming_the_parameter(client, params, name):
    response = client.get("/v1/points", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert name in {e["name"] for e in response.json()["errors"]}


def test_a_route_at_the_vertex_limit_is_accepted(client):
    # 1,000 vertices as an encoded polyline (about 4 characters each) fit in a query string.
    route = [(8.5 + (i % 2) * 0.00001, -76.0 - i * 0.001) for i in range(1000)]
    response = client.get("/v1/points", params={"route": polyline.encode(route, 5)})
    assert response.status_code == 200, response.text
