"""The where lookup at the data layer: time-zone countries, zones of several countries,
land or sea, the batch lookup imports use, and the land grid (no database)."""

from __future__ import annotations

import random

import pytest

from app.countries import location, zones
from app.countries.boundaries import Surface
from app.countries.land import load_land_grid


def test_a_zone_names_its_own_country_first_and_the_others_of_zone1970():
    assert zones.countries_of("America/Panama")[0] == "PA"
    assert {"PA", "KY"} <= set(zones.countries_of("America/Panama"))
    assert zones.countries_of("America/Bogota") == ("CO",)
    assert zones.countries_of("Etc/GMT+5") == ()
    assert zones.countries_of(None) == ()


def test_every_zone_timezonefinder_knows_has_its_countries():
    for name in zones.finder().timezone_names:
        assert name.startswith("Etc/") or zones.countries_of(name), name


def test_coordinates_out_of_range_have_no_zone():
    assert zones.timezone_at(95.0, 10.0) is None
    assert zones.timezone_at(10.0, -181.0) is None


@pytest.mark.parametrize(
    ("lat", "lon", "zone", "code"),
    [
        (21.03, 105.85, "Asia/Bangkok", "VN"),  # Hanoi: a zone of several countries
        (13.75, 100.50, "Asia/Bangkok", "TH"),
        (42.66, 21.16, "Europe/Belgrade", "XK"),  # Pristina: Natural Earth's code kept
        (44.81, 20.46, "Europe/Belgrade", "RS"),
    ],
)
def test_a_zone_of_several_countries_is_split_with_the_polygons(lat, lon, zone, code):
    place = location.locate(lat, lon)
    assert (place.surface, place.zone, place.code) == (Surface.LAND, zone, code)


def test_an_island_neither_land_source_maps_is_land():
    place = location.locate(12.584, -81.701)  # San Andrés, Colombia
    assert (place.surface, place.code, place.zone) == (Surface.LAND, "CO", "America/Bogota")


def test_territorial_waters_and_international_waters():
    waters = location.locate(9.45, -79.95)  # 10 km off Colón
    assert (waters.surface, waters.code, waters.zone) == (Surface.SEA, "PA", "America/Panama")
    assert waters.nearest_code == "PA" and waters.nearest_km is not None
    ocean = location.locate(0.0, -30.0)
    assert (ocean.surface, ocean.code) == (Surface.SEA, None)
    assert ocean.zone is not None and ocean.zone.startswith("Etc/")


def test_countries_at_sea_and_in_small_territories_are_known():
    assert {"SX", "MF", "BL", "BQ", "CW", "AW", "XK"} <= location.known_codes()


def test_the_batch_lookup_agrees_with_one_by_one():
    """Imports locate a batch with ``country_codes``: where it names a country it is the one
    ``locate`` names; it leaves few points in a country to ``locate``."""
    rng = random.Random(13)
    places = [(rng.uniform(-56, 50), rng.uniform(-125, -34)) for _ in range(3000)]
    places += [(rng.uniform(-60, 75), rng.uniform(-180, 180)) for _ in range(2000)]
    places += [(8.53, -82.84), (14.68, -92.15), (25.899, -97.497), (21.03, 105.85)]
    codes = location.country_codes([lat for lat, _ in places], [lon for _, lon in places])
    in_a_country = left = 0
    for (lat, lon), code in zip(places, codes, strict=True):
        found = location.locate(lat, lon).code
        in_a_country += found is not None
        if code is None:
            left += found is not None
        else:
            assert found == code, (lat, lon)
    assert in_a_country > 1000 and left < in_a_country // 50
    assert location.country_codes([], []) == []


class TestLandGrid:
    def test_land_and_open_sea(self):
        grid = load_land_grid()
        assert grid.land_within(4.711, -74.072, 1)  # Bogotá
        assert not grid.land_within(0.0, -30.0, 30)  # mid-Atlantic

    def test_a_window_across_the_antimeridian(self):
        grid = load_land_grid()
        # Taveuni (Fiji) lies on both sides of 180°.
        assert grid.land_within(-16.85, 179.999, 5) and grid.land_within(-16.85, -179.999, 5)
        assert not grid.land_within(0.0, 179.99, 30) and not grid.land_within(0.0, -179.99, 30)

    def test_the_poles_and_the_edges_of_the_grid(self):
        grid = load_land_grid()
        assert grid.land_within(-90.0, 0.0, 1)  # Antarctica
        assert not grid.land_within(90.0, 0.0, 1)  # the Arctic Ocean at the pole
        assert grid.land_within(-89.99, 180.0, 1)


@pytest.mark.parametrize(("lat", "lon"), [(95.0, 0.0), (0.0, 200.0), (float("nan"), 0.0)])
def test_out_of_range_coordinates_are_refused_by_locate_and_left_by_the_batch(lat, lon):
    with pytest.raises(ValueError, match="out of range"):
        location.locate(lat, lon)
    assert location.country_codes([lat], [lon]) == [None]
