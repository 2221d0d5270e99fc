"""Where-am-I against gazetteers: how often the country lookup names a place's own country.

    .venv/bin/python -m bench.where_check [--shared ../shared/data] [--list 20]

Places: the GeoNames towns of 15,000+ people in the Americas kept under ``tests/countries/
data`` (8,876), and, when the project's shared data folder is there, the diplomatic missions
of Latin America and the Caribbean, the hospitals of the Americas in the Wikidata extract,
and Argentina's public hospitals. For each set it prints how many places are answered with
their own country, how many are put elsewhere or "at sea", and lists them. A place is right
when ``app.countries.location.locate`` names its country (a US territory counts for a row
labelled "United States"). In the shared data sets (not the towns), rows with no land within
50 km (a hospital "train" in the open Pacific) and rows put more than 100 km from their
declared country (an embassy in Havana at Zagreb's coordinates) are counted apart, as
coordinate errors. The coordinates are only read here.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale

from app.countries.boundaries import Surface, load_boundaries
from app.countries.land import load_land_grid
from app.countries.location import locate

ROOT = Path(__file__).resolve().parents[1]
GEONAMES = ROOT / "tests" / "countries" / "data" / "geonames_americas_15000.csv"
SHARED = ROOT.parent / "shared" / "data"
# Wikidata labels the hospitals of US territories with "United States".
US_TERRITORIES = frozenset({"US", "PR", "VI", "GU", "MP", "AS", "UM"})
AMERICAS = frozenset(
    [
        "AG",
        "AI",
        "AR",
        "AW",
        "BB",
        "BL",
        "BM",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BZ",
        "CA",
        "CL",
        "CO",
        "CR",
        "CU",
        "CW",
        "DM",
        "DO",
        "EC",
        "FK",
        "GD",
        "GF",
        "GL",
        "GP",
        "GT",
        "GY",
        "HN",
        "HT",
        "JM",
        "KN",
        "KY",
        "LC",
        "MF",
        "MQ",
        "MS",
        "MX",
        "NI",
        "PA",
        "PE",
        "PM",
        "PR",
        "PY",
        "SR",
        "SV",
        "SX",
        "TC",
        "TT",
        "US",
        "UY",
        "VC",
        "VE",
        "VG",
        "VI",
    ]
)
NO_LAND_KM = 50.0
FAR_KM = 100.0


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country: str
    lat: float
    lon: float


@dataclass
class Agreement:
    places: int = 0
    right: int = 0
    wrong: list[tuple[Place, str | None]] = field(default_factory=list)
    at_sea: list[Place] = field(default_factory=list)
    no_land: list[Place] = field(default_factory=list)
    far: list[tuple[Place, str | None]] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return self.places - len(self.no_land) - len(self.far)

    @property
    def rate(self) -> float:
        return self.right / self.checked if self.checked else 1.0


def _same(declared: str, found: str | None) -> bool:
    return found == declared or (declared == "US" and found in US_TERRITORIES)


def agreement(places: Iterable[Place], *, screen: bool = False) -> Agreement:
    """How many ``places`` are answered with their own country; with ``screen``, rows
    with no land near them or far from their country are set apart as coordinate errors."""
    result = Agreement()
    land = load_land_grid()
    boundaries = load_boundaries()
    for place in places:
        result.places += 1
        if screen and not land.land_within(place.lat, place.lon, NO_LAND_KM):
            result.no_land.append(place)
            continue
        where = locate(place.lat, place.lon)
        if _same(place.country, where.code):
            result.right += 1
        elif screen and boundaries.nearest(place.lat, place.lon, FAR_KM, (place.country,)) is None:
            result.far.append((place, where.code))
            continue
        else:
            result.wrong.append((place, where.code))
        if where.surface is Surface.SEA:
            result.at_sea.append(place)
    return result


def geonames_towns(path: Path = GEONAMES) -> Iterator[Place]:
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield Place(row["name"], row["country"], float(row["lat"]), float(row["lon"]))


def missions(shared: Path = SHARED) -> Iterator[Place]:
    path = shared / "embassies-consulates" / "missions_in_latin_america_caribbean.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["latitude"] and row["longitude"] and row["country_iso2"]:
                name = f"{row['operator']} in {row['city'] or row['country']}"
                lat, lon = float(row["latitude"]), float(row["longitude"])
                yield Place(name, row["country_iso2"], lat, lon)


def wikidata_hospitals(shared: Path = SHARED) -> Iterator[Place]:
    codes = {name: code for code, name in Locale("en").territories.items() if len(code) == 2}
    codes["United States of America"] = "US"
    path = shared / "wikidata-hospitals" / "hospitals_wikidata.tsv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            code = codes.get(row["countryLabel"])
            geo = row["geo"]
            if code is None or code not in AMERICAS or not geo.startswith("Point("):
                continue
            lon, lat = (float(v) for v in geo.removeprefix("Point(").rstrip(")").split())
            yield Place(row["itemLabel"], code, lat, lon)


def argentine_hospitals(shared: Path = SHARED) -> Iterator[Place]:
    path = shared / "ar-public-hospitals" / "hospitales_publicos_sedronar.geojson"
    with path.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"][:2]
        yield Place(feature["properties"]["nombre"], "AR", float(lat), float(lon))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--list", type=int, default=20, help="misses to list per set")
    args = parser.parse_args()
    sets = {"GeoNames towns 15,000+ (Americas)": (geonames_towns, False)}
    if args.shared.is_dir():
        sets["diplomatic missions (LAC)"] = (lambda: missions(args.shared), True)
        sets["Wikidata hospitals (Americas)"] = (lambda: wikidata_hospitals(args.shared), True)
        sets["public hospitals (Argentina)"] = (lambda: argentine_hospitals(args.shared), True)
    for title, (load, screen) in sets.items():
        result = agreement(load(), screen=screen)
        print(
            f"{title}: {result.right}/{result.checked} right ({result.rate:.3%}), "
            f"{len(result.wrong)} elsewhere, {len(result.at_sea)} at sea; set apart: "
            f"{len(result.no_land)} with no land within {NO_LAND_KM:.0f} km, "
            f"{len(result.far)} over {FAR_KM:.0f} km from their country"
        )
        for place, found in (result.wrong + result.far)[: args.list]:
            print(f"  {place.name} ({place.country}) at {place.lat}, {place.lon}: {found}")
        for place in result.at_sea[: args.list]:
            print(f"  at sea: {place.name} ({place.country}) at {place.lat}, {place.lon}")


if __name__ == "__main__":
    main()
