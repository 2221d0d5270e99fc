"""A Rumbo area service as an HSDS 3.1 ``service`` with ``service_areas`` and no
``service_at_locations`` (a hotline, an online service: docs/service-areas.md).

The area travels exactly: a polygon as a GeoJSON geometry (``extent_type: geojson``), whole
countries and circles as Rumbo's area object (``extent_type: text``, JSON), so that an export
imports back into the same area. Categories, Rumbo fields and every translation travel as
attributes, as for points.
"""

from __future__ import annotations

from typing import Any

import orjson

from app.hsds import ids, schedules
from app.hsds.mapping import FREE_OPTION, PAID_OPTION, WHATSAPP, organization, timestamp
from app.hsds.vocabulary import FIELD_TERMS, Vocabulary
from app.i18n.content import record_languages
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.i18n.tags import display_name
from app.service_areas.models import TRANSLATABLE_FIELDS, AreaService

__all__ = ["HSDS_STATUS", "area_service"]

HSDS_STATUS = {
    "published": "active",
    "draft": "inactive",
    "temporarily_closed": "temporarily closed",
    "permanently_closed": "defunct",
}


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != []}


def _attribute(
    sid: str, vocab: Vocabulary, taxonomy: str, code: str, key: str, **extra: Any
) -> dict[str, Any]:
    term = vocab.term(taxonomy, code)
    return _clean(
        {
            "id": ids.child_id(sid, "attribute", key),
            "link_id": sid,
            "link_type": taxonomy.removeprefix("rumbo-"),
            "link_entity": "service",
            "taxonomy_term_id": term.id,
            "taxonomy_term": term.as_hsds(),
            **extra,
        }
    )


def _attributes(item: AreaService, vocab: Vocabulary) -> list[dict[str, Any]]:
    sid = item.public_id
    out = [
        _attribute(sid, vocab, ids.CATEGORIES_TAXONOMY, code, f"category:{code}")
        for code in item.categories
    ]
    values = {
        "external_id": item.external_id,
        "original_language": item.original_language,
        "source_title": item.source_title,
        "source_url": item.source_url,
        "source_publisher": item.source_publisher,
        "source_as_of": item.source_as_of.isoformat() if item.source_as_of else None,
        "sample": "true" if item.is_sample else None,
    }
    out += [
        _attribute(sid, vocab, ids.FIELDS_TAXONOMY, name, f"field:{name}", value=values[name])
        for name in FIELD_TERMS
        if values.get(name)
    ]
    for t in item.translations:
        for name in TRANSLATABLE_FIELDS:
            text = getattr(t, name)
            if text:
                out.append(
                    _attribute(
                        sid,
                        vocab,
                        ids.TRANSLATIONS_TAXONOMY,
                        name,
                        f"translation:{t.lang}:{name}",
                        label=t.lang,
                        value=text,
                    )
                )
    return out


def _extent(area: dict[str, Any]) -> tuple[str, str]:
    if area.get("type") in ("Polygon", "MultiPolygon"):
        return "geojson", orjson.dumps(area).decode()
    return "text", orjson.dumps(area).decode()


def area_service(item: AreaService, vocab: Vocabulary, pref: LanguagePreference) -> dict[str, Any]:
    """The fully nested HSDS service of an area service."""
    sid = item.public_id
    text = record_languages(
        localise(
            {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in item.translations},
            TRANSLATABLE_FIELDS,
            pref.chain_for(item.original_language),
        )
    )
    kind, extent = _extent(item.area)
    phones = [
        {"id": ids.child_id(sid, "phone", i), "service_id": sid, "number": n, "type": "voice"}
        for i, n in enumerate(item.phones or [])
    ]
    if item.whatsapp:
        phones.append(
            {
                "id": ids.child_id(sid, "phone", "whatsapp"),
                "service_id": sid,
                "number": item.whatsapp,
                "type": "text",
                "description": WHATSAPP,
            }
        )
    service: dict[str, Any] = {
        "id": sid,
        "organization_id": item.organization_id,
        "name": text.values.get("name", ""),
        "description": text.values.get("description"),
        "url": item.website,
        "email": item.email,
        "status": HSDS_STATUS.get(item.status, "inactive"),
        "last_modified": timestamp(item.updated_at),
        "organization": organization(item.organization, pref.chain),
        "phones": phones,
        "schedules": schedules.to_hsds(
            item.opening_hours, ids=(ids.child_id(sid, "schedule", i) for i in range(1000))
        ),
        "service_areas": [
            {
                "id": ids.child_id(sid, "service_area"),
                "service_id": sid,
                "name": ", ".join(item.countries) or None,
                "extent": extent,
                "extent_type": kind,
            }
        ],
        "service_at_locations": [],
        "languages": [
            {
                "id": ids.child_id(sid, "language", lang),
                "service_id": sid,
                "name": display_name(lang, "en"),
                "code": lang,
            }
            for lang in item.spoken_languages
        ],
        "attributes": _attributes(item, vocab),
    }
    if item.free is not None:
        option: dict[str, Any] = {"id": ids.child_id(sid, "cost_option"), "service_id": sid}
        option.update(
            {"option": FREE_OPTION, "amount": 0} if item.free else {"option": PAID_OPTION}
        )
        service["cost_options"] = [option]
    service["service_areas"] = [_clean(a) for a in service["service_areas"]]
    return _clean(service)
