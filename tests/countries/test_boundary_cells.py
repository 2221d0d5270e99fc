"""``Boundaries.containing`` answers from its memory of cells exactly what the parts
themselves answer: inland, at borders and coasts, at sea, on the cells' own edges and
corners, and after the memory was cleared for being full."""

from __future__ import annotations

import random

import pytest
import shapely

from app.countries import boundaries as boundaries_module
from app.countries.boundaries import CELLS_PER_DEGREE, Boundaries, load_boundaries


def _by_parts(found: Boundaries, lat: float, lon: float) -> tuple[bool, str | None]:
    for index in found._tree.query(shapely.Point(lon, lat)):
        if shapely.intersects_xy(found._parts[index], lon, lat):
            return True, found._codes[index]
    return False, None


def _places(seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    step = 1.0 / CELLS_PER_DEGREE
    places = [(rng.uniform(-60.0, 75.0), rng.uniform(-180.0, 180.0)) for _ in range(3000)]
    # Central America and the Darién, borders and both coasts (where the migrants are).
    places += [(rng.uniform(5.0, 20.0), rng.uniform(-95.0, -75.0)) for _ in range(4000)]
    # On the cells' edges and corners.
    places += [(k * step, rng.uniform(-92.0, -76.0)) for k in range(120, 300)]
    places += [(rng.uniform(7.0, 18.0), k * step) for k in range(-1470, -1220)]
    places += [(k * step, -83.0 + k * step / 10) for k in range(130, 260)]
    return places


@pytest.fixture(scope="module")
def boundaries() -> Boundaries:
    return load_boundaries()


def test_cells_answer_as_the_parts_do(boundaries: Boundaries) -> None:
    for lat, lon in _places(11):
        assert boundaries.containing(lat, lon) == _by_parts(boundaries, lat, lon), (lat, lon)
    # Asked again, from the cells now remembered.
    for lat, lon in _places(11):
        assert boundaries.containing(lat, lon) == _by_parts(boundaries, lat, lon), (lat, lon)
    remembered = boundaries._cells.values()
    assert any(v is None for v in remembered)  # borders and coasts: the parts answer
    assert any(v == (False, None) for v in remembered)  # open sea
    assert any(v is not None and v[0] for v in remembered)  # inland


def test_a_full_memory_starts_again(
    boundaries: Boundaries, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boundaries_module, "MAX_CELLS", 50)
    for lat, lon in _places(12)[:500]:
        assert boundaries.containing(lat, lon) == _by_parts(boundaries, lat, lon)
        assert len(boundaries._cells) <= 50
