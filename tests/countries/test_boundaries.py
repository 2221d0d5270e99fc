"""Point in country on Natural Earth 1:50m (no database)."""

from __future__ import annotations

import random

import pytest

from app.countries.boundaries import Location, Surface, load_boundaries

# Points 2 km or more inside each side of three crossings on the route.
BORDER_POINTS = [
    ("Paso Canoas, Costa Rica side", 8.54, -82.87, "CR"),
    ("Paso Canoas, Panama side", 8.52, -82.80, "PA"),
    ("Tecún Umán, Guatemala side", 14.67, -92.11, "GT"),
    ("Ciudad Hidalgo, Mexico side", 14.70, -92.20, "MX"),
    ("San Diego (San Ysidro), United States side", 32.57, -117.04, "US"),
    ("Tijuana, Mexico side", 32.50, -117.03, "MX"),
]

OTHER_POINTS = [
    ("Necoclí", 8.43, -76.78, "CO"),
    ("Darién", 8.0, -77.5, "PA"),
    ("Cayenne, French Guiana (not France)", 4.93, -52.33, "GF"),
    ("Oiapoque", 3.84, -51.83, "BR"),
    ("Bonaire", 12.15, -68.27, "BQ"),
    ("Basseterre, Saint Kitts", 17.30, -62.72, "KN"),
    ("Hargeisa (Somaliland, de jure Somalia)", 9.56, 44.06, "SO"),
    ("Pristina", 42.66, 21.16, "XK"),
]


@pytest.fixture(scope="module")
def boundaries():
    return load_boundaries()


@pytest.mark.parametrize(("place", "lat", "lon", "code"), BORDER_POINTS + OTHER_POINTS)
def test_points_fall_in_the_right_country(boundaries, place, lat, lon, code):
    location = boundaries.locate(lat, lon)
    assert (location.surface, location.code) == (Surface.LAND, code), place


@pytest.mark.parametrize(("lat", "lon"), [(0.0, -30.0), (10.0, -100.0), (-40.0, -120.0)])
def test_open_sea_is_no_country(boundaries, lat, lon):
    location = boundaries.locate(lat, lon)
    assert location.surface is Surface.SEA
    assert location.code is None and location.nearest_code is None


def test_just_off_the_coast_names_the_nearest_country(boundaries):
    location = boundaries.locate(9.40, -79.95)
    assert location.surface is Surface.SEA and location.code is None
    assert location.nearest_code == "PA" and 0 < location.nearest_km <= 25


def test_small_states_are_included(boundaries):
    assert {"AG", "BB", "DM", "GD", "KN", "LC", "VC", "TT"} <= boundaries.codes


def test_loaded_once(boundaries):
    assert load_boundaries() is boundaries


def test_many_points_at_once_agree_with_one_by_one(boundaries):
    """``land_codes`` (imports check a batch in one call) names a country only where
    ``locate`` finds that country on land; elsewhere it leaves the answer to ``locate``."""
    rng = random.Random(8)
    places = [(lat, lon) for _, lat, lon, _ in BORDER_POINTS + OTHER_POINTS]
    places += [(rng.uniform(-60, 75), rng.uniform(-180, 180)) for _ in range(3000)]
    places += [(rng.uniform(-5, 33), rng.uniform(-118, -75)) for _ in range(3000)]
    codes = boundaries.land_codes([lat for lat, _ in places], [lon for _, lon in places])
    assert len(codes) == len(places)
    named = 0
    for (lat, lon), code in zip(places, codes, strict=True):
        if code is not None:
            named += 1
            assert boundaries.locate(lat, lon) == Location(Surface.LAND, code), (lat, lon)
    assert named > 1000
    assert boundaries.land_codes([], []) == []
