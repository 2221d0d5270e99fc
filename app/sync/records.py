"""The offline shape of each record: what sync pages and bundles carry.

Records hold data, not the moment they were rendered: no ``open_now``, ``stale`` or distance
(the app computes them from ``opening_hours`` and ``verification``), so the same data always
gives the same bytes and ETag. Texts come per language (``texts``), so an app can switch
languages offline and fall back field by field. Nulls, empty strings, lists and objects are
left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.countries import service as countries_service
from app.feedback.models import FeedbackTag
from app.i18n.negotiation import negotiate
from app.service_points.models import PointStatus, ServicePoint
from app.service_points.records import PointRecord
from app.service_points.visibility import is_searchable
from app.sync.scope import Languages
from app.taxonomy.models import Audience, Category

__all__ = [
    "audience_record",
    "category_record",
    "compact",
    "country_record",
    "dump",
    "feedback_tag_record",
    "is_public",
    "point_record",
]


def compact(value: Any) -> Any:
    """``value`` without None, empty strings, empty lists or empty objects inside objects."""
    # Exact type checks: records are plain dicts and lists, and this runs for every value
    # of every record of a sync page (an ABC ``isinstance`` per value was a fifth of it).
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                item = compact(item)
            if item is None or item == "" or item == [] or item == {}:
                continue
            out[key] = item
        return out
    if kind is list:
        return [compact(item) if type(item) in (dict, list) else item for item in value]
    if isinstance(value, Mapping):
        return compact(dict(value))
    return value


def dump(payload: Mapping[str, Any]) -> bytes:
    """Deterministic compact JSON (the bytes that are signed)."""
    return orjson.dumps(compact(payload), option=orjson.OPT_UTC_Z)


def is_public(point: ServicePoint) -> bool:
    """Shown to the public: published or temporarily closed, and not deleted."""
    return is_searchable(point)


def _texts(
    translations: Mapping[str, Mapping[str, Any]], langs: list[str]
) -> dict[str, dict[str, Any]]:
    return {lang: dict(translations[lang]) for lang in langs}


def point_record(point: PointRecord, languages: Languages) -> dict[str, Any]:
    """A point's offline record, from its plain record (``records.load_records``: loaded
    set-based, without ORM objects, as the search does)."""
    verified_by = point.verified_by
    translations = point.translations
    return {
        "id": point.public_id,
        "external_id": point.external_id,
        # The public location (``records.load_records``): none when hidden.
        "location": {"lat": point.lat, "lon": point.lon},
        # Left out when exact, so records of exact points keep their bytes and ETags.
        "location_precision": None
        if point.location_precision == "exact"
        else point.location_precision,
        "country": point.country,
        "locality": point.locality,
        "timezone": point.timezone,
        "categories": list(point.categories),
        "audiences": sorted(point.audiences),
        "spoken_languages": sorted(point.spoken_languages),
        "contact": {
            "phones": list(point.phones or []),
            "email": point.email,
            "website": point.website,
            "whatsapp": point.whatsapp,
        },
        "opening_hours": point.opening_hours,
        "free": point.free,
        "status": PointStatus(point.status).value,
        "organization": {"id": point.organization.slug, "name": point.organization.name},
        "source": {
            "title": point.source_title,
            "url": point.source_url,
            "publisher": point.source_publisher,
            "as_of": point.source_as_of,
            "sample": point.is_sample,
        },
        "verification": {
            "last_verified_at": point.last_verified_at,
            "verified_by": {"id": verified_by.slug, "name": verified_by.name}
            if verified_by
            else None,
        },
        "original_language": point.original_language,
        "texts": _texts(translations, languages.pick(set(translations), point.original_language)),
        "updated_at": point.updated_at,
        "version": point.version,
    }


def category_record(category: Category, languages: Languages) -> dict[str, Any]:
    translations = {
        t.lang: {"name": t.name, "description": t.description, "keywords": t.keywords}
        for t in category.translations
    }
    return {
        "code": category.code,
        "parent": category.parent_code,
        "icon": category.icon,
        "order": category.sort_order,
        "texts": _texts(translations, languages.pick(set(translations))),
    }


def audience_record(audience: Audience, languages: Languages) -> dict[str, Any]:
    translations = {t.lang: {"name": t.name} for t in audience.translations}
    return {
        "code": audience.code,
        "order": audience.sort_order,
        "texts": _texts(translations, languages.pick(set(translations))),
    }


def feedback_tag_record(tag: FeedbackTag, languages: Languages) -> dict[str, Any]:
    translations = {t.lang: {"label": t.label} for t in tag.translations}
    return {
        "code": tag.code,
        "scope": tag.scope,
        "sentiment": tag.sentiment,
        "order": tag.sort_order,
        "texts": _texts(translations, languages.pick(set(translations))),
    }


def country_record(
    session: Session, code: str, languages: Languages, *, supported: frozenset[str]
) -> dict[str, Any]:
    """A country's information rendered once per language (each with its own fallbacks)."""

    def render(tag: str) -> dict[str, Any]:
        pref = negotiate(
            lang=tag, accept_language=None, default=languages.default, supported=supported
        )
        detail = countries_service.get_country(session, code, pref=pref)
        return detail.model_dump(mode="json", exclude={"code"})

    first = render(languages.default)
    available = {*first.get("languages_available", ()), languages.default}
    if languages.everything:
        tags = sorted(available)
    else:
        tags = languages.pick(available | set(languages.expanded), languages.default)
    details = {tag: first if tag == languages.default else render(tag) for tag in tags}
    return {"code": code, "curated": first.get("curated", False), "details": details}
