"""Copy, trimmed, the open data the seed loads from the shared data folder into seed/sources/.

Run from the project root with the project's Python (only when the upstream extracts change):

    .venv/bin/python seed/tools/trim_sources.py

Input (<shared> is the folder `shared/` next to the checkout, or RUMBO_SHARED_DIR):
  <shared>/data/embassies-consulates/database_of_embassies.csv   (Wikidata, CC0)
  <shared>/data/embassies-consulates/missions_in_latin_america_caribbean.csv  (ISO codes)
  <shared>/data/wikidata-hospitals/hospitals_wikidata.tsv          (Wikidata, CC0)
Output:
  seed/sources/embassies-consulates/missions_americas.csv
      every mission located in the Americas that has coordinates, with the columns the
      seed uses and the ISO 3166-1 codes of the host and sending countries
  seed/sources/wikidata-hospitals/hospitals_route.tsv
      the hospitals of Mexico and of the other countries of the route, as in the extract

Rows are copied as they are (no filtering of bad coordinates here: build_consulates.py and
build_hospitals.py decide what is loaded, and say why the rest is not). Deterministic.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "seed" / "sources"
MISSIONS_OUT = SOURCES / "embassies-consulates" / "missions_americas.csv"
HOSPITALS_OUT = SOURCES / "wikidata-hospitals" / "hospitals_route.tsv"

# Host countries of the Americas outside the Latin America & Caribbean extract.
NORTH_AMERICA = {"United States of America": "US", "Canada": "CA"}
# Sending countries whose English label pycountry does not know. Operators that are not
# ISO countries (Sovereign Military Order of Malta, Sahrawi Arab Democratic Republic,
# Quebec, Turkish Republic of Northern Cyprus) keep an empty code.
OPERATOR_FIXES = {
    "The Bahamas": "BS", "Brunei": "BN", "São Tomé and Príncipe": "ST", "The Gambia": "GM",
}  # fmt: skip
MISSION_COLUMNS = (
    "QID", "type", "operator", "operatorQID", "operator_iso2", "country", "country_iso2",
    "city", "address", "latitude", "longitude", "phone", "email", "website",
)  # fmt: skip
# The route's countries, by the English names the hospitals extract uses.
ROUTE_COUNTRIES = {
    "Mexico": "MX", "Guatemala": "GT", "Honduras": "HN", "El Salvador": "SV",
    "Nicaragua": "NI", "Costa Rica": "CR", "Panama": "PA", "Colombia": "CO",
}  # fmt: skip


def shared_dir() -> Path:
    env = os.environ.get("RUMBO_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def _iso_of(name: str, known: dict[str, str]) -> str:
    if name in known:
        return known[name]
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return ""


def trim_missions(folder: Path) -> int:
    with (folder / "missions_in_latin_america_caribbean.csv").open(encoding="utf-8") as f:
        lac = list(csv.DictReader(f))
    hosts = {r["country"]: r["country_iso2"] for r in lac} | NORTH_AMERICA
    operators = {r["operator"]: r["operator_iso2"] for r in lac if r["operator_iso2"]}
    operators |= OPERATOR_FIXES
    out: list[dict[str, str]] = []
    with (folder / "database_of_embassies.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if row["country"] not in hosts or not row["latitude"].strip():
                continue
            out.append(
                {
                    **{k: row[k].strip() for k in MISSION_COLUMNS if k in row},
                    "country_iso2": hosts[row["country"]],
                    "operator_iso2": _iso_of(row["operator"], operators),
                }
            )
    out.sort(key=lambda r: (r["country_iso2"], r["QID"]))
    MISSIONS_OUT.parent.mkdir(parents=True, exist_ok=True)
    with MISSIONS_OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=MISSION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    return len(out)


def trim_hospitals(folder: Path) -> int:
    with (folder / "hospitals_wikidata.tsv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader)
        rows = [r for r in reader if len(r) == len(header) and r[2] in ROUTE_COUNTRIES]
    HOSPITALS_OUT.parent.mkdir(parents=True, exist_ok=True)
    with HOSPITALS_OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def main() -> int:
    data = shared_dir() / "data"
    if not data.is_dir():
        print(f"shared data folder not found: {data} (set RUMBO_SHARED_DIR)", file=sys.stderr)
        return 2
    missions = trim_missions(data / "embassies-consulates")
    hospitals = trim_hospitals(data / "wikidata-hospitals")
    print(f"missions with coordinates in the Americas: {missions}; route hospitals: {hospitals}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
