"""The border and coastal reference set (``data/border_and_coast_towns.csv``): towns on both
sides of every border on the route and along the coasts, each with its ISO country.

``/v1/where`` must answer each with its own country, on land, with a time zone of that
country and that zone's offset; an import must accept each point in its country.
Coordinates: town centres from public knowledge, cross-checked against GeoNames
(CC BY 4.0); see ``data/README.md``."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.countries import zones
from tests.imports.helpers import csv_bytes, editor, post_import, row

DATA = Path(__file__).parent / "data" / "border_and_coast_towns.csv"


def _places() -> list[tuple[str, str, float, float]]:
    with DATA.open(encoding="utf-8") as handle:
        return [
            (r["place"], r["country"], float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(handle)
        ]


PLACES = _places()


def test_the_set_covers_the_route_and_the_coasts():
    assert len(PLACES) >= 80
    assert len({code for _, code, _, _ in PLACES}) >= 40
    names = {place for place, _, _, _ in PLACES}
    assert {"Necoclí", "Capurganá", "Leticia", "Tabatinga", "Brownsville", "Matamoros"} <= names


@pytest.mark.parametrize(("place", "code", "lat", "lon"), PLACES, ids=[p[0] for p in PLACES])
def test_where_answers_the_towns_own_country_on_land(client, place, code, lat, lon):
    response = client.get("/v1/where", params={"lat": lat, "lon": lon, "lang": "en"})
    assert response.status_code == 200, place
    body = response.json()
    assert body["surface"] == "land", place
    assert body["country"]["code"] == code, place
    assert code in zones.countries_of(body["timezone"]), (place, body["timezone"])
    local = dt.datetime.fromisoformat(body["local_time"])
    offset = local.astimezone(ZoneInfo(body["timezone"])).utcoffset()
    assert local.utcoffset() == offset, place
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    assert body["utc_offset"] == f"{sign}{minutes // 60:02d}:{minutes % 60:02d}", place


def test_an_import_accepts_every_town_in_its_own_country(client, db):
    headers, _ = editor(client, db)
    rows = [
        row(n, lat=f"{lat:.6f}", lon=f"{lon:.6f}", country=code, locality=place)
        for n, (place, code, lat, lon) in enumerate(PLACES)
    ]
    response = post_import(client, headers, csv_bytes(rows), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["failed"] == 0 and report["created"] == len(PLACES)
    # Not even a "check the side of the border" warning: the lookup knows the side.
    assert report["warnings"] == []
