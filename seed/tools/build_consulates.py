"""Build seed/points/consulates.json from the Wikidata missions extract in shared/.

Run from the project root with the project's Python:

    .venv/bin/python seed/tools/build_consulates.py

The output is deterministic: the same input files give byte-identical JSON. Names in
es/en/fr are built from Unicode CLDR country names (via Babel); the grammar tables below
only add the articles and prepositions that CLDR does not provide.

Input:  <shared>/data/embassies-consulates/missions_in_latin_america_caribbean.csv
        <shared>/data/countries/ne_50m_admin0_countries.geojson
Output: seed/points/consulates.json, an object {"organizations": [...], "points": [...]}

<shared> is the folder `shared/` next to the project checkout, or RUMBO_SHARED_DIR.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import phonenumbers
from babel import Locale
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "seed" / "points" / "consulates.json"

# Countries where the seed has service points (host countries of the missions).
HOST_COUNTRIES = ("CO", "PA", "CR", "NI", "HN", "SV", "GT", "MX")

# Sending countries whose nationals are frequent on the route.
SENDING_COUNTRIES = (
    "VE", "HT", "CU", "EC", "CO", "PE", "CL", "BR", "CN", "IN", "AF", "CM", "AO",
    "SN", "GN", "NP", "BD", "DO", "HN", "SV", "GT", "NI", "MX", "US", "CA",
)  # fmt: skip

MISSION_TYPES = {
    "embassy": {"es": "Embajada", "en": "Embassy", "fr": "Ambassade"},
    "consulate": {"es": "Consulado", "en": "Consulate", "fr": "Consulat"},
    "consulate general": {
        "es": "Consulado General",
        "en": "Consulate General",
        "fr": "Consulat général",
    },
    "honorary consulate": {
        "es": "Consulado honorario",
        "en": "Honorary Consulate",
        "fr": "Consulat honoraire",
    },
}
OTHER_MISSION = {
    "es": "Misión diplomática",
    "en": "Diplomatic mission",
    "fr": "Mission diplomatique",
}

# "of <country>" — articles that CLDR names do not carry. Default: es "de X", en "X".
ES_OF = {"DO": "de la {}", "IN": "de la {}"}
EN_OF = {"US": "the {}", "DO": "the {}"}
# French "de/du/des/d'" before the CLDR name. A country missing here falls back to the
# article-free form "Ambassade : Venezuela (Panama)" rather than guessing the grammar.
FR_OF = {
    "VE": "du {}", "HT": "d'{}", "CU": "de {}", "EC": "de l'{}", "CO": "de {}",
    "PE": "du {}", "CL": "du {}", "BR": "du {}", "CN": "de {}", "IN": "de l'{}",
    "AF": "d'{}", "CM": "du {}", "AO": "d'{}", "SN": "du {}", "GN": "de {}",
    "NP": "du {}", "BD": "du {}", "DO": "de la {}", "HN": "du {}", "SV": "du {}",
    "GT": "du {}", "NI": "du {}", "MX": "du {}", "US": "des {}", "CA": "du {}",
    "PA": "du {}", "CR": "du {}",
}  # fmt: skip
# French "en/au" before the host country's CLDR name.
FR_IN = {
    "CO": "en {}", "PA": "au {}", "CR": "au {}", "NI": "au {}", "HN": "au {}",
    "SV": "au {}", "GT": "au {}", "MX": "au {}",
}  # fmt: skip

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QID_RE = re.compile(r"(Q\d+)$")


def shared_dir() -> Path:
    env = os.environ.get("RUMBO_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


class CountryLocator:
    """Point-in-polygon lookup on the Natural Earth 1:50m admin-0 polygons."""

    def __init__(self, geojson_path: Path) -> None:
        features = json.loads(geojson_path.read_text(encoding="utf-8"))["features"]
        self._geoms = [shape(f["geometry"]) for f in features]
        self._codes = [f["properties"]["iso_a2"] for f in features]
        self._tree = STRtree(self._geoms)

    def country_at(self, lat: float, lon: float) -> str | None:
        point = Point(lon, lat)
        for index in self._tree.query(point):
            if self._geoms[int(index)].contains(point):
                return self._codes[int(index)]
        return None


def country_names(code: str) -> dict[str, str]:
    return {lang: Locale(lang).territories[code] for lang in ("es", "en", "fr")}


def of_phrase(code: str) -> dict[str, str] | None:
    """'de Venezuela' / 'Venezuela' / 'du Venezuela', or None when French grammar is unknown."""
    names = country_names(code)
    if code not in FR_OF:
        return None
    return {
        "es": ES_OF.get(code, "de {}").format(names["es"]),
        "en": EN_OF.get(code, "{}").format(names["en"]),
        "fr": FR_OF[code].format(names["fr"]),
    }


def mission_names(kind: str, sender: str, host: str) -> dict[str, str]:
    label = MISSION_TYPES.get(kind, OTHER_MISSION)
    sender_names, host_names = country_names(sender), country_names(host)
    sender_of = of_phrase(sender)
    es_of = sender_of["es"] if sender_of else f"de {sender_names['es']}"
    en_of = sender_of["en"] if sender_of else sender_names["en"]
    names = {
        "es": f"{label['es']} {es_of} en {host_names['es']}",
        "en": f"{label['en']} of {en_of} in {host_names['en']}",
    }
    if sender_of and host in FR_IN:
        names["fr"] = f"{label['fr']} {sender_of['fr']} {FR_IN[host].format(host_names['fr'])}"
    else:
        names["fr"] = f"{label['fr']} : {sender_names['fr']} ({host_names['fr']})"
    return names


def mission_descriptions(city: str, sender: str) -> dict[str, str]:
    sender_names = country_names(sender)
    sender_of = of_phrase(sender)
    es_of = sender_of["es"] if sender_of else f"de {sender_names['es']}"
    en_of = sender_of["en"] if sender_of else sender_names["en"]
    fr_people = (
        f"Les ressortissants {sender_of['fr']}"
        if sender_of
        else f"Les ressortissants du pays concerné ({sender_names['fr']})"
    )
    place = f" ({city})" if city else ""
    return {
        "es": (
            f"Representación diplomática{place}. Las personas nacionales {es_of} pueden "
            "consultar aquí los servicios consulares (pasaportes, registro civil, protección "
            "consular). Confirme horarios, citas y requisitos antes de ir: los datos provienen "
            "de Wikidata (2022) y pueden estar desactualizados."
        ),
        "en": (
            f"Diplomatic mission{place}. Nationals of {en_of} can ask here about consular "
            "services (passports, civil registration, consular protection). Check opening "
            "times, appointments and requirements before going: the data come from Wikidata "
            "(2022) and may be out of date."
        ),
        "fr": (
            f"Représentation diplomatique{place}. {fr_people} peuvent s'y renseigner sur les "
            "services consulaires (passeports, état civil, protection consulaire). Vérifiez les "
            "horaires, les rendez-vous et les conditions avant de vous déplacer : les données "
            "proviennent de Wikidata (2022) et peuvent être anciennes."
        ),
    }


def organization_for(sender: str, operator_label: str, operator_uri: str) -> dict[str, Any]:
    names = country_names(sender)
    sender_of = of_phrase(sender)
    es_of = sender_of["es"] if sender_of else f"de {names['es']}"
    en_of = sender_of["en"] if sender_of else names["en"]
    fr_name = (
        f"Service diplomatique {sender_of['fr']}"
        if sender_of
        else f"Service diplomatique : {names['fr']}"
    )
    return {
        "id": f"gov-{sender.lower()}-foreign-affairs",
        "name": f"Diplomatic service of {en_of}",
        "names": {
            "es": f"Servicio diplomático {es_of}",
            "en": f"Diplomatic service of {en_of}",
            "fr": fr_name,
        },
        "country": sender,
        "source": {
            "title": f"Wikidata: {operator_label}",
            "url": wikidata_url(operator_uri),
            "publisher": "Wikidata (CC0)",
        },
        "sample": False,
    }


def wikidata_url(uri: str) -> str:
    match = QID_RE.search(uri.strip())
    if not match:
        raise ValueError(f"not a Wikidata entity URI: {uri!r}")
    return f"https://www.wikidata.org/wiki/{match.group(1)}"


def e164(raw: str, region: str) -> str | None:
    if not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(raw: str) -> str | None:
    value = raw.strip().removeprefix("mailto:").strip()
    return value if EMAIL_RE.match(value) else None


def clean_website(raw: str) -> str | None:
    value = raw.strip()
    return value if value.startswith(("http://", "https://")) else None


def build(shared: Path) -> dict[str, Any]:
    missions = shared / "data" / "embassies-consulates" / "missions_in_latin_america_caribbean.csv"
    locator = CountryLocator(shared / "data" / "countries" / "ne_50m_admin0_countries.geojson")
    organizations: dict[str, dict[str, Any]] = {}
    points: list[dict[str, Any]] = []
    with missions.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            host, sender = row["country_iso2"], row["operator_iso2"]
            if host not in HOST_COUNTRIES or sender not in SENDING_COUNTRIES:
                continue
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                continue  # no coordinates
            if locator.country_at(lat, lon) != host:
                continue  # coordinates outside the host country
            org = organization_for(sender, row["operator"], row["operatorQID"])
            organizations[org["id"]] = org
            points.append(point_for(row, host, sender, lat, lon, org["id"]))
    points.sort(key=lambda p: p["external_id"])
    return {
        "organizations": sorted(organizations.values(), key=lambda o: o["id"]),
        "points": points,
    }


def point_for(
    row: dict[str, str], host: str, sender: str, lat: float, lon: float, org_id: str
) -> dict[str, Any]:
    qid = wikidata_url(row["QID"]).rsplit("/", 1)[1]
    names = mission_names(row["type"].strip(), sender, host)
    descriptions = mission_descriptions(row["city"].strip(), sender)
    translations: dict[str, dict[str, str]] = {
        lang: {"name": names[lang], "description": descriptions[lang]}
        for lang in ("es", "en", "fr")
    }
    if row["address"].strip():
        for lang in translations:
            translations[lang]["address"] = row["address"].strip()
    point: dict[str, Any] = {
        "external_id": f"wd-{qid}",
        "organization": org_id,
        "categories": ["consulate"],
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "country": host,
    }
    if row["city"].strip():
        point["locality"] = row["city"].strip()
    point["original_language"] = "en"
    phone = e164(row["phone"], host)
    if phone:
        point["phones"] = [phone]
    email = clean_email(row["email"])
    if email:
        point["email"] = email
    website = clean_website(row["website"])
    if website:
        point["website"] = website
    point.update(
        {
            "status": "published",
            "source": {
                "title": "Wikidata via database-of-embassies",
                "url": wikidata_url(row["QID"]),
                "publisher": "Wikidata (CC0)",
            },
            "sample": False,
            "translations": translations,
        }
    )
    return point


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    shared = shared_dir()
    if not shared.is_dir():
        print(f"shared data folder not found: {shared} (set RUMBO_SHARED_DIR)", file=sys.stderr)
        return 2
    data = build(shared)
    OUTPUT.write_text(render(data), encoding="utf-8")
    print(
        f"wrote {OUTPUT.relative_to(ROOT)}: {len(data['points'])} missions, "
        f"{len(data['organizations'])} organizations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
