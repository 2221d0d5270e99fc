"""HSDS 3 services read back into Rumbo records (the import side of the mapping).

Each ``service_at_location`` whose location has coordinates becomes one service point;
its id (a UUID) becomes the point's id, so importing the same dataset again updates the
same points. A service without such a location but with ``service_areas`` (a hotline, a
website) becomes one *area service* (docs/service-areas.md), with the service's id; one with
neither is skipped and reported. Fields Rumbo has no place for are
listed in the import report (``ignored``), never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.hsds import ids, schedules
from app.hsds.mapping import RUMBO_STATUS, WHATSAPP
from app.hsds.vocabulary import Vocabulary
from app.service_points.models import TRANSLATABLE_FIELDS

__all__ = ["HsdsRecord", "records_of_service"]

# Service fields Rumbo keeps (the rest are reported as ignored).
_SERVICE_KEPT = {
    "id",
    "organization_id",
    "name",
    "description",
    "url",
    "email",
    "status",
    "last_modified",
    "phones",
    "schedules",
    "service_at_locations",
    "service_areas",
    "languages",
    "cost_options",
    "required_documents",
    "attributes",
    "program_id",
}
_LOCATION_KEPT = {
    "id",
    "location_type",
    "organization_id",
    "name",
    "latitude",
    "longitude",
    "addresses",
    "accessibility",
    "languages",
    "phones",
    "schedules",
    "attributes",
}


@dataclass(slots=True)
class HsdsRecord:
    record: dict[str, Any]
    ref: str
    warnings: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    skip: str | None = None
    ignored: set[str] = field(default_factory=set)


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _term_of(attribute: Mapping[str, Any], vocab: Vocabulary) -> tuple[str | None, str | None]:
    """(taxonomy, code) an attribute points at; Rumbo's own terms are known by id."""
    term_id = _text(attribute.get("taxonomy_term_id"))
    nested = attribute.get("taxonomy_term")
    nested = nested if isinstance(nested, Mapping) else {}
    known = vocab.by_id(term_id or _text(nested.get("id")) or "")
    if known is not None:
        return known.taxonomy, known.code
    return _text(nested.get("taxonomy")), _text(nested.get("code"))


def _attributes(
    attributes: Iterable[Mapping[str, Any]], vocab: Vocabulary, record: dict[str, Any]
) -> bool:
    """Categories, audiences, Rumbo fields and translations; True when texts came with it."""
    categories: list[str] = []
    audiences: list[str] = []
    translated = False
    category_codes = vocab.codes(ids.CATEGORIES_TAXONOMY)
    audience_codes = vocab.codes(ids.AUDIENCES_TAXONOMY)
    for attribute in attributes:
        taxonomy, code = _term_of(attribute, vocab)
        if not code:
            continue
        value = _text(attribute.get("value"))
        if taxonomy == ids.FIELDS_TAXONOMY and value is not None:
            record[code] = value
        elif taxonomy == ids.TRANSLATIONS_TAXONOMY and code in TRANSLATABLE_FIELDS:
            lang = _text(attribute.get("label"))
            if lang and value:
                record[f"{code}:{lang}"] = value
                translated = True
        elif taxonomy == ids.AUDIENCES_TAXONOMY or (
            taxonomy != ids.CATEGORIES_TAXONOMY and code in audience_codes
        ):
            audiences.append(code)
        elif taxonomy == ids.CATEGORIES_TAXONOMY or code in category_codes:
            categories.append(code)
    if categories:
        record["categories"] = categories
    if audiences:
        record["audiences"] = audiences
    return translated


def _phones(phones: Iterable[Mapping[str, Any]], rec: HsdsRecord) -> None:
    numbers: list[str] = []
    seen: set[str] = set()
    for phone in phones:
        key = _text(phone.get("id")) or _text(phone.get("number")) or ""
        number = _text(phone.get("number"))
        if not number or key in seen:
            continue
        seen.add(key)
        if phone.get("extension") not in (None, ""):
            rec.ignored.add("phone.extension")
        if WHATSAPP.lower() in (_text(phone.get("description")) or "").lower():
            rec.record["whatsapp"] = number.strip('"')
        else:
            numbers.append(number.strip('"'))
    if numbers:
        rec.record["phones"] = numbers


def _free(options: list[Mapping[str, Any]]) -> bool | None:
    if not options:
        return None
    amounts = []
    for option in options:
        try:
            amounts.append(float(option["amount"]))
        except (KeyError, TypeError, ValueError):
            continue
    return bool(amounts) and all(a == 0 for a in amounts)


def _texts(service: Mapping[str, Any], location: Mapping[str, Any], record: dict[str, Any]) -> None:
    address = next(iter(_items(location.get("addresses"))), {})
    street = ", ".join(t for t in (_text(address.get(k)) for k in ("address_1", "address_2")) if t)
    documents = "\n".join(
        t
        for t in (_text(d.get("document")) for d in _items(service.get("required_documents")))
        if t
    )
    access = "\n".join(
        t
        for a in _items(location.get("accessibility"))
        for t in (_text(a.get("description")), _text(a.get("details")))
        if t
    )
    texts = {
        "name": _text(service.get("name")) or _text(location.get("name")),
        "description": _text(service.get("description")),
        "address": street or None,
        "documents_required": documents or None,
        "accessibility": access or None,
    }
    record.update({k: v for k, v in texts.items() if v})


def _one(
    service: Mapping[str, Any],
    sal: Mapping[str, Any],
    vocab: Vocabulary,
    label: str,
    area: dict[str, Any] | None = None,
) -> HsdsRecord:
    location = sal.get("location") if isinstance(sal.get("location"), Mapping) else {}
    assert isinstance(location, Mapping)
    rec = HsdsRecord(record={}, ref=label)
    record = rec.record
    rec.ignored |= {
        f"service.{k}"
        for k, v in service.items()
        if k not in _SERVICE_KEPT and v not in (None, "", [])
    }
    rec.ignored |= {
        f"location.{k}"
        for k, v in location.items()
        if k not in _LOCATION_KEPT and v not in (None, "", [])
    }
    sal_id = _text(sal.get("id")) if area is None else _text(service.get("id"))
    if sal_id and ids.is_uuid(sal_id):
        record["id"] = sal_id
    elif sal_id:
        record["external_id"] = f"hsds:{sal_id}"
    if area is not None:  # an area service (app.service_areas): no place, an area
        record["area"] = area
    elif location.get("latitude") in (None, "") or location.get("longitude") in (None, ""):
        rec.skip = (
            "its location has no latitude/longitude and the service no service_area: "
            "a service point needs a place"
        )
        return rec
    else:
        record["lat"], record["lon"] = location.get("latitude"), location.get("longitude")
    address = next(iter(_items(location.get("addresses"))), {})
    if _text(address.get("country")):
        record["country"] = _text(address.get("country"))
    if _text(address.get("city")):
        record["locality"] = _text(address.get("city"))
    for key, source in (("email", "email"), ("website", "url")):
        if _text(service.get(source)):
            record[key] = _text(service.get(source))
    status = _text(service.get("status"))
    if status is not None:
        record["status"] = RUMBO_STATUS.get(status.lower(), status)
    attrs = [*_items(service.get("attributes")), *_items(sal.get("attributes"))]
    if not _attributes(attrs, vocab, record):
        _texts(service, location, record)
    _phones(
        [
            *_items(service.get("phones")),
            *_items(sal.get("phones")),
            *_items(location.get("phones")),
        ],
        rec,
    )
    hours, problem = schedules.from_hsds(
        _items(sal.get("schedules"))
        or _items(service.get("schedules"))
        or _items(location.get("schedules"))
    )
    if hours:
        record["opening_hours"] = hours
    elif problem:
        rec.warnings.append(("opening_hours", f"schedules not kept: {problem}"))
    languages = [
        _text(lang.get("code"))
        for lang in (*_items(service.get("languages")), *_items(location.get("languages")))
    ]
    if any(languages):
        record["spoken_languages"] = [lang for lang in dict.fromkeys(languages) if lang]
    free = _free(_items(service.get("cost_options")))
    if free is not None:
        record["free"] = free
    return rec


def area_of_service(service: Mapping[str, Any]) -> dict[str, Any] | None:
    """The area of a service's ``service_areas`` (Rumbo's own area object, a GeoJSON
    geometry, or country codes as text); several become their countries or polygons."""
    found: list[dict[str, Any]] = []
    for item in _items(service.get("service_areas")):
        extent = _text(item.get("extent"))
        if not extent:
            continue
        try:
            value = orjson.loads(extent) if extent.startswith("{") else None
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            found.append(value)
        else:
            codes = [c for c in re.split(r"[\s,;|]+", extent) if c]
            found.append({"type": "Countries", "countries": codes})
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    if all(f.get("type") == "Countries" for f in found):
        return {"type": "Countries", "countries": [c for f in found for c in f["countries"]]}
    polygons = [f for f in found if f.get("type") in ("Polygon", "MultiPolygon")]
    if len(polygons) == len(found):
        coordinates = [
            p
            for f in polygons
            for p in ([f["coordinates"]] if f["type"] == "Polygon" else f["coordinates"])
        ]
        return {"type": "MultiPolygon", "coordinates": coordinates}
    return found[0]


def records_of_service(service: Mapping[str, Any], vocab: Vocabulary) -> Iterator[HsdsRecord]:
    """One record per service_at_location of a (fully nested) HSDS service."""
    name = _text(service.get("name")) or _text(service.get("id")) or "?"
    sals = _items(service.get("service_at_locations"))
    located = [
        sal
        for sal in sals
        if isinstance(sal.get("location"), Mapping)
        and sal["location"].get("latitude") not in (None, "")
        and sal["location"].get("longitude") not in (None, "")
    ]
    area = area_of_service(service)
    if not located and area is not None:
        # A hotline or online service: one area service (docs/service-areas.md).
        yield _one(service, {}, vocab, f"service {name!r} (service area)", area=area)
        return
    if not sals:
        rec = HsdsRecord(record={}, ref=f"service {name!r}")
        rec.skip = (
            "it has no service_at_location nor service_area: a service point needs a place "
            "(an area service an area)"
        )
        yield rec
        return
    for sal in sals:
        location = sal.get("location") if isinstance(sal.get("location"), Mapping) else {}
        assert isinstance(location, Mapping)
        place = _text(location.get("name")) or _text(sal.get("id")) or "?"
        yield _one(service, sal, vocab, f"service {name!r} at {place!r}")
