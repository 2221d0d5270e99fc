"""Build seed/points/consulates.json from the Wikidata missions extract in seed/sources/.

Run from the project root with the project's Python:

    .venv/bin/python seed/tools/build_consulates.py

The output is deterministic: the same input files give byte-identical JSON. Names in
es/en/fr are built from Unicode CLDR country names (via Babel); the grammar tables below
only add the articles and prepositions that CLDR does not provide.

Input:  seed/sources/embassies-consulates/missions_americas.csv (trim_sources.py)
Output: seed/points/consulates.json, an object {"organizations": [...], "points": [...]}

Every mission located in the Americas is kept unless it cannot be checked: its coordinates
fail the project's country check (app.exchange.checks, the check imports make: outside its
host country, or only within the border slack of it), or it is not a diplomatic or consular
office (trade and provincial government offices). The counts of what was left out, and why,
are printed.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
from babel import Locale

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.exchange.checks import check_country  # noqa: E402  (after the path is set)

SOURCE = ROOT / "seed" / "sources" / "embassies-consulates" / "missions_americas.csv"
OUTPUT = ROOT / "seed" / "points" / "consulates.json"
# The database-of-embassies commit the extract comes from: the date its facts are as of.
AS_OF = "2022-11-16"

# Types of office that give no consular service to travellers: left out.
NOT_CONSULAR = ("trade office", "government office")

MISSION_TYPES = {
    "embassy": {"es": "Embajada", "en": "Embassy", "fr": "Ambassade"},
    "consulate": {"es": "Consulado", "en": "Consulate", "fr": "Consulat"},
    "consulate general": {
        "es": "Consulado General",
        "en": "Consulate General",
        "fr": "Consulat général",
    },
    "high commission": {"es": "Alta Comisión", "en": "High Commission", "fr": "Haut-commissariat"},
    "apostolic nunciature": {
        "es": "Nunciatura Apostólica",
        "en": "Apostolic Nunciature",
        "fr": "Nonciature apostolique",
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
# "in <host>": hosts whose English name takes an article.
EN_IN = {"US": "the {}", "DO": "the {}", "BS": "the {}"}
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
# French "en/au/à/aux" before the host country's CLDR name (every host in the Americas).
FR_IN = {
    "CO": "en {}", "PA": "au {}", "CR": "au {}", "NI": "au {}", "HN": "au {}",
    "SV": "au {}", "GT": "au {}", "MX": "au {}", "AG": "à {}", "AR": "en {}",
    "BB": "à la {}", "BZ": "au {}", "BO": "en {}", "BR": "au {}", "CL": "au {}",
    "CU": "à {}", "DM": "à la {}", "DO": "en {}", "EC": "en {}", "GD": "à la {}",
    "GY": "au {}", "HT": "en {}", "JM": "en {}", "PY": "au {}", "PE": "au {}",
    "PR": "à {}", "KN": "à {}", "LC": "à {}", "VC": "à {}", "SR": "au {}",
    "BS": "aux {}", "TT": "à {}", "UY": "en {}", "VE": "au {}", "US": "aux {}",
    "CA": "au {}",
}  # fmt: skip

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QID_RE = re.compile(r"(Q\d+)$")
ISO_RE = re.compile(r"^[A-Z]{2}$")


def country_names(code: str) -> dict[str, str]:
    """CLDR names of an ISO country; an operator that is not one (Sovereign Military Order
    of Malta...) is passed by its Wikidata label, kept as it is in every language."""
    if not ISO_RE.match(code):
        return dict.fromkeys(("es", "en", "fr"), code)
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
        "en": f"{label['en']} of {en_of} in {EN_IN.get(host, '{}').format(host_names['en'])}",
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
    slug = (
        f"gov-{sender.lower()}-foreign-affairs"
        if ISO_RE.match(sender)
        else f"mission-operator-{wikidata_url(operator_uri).rsplit('/', 1)[1].lower()}"
    )
    return {
        "id": slug,
        "name": f"Diplomatic service of {en_of}",
        "names": {
            "es": f"Servicio diplomático {es_of}",
            "en": f"Diplomatic service of {en_of}",
            "fr": fr_name,
        },
        "country": sender if ISO_RE.match(sender) else None,
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


def build(source: Path = SOURCE) -> tuple[dict[str, Any], Counter[str]]:
    """The seed file, and how many missions were left out, by reason."""
    organizations: dict[str, dict[str, Any]] = {}
    points: list[dict[str, Any]] = []
    left_out: Counter[str] = Counter()
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            host = row["country_iso2"]
            sender = row["operator_iso2"] or row["operator"]
            kind = row["type"].strip().lower()
            if any(word in kind for word in NOT_CONSULAR):
                left_out["not a diplomatic or consular office"] += 1
                continue
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                left_out["no coordinates"] += 1
                continue
            check = check_country(lat, lon, host)
            if not check.ok or check.warning:
                left_out["coordinates outside the host country (country check)"] += 1
                continue
            org = organization_for(sender, row["operator"], row["operatorQID"])
            organizations[org["id"]] = org
            points.append(point_for(row, host, sender, lat, lon, org["id"]))
    points.sort(key=lambda p: p["external_id"])
    # Wikidata has a few items twice (one mission, two QIDs is fine; one QID, two rows not).
    unique = {p["external_id"]: p for p in points}
    left_out["same Wikidata item twice"] += len(points) - len(unique)
    data = {
        "organizations": sorted(organizations.values(), key=lambda o: o["id"]),
        "points": list(unique.values()),
    }
    return data, left_out


def point_for(
    row: dict[str, str], host: str, sender: str, lat: float, lon: float, org_id: str
) -> dict[str, Any]:
    qid = wikidata_url(row["QID"]).rsplit("/", 1)[1]
    names = mission_names(row["type"].strip().lower(), sender, host)
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
                "as_of": AS_OF,
            },
            "sample": False,
            "translations": translations,
        }
    )
    return point


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    data, left_out = build()
    OUTPUT.write_text(render(data), encoding="utf-8")
    print(
        f"wrote {OUTPUT.relative_to(ROOT)}: {len(data['points'])} missions, "
        f"{len(data['organizations'])} organizations"
    )
    for reason, count in sorted(left_out.items()):
        print(f"  left out: {count} ({reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
