"""PostGIS bounds a viewport's index scan by an envelope a little larger than the box
(``app.geo.postgis._envelope_wkt``): every point of the box must lie inside it on the
sphere, or a viewport would miss points along its edges."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.geo.postgis import _envelope_wkt, _view_kind
from app.geo.sphere import BBox


@st.composite
def boxes_and_points(draw: Any) -> tuple[BBox, list[tuple[float, float]]]:
    south = draw(st.floats(-89.0, 88.0))
    north = draw(st.floats(south + 1e-6, min(90.0, south + 80.0)))
    west = draw(st.floats(-180.0, 179.0))
    east = draw(st.floats(west + 1e-6, min(180.0, west + 90.0)))
    box = BBox(min_lon=west, min_lat=south, max_lon=east, max_lat=north)
    # Corners, edge midpoints (where a great circle strays furthest from a parallel) and
    # random points inside.
    mid_lon, mid_lat = (west + east) / 2, (south + north) / 2
    points = [(south, west), (north, east), (south, mid_lon), (north, mid_lon), (mid_lat, west)]
    fractions = st.floats(0.0, 1.0)
    for _ in range(4):
        fx, fy = draw(fractions), draw(fractions)
        points.append((south + fy * (north - south), west + fx * (east - west)))
    return box, points


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=boxes_and_points())
def test_the_envelope_holds_every_point_of_the_box(db: Any, engine_kind: str, case: Any) -> None:
    if engine_kind != "postgres":
        pytest.skip("the envelope bounds PostGIS's index scan")
    box, points = case
    assert _view_kind(box) == "bounded"
    envelope = _envelope_wkt(box)
    for lat, lon in points:
        covered = db.execute(
            text(
                "SELECT ST_Covers(ST_GeogFromText(:env), "
                "geography(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))"
            ),
            {"env": envelope, "lat": lat, "lon": lon},
        ).scalar()
        assert covered, (box, lat, lon)


@pytest.mark.parametrize(
    ("box", "lat", "lon"),
    [
        # Found by the property test: a point on a box's edge at the antimeridian.
        (BBox(min_lon=-180.0, min_lat=0.0, max_lon=-90.0, max_lat=1.0), 0.0, -180.0),
        (BBox(min_lon=100.0, min_lat=-5.0, max_lon=180.0, max_lat=5.0), 0.0, 180.0),
        (BBox(min_lon=100.0, min_lat=-5.0, max_lon=180.0, max_lat=5.0), 5.0, 180.0),
    ],
)
def test_the_envelope_holds_points_on_the_antimeridian(
    db: Any, engine_kind: str, box: BBox, lat: float, lon: float
) -> None:
    if engine_kind != "postgres":
        pytest.skip("the envelope bounds PostGIS's index scan")
    covered = db.execute(
        text(
            "SELECT ST_Covers(ST_GeogFromText(:env), "
            "geography(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))"
        ),
        {"env": _envelope_wkt(box), "lat": lat, "lon": lon},
    ).scalar()
    assert covered


def test_wide_and_antimeridian_boxes_are_not_bounded() -> None:
    assert _view_kind(BBox(min_lon=170.0, min_lat=0.0, max_lon=-170.0, max_lat=10.0)) == "across"
    assert _view_kind(BBox(min_lon=-170.0, min_lat=0.0, max_lon=0.0, max_lat=10.0)) == "plain"
    assert _view_kind(BBox(min_lon=-80.0, min_lat=-60.0, max_lon=-70.0, max_lat=60.0)) == "plain"
