"""Build seed/points/hospitals.json from the Wikidata hospitals extract in seed/sources/.

Run from the project root with the project's Python:

    .venv/bin/python seed/tools/build_hospitals.py

Input:  seed/sources/wikidata-hospitals/hospitals_route.tsv (trim_sources.py)
Output: seed/points/hospitals.json, an object {"organizations": [...], "points": [...]}

Each Wikidata item becomes one `health` point, its name as the extract gives it (the
language is guessed from the words: Spanish unless the label is plainly English), with a
short description in es/en/fr written here. Wikidata records no operator, hours or
services: each country's points belong to one descriptive organisation ("Hospitals of
Mexico (Wikidata list)"), and nothing is said about emergencies or opening hours.

Left out, and counted: items whose coordinates fail the project's country check
(app.exchange.checks: outside the stated country, or only within the border slack),
items marked closed or historic (a label saying so, or the short list below), items
without a name. An item listed twice (several websites) is kept once, with the first
website. The output is deterministic.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from babel import Locale

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.exchange.checks import check_country  # noqa: E402  (after the path is set)

SOURCE = ROOT / "seed" / "sources" / "wikidata-hospitals" / "hospitals_route.tsv"
OUTPUT = ROOT / "seed" / "points" / "hospitals.json"
# The commit of the extract (fititnt/sdm-test-data, 2024-08-10): the date its facts are as of.
AS_OF = "2024-08-10"

COUNTRIES = {
    "Mexico": "MX", "Guatemala": "GT", "Honduras": "HN", "El Salvador": "SV",
    "Nicaragua": "NI", "Costa Rica": "CR", "Panama": "PA", "Colombia": "CO",
}  # fmt: skip
# French "de/du" before the CLDR name of the country.
FR_OF = {
    "MX": "du {}", "GT": "du {}", "HN": "du {}", "SV": "du {}", "NI": "du {}",
    "CR": "du {}", "PA": "du {}", "CO": "de {}",
}  # fmt: skip
# Items that are no longer hospitals, from public knowledge of each place.
HISTORIC = {
    "Q5962778": "La Castañeda asylum, Mexico City: closed in 1968 and demolished",
    "Q9064314": "Hospital-town of Santa Fe (16th century), Mexico City: historic site",
    "Q5586235": "Gorgas Hospital, Panama: closed as a hospital after 1999",
}
CLOSED_RE = re.compile(r"clausurad|cerrad|desaparecid|demolid|\bantiguo\b|\bformer\b", re.I)
ENGLISH_RE = re.compile(
    r"\b(of|the|Children's|Center|Centre|University Hospital|Medical Center)\b|Hospitals?$"
)
QID_RE = re.compile(r"(Q\d+)$")
POINT_RE = re.compile(r"^Point\(([-0-9.eE]+) ([-0-9.eE]+)\)$")


def language_of(label: str) -> str:
    return "en" if ENGLISH_RE.search(label) else "es"


def clean_label(label: str) -> str:
    """The label as a name: CSV-doubled quotes undone, spaces collapsed."""
    value = label.strip()
    if value.startswith('"') and value.endswith('"'):
        value = value[1:-1].replace('""', '"')
    return " ".join(value.split())


def country_names(code: str) -> dict[str, str]:
    return {lang: Locale(lang).territories[code] for lang in ("es", "en", "fr")}


def organization_for(code: str) -> dict[str, Any]:
    names = country_names(code)
    return {
        "id": f"wikidata-hospitals-{code.lower()}",
        "name": f"Hospitals of {names['en']} (Wikidata list)",
        "names": {
            "es": f"Hospitales de {names['es']} (lista de Wikidata)",
            "en": f"Hospitals of {names['en']} (Wikidata list)",
            "fr": f"Hôpitaux {FR_OF[code].format(names['fr'])} (liste Wikidata)",
        },
        "country": code,
        "source": {
            "title": "Wikidata: items that are hospitals (extract of 2024-08-10)",
            "url": "https://www.wikidata.org/wiki/Q16917",
            "publisher": "Wikidata (CC0)",
        },
        "sample": False,
    }


DESCRIPTIONS = {
    "es": (
        "Hospital registrado en Wikidata (extracto de agosto de 2024). Wikidata no indica "
        "horarios, servicios, costos ni si atiende urgencias: confírmelo antes de ir. En una "
        "emergencia, llame al número de emergencias del país."
    ),
    "en": (
        "Hospital listed in Wikidata (extract of August 2024). Wikidata gives no opening "
        "hours, services, fees or whether it has an emergency department: check before "
        "going. In an emergency, call the country's emergency number."
    ),
    "fr": (
        "Hôpital répertorié dans Wikidata (extrait d'août 2024). Wikidata n'indique ni "
        "horaires, ni services, ni tarifs, ni s'il a des urgences : vérifiez avant de vous "
        "déplacer. En cas d'urgence, appelez le numéro d'urgence du pays."
    ),
}


def point_for(qid: str, name: str, code: str, lat: float, lon: float, site: str) -> dict[str, Any]:
    point: dict[str, Any] = {
        "external_id": f"wd-{qid}",
        "organization": f"wikidata-hospitals-{code.lower()}",
        "categories": ["health"],
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "country": code,
        "original_language": language_of(name),
    }
    if site.startswith(("http://", "https://")) and " " not in site:
        point["website"] = site
    point.update(
        {
            "status": "published",
            "source": {
                "title": f"Wikidata: {name}",
                "url": f"https://www.wikidata.org/wiki/{qid}",
                "publisher": "Wikidata (CC0)",
                "as_of": AS_OF,
            },
            "sample": False,
            # The name as Wikidata gives it, in every language: a proper name, not translated.
            "translations": {
                lang: {"name": name, "description": text} for lang, text in DESCRIPTIONS.items()
            },
        }
    )
    return point


def build(source: Path = SOURCE) -> tuple[dict[str, Any], Counter[str]]:
    """The seed file, and how many items were left out, by reason."""
    left_out: Counter[str] = Counter()
    points: dict[str, dict[str, Any]] = {}
    codes: set[str] = set()
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)
        for item, label, country, site, geo in reader:
            qid_match = QID_RE.search(item)
            where = POINT_RE.match(geo.strip())
            code = COUNTRIES[country]
            if qid_match is None:
                left_out["no Wikidata id"] += 1
                continue
            qid = qid_match.group(1)
            if f"wd-{qid}" in points:
                left_out["same item listed again (kept once)"] += 1
                continue
            name = clean_label(label)
            if not name or name == qid:
                left_out["no name"] += 1
                continue
            if qid in HISTORIC or CLOSED_RE.search(name):
                left_out["closed or historic"] += 1
                continue
            if where is None:
                left_out["no coordinates"] += 1
                continue
            lon, lat = float(where.group(1)), float(where.group(2))
            check = check_country(lat, lon, code)
            if not check.ok or check.warning:
                left_out["coordinates outside the stated country (country check)"] += 1
                continue
            codes.add(code)
            points[f"wd-{qid}"] = point_for(qid, name, code, lat, lon, site.strip())
    data = {
        "organizations": [organization_for(code) for code in sorted(codes)],
        "points": [points[key] for key in sorted(points)],
    }
    return data, left_out


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    data, left_out = build()
    OUTPUT.write_text(render(data), encoding="utf-8")
    by_country = Counter(p["country"] for p in data["points"])
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(data['points'])} hospitals {dict(by_country)}")
    for reason, count in sorted(left_out.items()):
        print(f"  left out: {count} ({reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
