"""Validate the seed data under seed/ and print a summary.

Run from the project root with the project's Python:

    .venv/bin/python seed/tools/check_seed.py

Exits with status 1 and lists every problem found, or 0 when the seed is consistent.
Coordinates are checked with the project's own country check (app.exchange.checks, the one
imports use); consulates.json and hospitals.json are regenerated in memory from
seed/sources/ to check they are current.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import langcodes
import opening_hours
import phonenumbers
import pycountry

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_consulates
import build_hospitals

from app.exchange.checks import check_country

ROOT = build_consulates.ROOT
SEED = ROOT / "seed"
POINT_COUNTRIES = ("co", "pa", "cr", "ni", "hn", "gt", "mx")
MIN_POINTS = 150
MAX_NOT_PUBLISHED = 10

CATEGORY_CODES = (
    "shelter", "food", "water", "health", "health_primary", "health_mental", "health_srh",
    "migration_office", "asylum_office", "legal_aid", "consulate", "child_protection",
    "gbv_support", "information_point", "phone_charging_wifi", "money_transfer", "hygiene",
    "transport", "humanitarian_aid",
)  # fmt: skip
AUDIENCE_CODES = (
    "children", "unaccompanied_minors", "women", "families", "lgbtiq",
    "persons_with_disabilities", "older_persons", "victims_of_trafficking",
)  # fmt: skip
NAME_LANGS = ("es", "en", "fr", "pt", "ht")
TEXT_LANGS = ("es", "en", "fr")
TRANSLATION_LANGS = ("es", "en", "fr", "pt", "ht")
TRANSLATION_FIELDS = ("name", "description", "address", "documents_required", "accessibility")
STATUSES = ("published", "temporarily_closed", "permanently_closed", "draft")
SAMPLE_SOURCE = {"title": "Sample data to verify", "publisher": "Rumbo seed"}

# Points that deliberately have no French translation, to exercise language fallback.
FALLBACK_WITHOUT_FR = frozenset(
    {
        "ni-chinandega-western-union",
        "hn-san-pedro-sula-terminal",
        "gt-quetzaltenango-terminal-minerva",
        "mx-queretaro-cruz-roja-primeros-auxilios",
        "mx-oaxaca-terminal-ado",
    }
)
EXTRA_LANGUAGE_POINTS = (5, 16)  # how many points must carry a pt or ht translation

POINT_REQUIRED = (
    "external_id", "organization", "categories", "lat", "lon", "country", "original_language",
    "status", "source", "sample", "translations",
)  # fmt: skip
POINT_OPTIONAL = (
    "locality", "phones", "email", "website", "whatsapp", "opening_hours", "free", "audiences",
    "spoken_languages", "location_precision",
)  # fmt: skip
# Shelters for these audiences must not show their exact place (docs/privacy.md).
SENSITIVE_AUDIENCES = frozenset({"women", "children", "lgbtiq", "unaccompanied_minors"})
PRECISIONS = ("exact", "approximate", "hidden")
ORG_REQUIRED = ("id", "name", "country", "source", "sample")
ORG_OPTIONAL = ("names", "website")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_RE = re.compile(r"^[a-z][a-z_]*[a-z]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WIKIDATA_ID_RE = re.compile(r"^wd-Q\d+$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def require(self, condition: bool, where: str, message: str) -> bool:
        if not condition:
            self.fail(where, message)
        return condition


def load(path: Path, check: Checker) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        check.fail(str(path.relative_to(ROOT)), "missing")
    except json.JSONDecodeError as exc:
        check.fail(str(path.relative_to(ROOT)), f"invalid JSON: {exc}")
    return None


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value == value.strip()


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://")) and " " not in value


def check_texts(check: Checker, where: str, texts: Any, langs: tuple[str, ...]) -> None:
    if not check.require(isinstance(texts, dict), where, "must be an object"):
        return
    for lang in langs:
        check.require(is_text(texts.get(lang)), where, f"missing or empty {lang!r}")
    for lang in texts:
        check.require(lang in NAME_LANGS, where, f"unexpected language {lang!r}")


def check_categories(check: Checker, categories: Any) -> set[str]:
    where = "categories.json"
    if not check.require(isinstance(categories, list), where, "must be a list"):
        return set()
    codes = [c.get("code") for c in categories if isinstance(c, dict)]
    check.require(tuple(codes) == CATEGORY_CODES, where, f"codes must be exactly {CATEGORY_CODES}")
    seen: set[str] = set()
    for item in categories:
        code = item.get("code")
        at = f"{where} [{code}]"
        extra = set(item) - {"code", "parent", "icon", "names", "descriptions", "keywords"}
        check.require(not extra, at, f"unexpected keys {sorted(extra)}")
        parent = item.get("parent")
        check.require(parent is None or parent in seen, at, f"parent {parent!r} must come first")
        check.require(is_text(item.get("icon")), at, "icon must be a short name")
        check_texts(check, f"{at} names", item.get("names"), NAME_LANGS)
        check_texts(check, f"{at} descriptions", item.get("descriptions"), TEXT_LANGS)
        keywords = item.get("keywords")
        if check.require(isinstance(keywords, dict), at, "keywords must be an object"):
            for lang in TEXT_LANGS:
                words = keywords.get(lang)
                check.require(
                    isinstance(words, list) and bool(words) and all(is_text(w) for w in words),
                    at,
                    f"keywords[{lang!r}] must be a non-empty list of words",
                )
        seen.add(code)
    return seen


def check_audiences(check: Checker, audiences: Any) -> set[str]:
    where = "audiences.json"
    if not check.require(isinstance(audiences, list), where, "must be a list"):
        return set()
    codes = [a.get("code") for a in audiences if isinstance(a, dict)]
    check.require(sorted(codes) == sorted(AUDIENCE_CODES), where, f"codes must be {AUDIENCE_CODES}")
    for item in audiences:
        at = f"{where} [{item.get('code')}]"
        check.require(set(item) == {"code", "names"}, at, "keys must be code and names")
        check_texts(check, f"{at} names", item.get("names"), NAME_LANGS)
    return set(codes)


def check_source(check: Checker, where: str, source: Any, sample: Any) -> None:
    if not check.require(isinstance(source, dict), where, "source must be an object"):
        return
    if sample is True:
        check.require(source == SAMPLE_SOURCE, where, f"sample records use source {SAMPLE_SOURCE}")
        return
    check.require(
        set(source) - {"as_of"} == {"title", "url", "publisher"},
        where,
        "source needs title, url, publisher (and as_of when the source is dated)",
    )
    if "as_of" in source:
        as_of = source["as_of"]
        check.require(
            isinstance(as_of, str)
            and bool(DATE_RE.match(as_of))
            and dt.date.fromisoformat(as_of) <= dt.date.today(),
            where,
            f"source as_of {as_of!r} must be a past date, YYYY-MM-DD",
        )
    check.require(is_text(source.get("title")), where, "source title is empty")
    check.require(is_text(source.get("publisher")), where, "source publisher is empty")
    check.require(is_url(source.get("url")), where, "source url must be http(s)")


def check_organizations(check: Checker, organizations: Any, where: str) -> set[str]:
    if not check.require(isinstance(organizations, list), where, "must be a list"):
        return set()
    ids: set[str] = set()
    for org in organizations:
        oid = org.get("id")
        at = f"{where} [{oid}]"
        missing = [k for k in ORG_REQUIRED if k not in org]
        extra = set(org) - set(ORG_REQUIRED) - set(ORG_OPTIONAL)
        check.require(not missing, at, f"missing keys {missing}")
        check.require(not extra, at, f"unexpected keys {sorted(extra)}")
        check.require(isinstance(oid, str) and bool(SLUG_RE.match(oid)), at, "id must be a slug")
        check.require(oid not in ids, at, "duplicate id")
        ids.add(oid)
        check.require(is_text(org.get("name")), at, "name is empty")
        if "names" in org:
            check_texts(check, f"{at} names", org["names"], TEXT_LANGS)
        if "website" in org:
            check.require(is_url(org["website"]), at, "website must be http(s)")
        country = org.get("country")
        check.require(
            # XK (Kosovo): user-assigned code, used by CLDR and Wikidata's extract.
            country is None
            or country == "XK"
            or pycountry.countries.get(alpha_2=country) is not None,
            at,
            f"country {country!r} is not ISO 3166-1 alpha-2 (or null)",
        )
        check.require(isinstance(org.get("sample"), bool), at, "sample must be a boolean")
        check_source(check, at, org.get("source"), org.get("sample"))
    return ids


def check_phone(check: Checker, where: str, number: Any) -> None:
    if not check.require(isinstance(number, str) and number.startswith("+"), where, "not E.164"):
        return
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        check.fail(where, f"unparsable phone {number}")
        return
    check.require(phonenumbers.is_valid_number(parsed), where, f"invalid phone {number}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    check.require(e164 == number, where, f"phone {number} is not in E.164 form ({e164})")


def check_point(
    check: Checker,
    point: dict[str, Any],
    where: str,
    refs: dict[str, set[str]],
) -> None:
    eid = point.get("external_id")
    at = f"{where} [{eid}]"
    missing = [k for k in POINT_REQUIRED if k not in point]
    extra = set(point) - set(POINT_REQUIRED) - set(POINT_OPTIONAL)
    check.require(not missing, at, f"missing keys {missing}")
    check.require(not extra, at, f"unexpected keys {sorted(extra)}")
    check.require(point.get("organization") in refs["organizations"], at, "unknown organization")
    precision = point.get("location_precision", "exact")
    check.require(precision in PRECISIONS, at, f"location_precision must be one of {PRECISIONS}")
    check.require(
        precision != "exact"
        or "shelter" not in (point.get("categories") or [])
        or not SENSITIVE_AUDIENCES & set(point.get("audiences") or []),
        at,
        "a shelter for women, children or LGBTI people must be approximate or hidden",
    )
    categories = point.get("categories")
    if check.require(
        isinstance(categories, list) and bool(categories), at, "categories must be non-empty"
    ):
        check.require(len(set(categories)) == len(categories), at, "duplicate categories")
        for code in categories:
            check.require(code in refs["categories"], at, f"unknown category {code!r}")
    for code in point.get("audiences", []):
        check.require(code in refs["audiences"], at, f"unknown audience {code!r}")
    lat, lon, country = point.get("lat"), point.get("lon"), point.get("country")
    if check.require(
        isinstance(lat, float)
        and isinstance(lon, float)
        and -90 <= lat <= 90
        and -180 <= lon <= 180,
        at,
        "lat/lon must be decimal degrees",
    ):
        found = check_country(lat, lon, str(country))
        check.require(
            found.ok and not found.warning, at, f"({lat}, {lon}): {found.detail} ({country})"
        )
    if "locality" in point:
        check.require(is_text(point["locality"]), at, "locality is empty")
    for tag in [point.get("original_language"), *point.get("spoken_languages", [])]:
        check.require(
            isinstance(tag, str) and langcodes.tag_is_valid(tag), at, f"bad BCP 47 tag {tag!r}"
        )
    for number in point.get("phones", []):
        check_phone(check, at, number)
    if "whatsapp" in point:
        check_phone(check, at, point["whatsapp"])
    if "email" in point:
        check.require(bool(EMAIL_RE.match(str(point["email"]))), at, "invalid email")
    if "website" in point:
        check.require(is_url(point["website"]), at, "website must be http(s)")
    if "opening_hours" in point:
        try:
            opening_hours.OpeningHours(point["opening_hours"])
        except Exception as exc:  # the parser raises its own error types
            check.fail(at, f"opening_hours {point['opening_hours']!r} does not parse: {exc}")
    if "free" in point:
        check.require(isinstance(point["free"], bool), at, "free must be a boolean")
    check.require(point.get("status") in STATUSES, at, f"status must be one of {STATUSES}")
    check.require(isinstance(point.get("sample"), bool), at, "sample must be a boolean")
    check_source(check, at, point.get("source"), point.get("sample"))
    check_translations(check, at, eid, point.get("translations"))


def check_translations(check: Checker, at: str, eid: Any, translations: Any) -> None:
    if not check.require(isinstance(translations, dict), at, "translations must be an object"):
        return
    required = ["es", "en"] if eid in FALLBACK_WITHOUT_FR else ["es", "en", "fr"]
    for lang in required:
        check.require(lang in translations, at, f"missing {lang!r} translation")
    if eid in FALLBACK_WITHOUT_FR:
        check.require("fr" not in translations, at, "listed as a fallback case but has 'fr'")
    for lang, fields in translations.items():
        check.require(lang in TRANSLATION_LANGS, at, f"unexpected translation language {lang!r}")
        if not check.require(isinstance(fields, dict), at, f"translation {lang!r} not an object"):
            continue
        for key in ("name", "description"):
            check.require(is_text(fields.get(key)), at, f"{lang}.{key} missing or empty")
        for key, value in fields.items():
            check.require(key in TRANSLATION_FIELDS, at, f"unexpected field {lang}.{key}")
            check.require(is_text(value), at, f"{lang}.{key} is empty")


def check_points_file(
    check: Checker,
    code: str,
    points: Any,
    refs: dict[str, set[str]],
    seen_ids: set[str],
) -> list[dict[str, Any]]:
    where = f"points/{code}.json"
    if not check.require(isinstance(points, list), where, "must be a list"):
        return []
    for point in points:
        eid = point.get("external_id")
        at = f"{where} [{eid}]"
        check.require(
            isinstance(eid, str) and bool(SLUG_RE.match(eid)) and eid.startswith(f"{code}-"),
            at,
            f"external_id must be a lowercase slug starting with '{code}-'",
        )
        check.require(eid not in seen_ids, at, "duplicate external_id")
        seen_ids.add(eid)
        check.require(point.get("country") == code.upper(), at, f"country must be {code.upper()}")
        check_point(check, point, where, refs)
    return points


def check_generated(
    check: Checker,
    name: str,
    data: Any,
    refs: dict[str, set[str]],
    seen_ids: set[str],
    *,
    category: str,
    expected: str,
) -> list[dict[str, Any]]:
    """A generated file (consulates.json, hospitals.json): its records, and that it is what
    its build script gives today (``expected``)."""
    where = f"points/{name}"
    if not check.require(
        isinstance(data, dict) and set(data) == {"organizations", "points"},
        where,
        "must be an object with 'organizations' and 'points'",
    ):
        return []
    org_ids = check_organizations(check, data["organizations"], f"{where} organizations")
    overlap = org_ids & refs["organizations"]
    check.require(not overlap, where, f"organization ids also in organizations.json: {overlap}")
    local_refs = {**refs, "organizations": org_ids}
    for point in data["points"]:
        eid = point.get("external_id")
        at = f"{where} [{eid}]"
        check.require(isinstance(eid, str) and bool(WIKIDATA_ID_RE.match(eid)), at, "bad id")
        check.require(eid not in seen_ids, at, "duplicate external_id")
        seen_ids.add(eid)
        check.require(point.get("categories") == [category], at, f"category must be {category}")
        check.require(point.get("sample") is False, at, "generated records are sourced")
        check.require(
            point.get("source", {}).get("publisher") == "Wikidata (CC0)", at, "wrong source"
        )
        check_point(check, point, where, local_refs)
    actual = (SEED / "points" / name).read_text(encoding="utf-8")
    check.require(
        actual == expected, where, f"out of date: run the build script that writes {name}"
    )
    return list(data["points"])


def summarize(
    points: list[dict[str, Any]],
    consulates: list[dict[str, Any]],
    hospitals: list[dict[str, Any]],
) -> None:
    by_country = Counter(p["country"] for p in points)
    by_category = Counter(c for p in points for c in p["categories"])
    main_category = Counter(p["categories"][0] for p in points)
    sample = sum(1 for p in points if p["sample"])
    status = Counter(p["status"] for p in points)
    print(
        f"service points: {len(points)} (+ {len(consulates)} consulates, "
        f"{len(hospitals)} hospitals)"
    )
    dated = sum(1 for p in points if "as_of" in p["source"])
    print(f"  sourced points with an as-of date: {dated}")
    print("  per country:", ", ".join(f"{k} {v}" for k, v in sorted(by_country.items())))
    print("  per category (any / main):")
    for code in CATEGORY_CODES:
        if by_category[code]:
            print(f"    {code:<20} {by_category[code]:>3} / {main_category[code]:>3}")
    print(
        f"  sample {sample}, sourced {len(points) - sample}; consulates sourced {len(consulates)}"
    )
    print("  status:", ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    consulate_countries = Counter(p["country"] for p in consulates)
    print(
        "  consulates per country:",
        ", ".join(f"{k} {v}" for k, v in sorted(consulate_countries.items())),
    )


def main() -> int:
    check = Checker()
    refs = {
        "categories": check_categories(check, load(SEED / "categories.json", check)),
        "audiences": check_audiences(check, load(SEED / "audiences.json", check)),
        "organizations": check_organizations(
            check, load(SEED / "organizations.json", check), "organizations.json"
        ),
    }
    seen_ids: set[str] = set()
    points: list[dict[str, Any]] = []
    for code in POINT_COUNTRIES:
        data = load(SEED / "points" / f"{code}.json", check)
        if data is not None:
            points += check_points_file(check, code, data, refs, seen_ids)
    consulates = check_generated(
        check,
        "consulates.json",
        load(SEED / "points" / "consulates.json", check),
        refs,
        seen_ids,
        category="consulate",
        expected=build_consulates.render(build_consulates.build()[0]),
    )
    hospitals = check_generated(
        check,
        "hospitals.json",
        load(SEED / "points" / "hospitals.json", check),
        refs,
        seen_ids,
        category="health",
        expected=build_hospitals.render(build_hospitals.build()[0]),
    )

    check.require(len(points) >= MIN_POINTS, "points", f"{len(points)} < {MIN_POINTS}")
    not_published = sum(1 for p in points if p.get("status") != "published")
    check.require(
        not_published <= MAX_NOT_PUBLISHED, "points", f"{not_published} not published (max 10)"
    )
    missing = FALLBACK_WITHOUT_FR - seen_ids
    check.require(not missing, "FALLBACK_WITHOUT_FR", f"unknown ids {sorted(missing)}")
    extra_language = sum(1 for p in points if {"pt", "ht"} & set(p.get("translations", {})))
    low, high = EXTRA_LANGUAGE_POINTS
    check.require(
        low <= extra_language <= high,
        "points",
        f"{extra_language} points with pt/ht, want {low}-{high}",
    )

    if check.problems:
        for problem in check.problems:
            print(problem)
        print(f"{len(check.problems)} problem(s) found")
        return 1
    summarize(points, consulates, hospitals)
    print("seed OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
