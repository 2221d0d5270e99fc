"""Where-am-I against whole gazetteers, at the data layer (``bench/where_check.py`` prints
the same figures): at least 99.8 % of places in their own country, none "at sea".

The GeoNames towns of 15,000+ people in the Americas are kept in the repository; the shared
data sets (diplomatic missions, Wikidata and Argentine hospitals) are read from the shared
data folder beside the repository when it is there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench import where_check
from bench.where_check import Place

THRESHOLD = 0.998


def test_geonames_towns_of_the_americas():
    result = where_check.agreement(where_check.geonames_towns())
    assert result.places > 8800 and result.checked == result.places
    assert result.rate >= THRESHOLD, result.wrong[:20]
    assert result.at_sea == []


SHARED_SETS: dict[str, Callable[[Path], Iterator[Place]]] = {
    "missions": where_check.missions,
    "wikidata-hospitals": where_check.wikidata_hospitals,
    "argentine-hospitals": where_check.argentine_hospitals,
}


@pytest.mark.skipif(not where_check.SHARED.is_dir(), reason="no shared data folder here")
@pytest.mark.parametrize("name", SHARED_SETS)
def test_shared_data_sets(name):
    result = where_check.agreement(SHARED_SETS[name](where_check.SHARED), screen=True)
    assert result.checked > 1000
    # Set apart as coordinate errors: a handful, each far from its stated country.
    assert len(result.no_land) + len(result.far) <= result.places * 0.005
    assert result.rate >= THRESHOLD, result.wrong[:20]
    assert result.at_sea == []
