"""An HSDS tabular data package (``services.csv``, ``locations.csv``...) as nested services.

The tables are joined in memory (the upload's decompressed size is capped before this
runs), then each service is nested the way ``GET /services/{id}`` returns it, so one
reader (:mod:`app.hsds.reading`) serves both HSDS forms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["TABLES", "nested_services"]

# File names of the HSDS 3 tabular form (datapackage.json "path"s) that Rumbo reads.
TABLES = (
    "services",
    "service_at_location",
    "locations",
    "addresses",
    "accessibility",
    "phones",
    "schedules",
    "languages",
    "cost_options",
    "required_documents",
    "attributes",
    "taxonomy_terms",
    "taxonomies",
)

Row = dict[str, Any]


def _clean(row: Mapping[str, Any]) -> Row:
    return {k: v for k, v in row.items() if k and v not in (None, "")}


def _by(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            out[str(row[key])].append(row)
    return out


def _unique(*groups: Iterable[Row]) -> list[Row]:
    seen: set[str] = set()
    out: list[Row] = []
    for group in groups:
        for row in group:
            key = str(row.get("id") or id(row))
            if key not in seen:
                seen.add(key)
                out.append(row)
    return out


def nested_services(tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> Iterator[Row]:
    """Every service of the package, with its locations, phones, schedules... nested."""
    t = {name: [_clean(r) for r in tables.get(name, ())] for name in TABLES}
    terms = {str(r["id"]): r for r in t["taxonomy_terms"] if r.get("id")}
    taxonomies = {str(r["id"]): r for r in t["taxonomies"] if r.get("id")}
    locations = {str(r["id"]): r for r in t["locations"] if r.get("id")}
    sal_by_service = _by(t["service_at_location"], "service_id")
    attrs = _by(t["attributes"], "link_id")
    phones = {
        k: _by(t["phones"], k) for k in ("service_id", "location_id", "service_at_location_id")
    }
    hours = {
        k: _by(t["schedules"], k) for k in ("service_id", "location_id", "service_at_location_id")
    }
    langs = {k: _by(t["languages"], k) for k in ("service_id", "location_id")}
    addresses = _by(t["addresses"], "location_id")
    access = _by(t["accessibility"], "location_id")
    costs = _by(t["cost_options"], "service_id")
    documents = _by(t["required_documents"], "service_id")

    def attributes_of(link: str) -> list[Row]:
        out = []
        for attribute in attrs.get(link, []):
            attribute = dict(attribute)
            term = terms.get(str(attribute.get("taxonomy_term_id")))
            if term is not None:
                term = dict(term)
                if term.get("taxonomy_id") in taxonomies and not term.get("taxonomy"):
                    term["taxonomy"] = taxonomies[term["taxonomy_id"]].get("name")
                attribute["taxonomy_term"] = term
            out.append(attribute)
        return out

    for service in t["services"]:
        sid = str(service.get("id", ""))
        nested = dict(service)
        sals = []
        for sal in sal_by_service.get(sid, []):
            sal = dict(sal)
            lid = str(sal.get("location_id", ""))
            location = dict(locations.get(lid, {}))
            if location:
                location["addresses"] = addresses.get(lid, [])
                location["accessibility"] = access.get(lid, [])
                location["languages"] = langs["location_id"].get(lid, [])
                location["attributes"] = attributes_of(lid)
                sal["location"] = location
            sal["phones"] = _unique(
                phones["service_at_location_id"].get(str(sal.get("id")), []),
                phones["location_id"].get(lid, []),
            )
            sal["schedules"] = _unique(
                hours["service_at_location_id"].get(str(sal.get("id")), []),
                hours["location_id"].get(lid, []),
            )
            sal["attributes"] = attributes_of(str(sal.get("id", "")))
            sals.append(sal)
        nested["service_at_locations"] = sals
        nested["phones"] = phones["service_id"].get(sid, [])
        nested["schedules"] = hours["service_id"].get(sid, [])
        nested["languages"] = langs["service_id"].get(sid, [])
        nested["cost_options"] = costs.get(sid, [])
        nested["required_documents"] = documents.get(sid, [])
        nested["attributes"] = attributes_of(sid)
        yield nested
