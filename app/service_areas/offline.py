"""Area services in offline sync and bundles: their records, and which a country carries.

A country's sync and bundle carry the public area services whose area covers or touches it;
a deleted, unpublished or moved-away service is a tombstone in the next delta (the change is
logged for every country it touched before and after, see ``app.sync.tracking``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.service_areas import repository
from app.service_areas.models import PUBLIC_STATUSES, TRANSLATABLE_FIELDS, AreaService

__all__ = ["area_service_record", "country_records", "resolve"]

PickLanguages = Callable[[set[str], str], list[str]]


def area_service_record(item: AreaService, pick: PickLanguages) -> dict[str, Any]:
    """An area service's offline record: every field an app needs to show it."""
    texts = {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in item.translations}
    langs = pick(set(texts), item.original_language)
    return {
        "id": item.public_id,
        "external_id": item.external_id,
        "area": item.area,
        "countries": list(item.countries),
        "categories": list(item.categories),
        "spoken_languages": list(item.spoken_languages),
        "contact": {
            "phones": list(item.phones),
            "email": item.email,
            "website": item.website,
            "whatsapp": item.whatsapp,
        },
        "opening_hours": item.opening_hours,
        "free": item.free,
        "status": item.status,
        "point": item.point.public_id if item.point is not None else None,
        "organization": {"id": item.organization.slug, "name": item.organization.name},
        "source": {
            "title": item.source_title,
            "url": item.source_url,
            "publisher": item.source_publisher,
            "as_of": item.source_as_of,
            "sample": item.is_sample,
        },
        "original_language": item.original_language,
        "texts": {lang: texts[lang] for lang in langs if lang in texts},
        "updated_at": item.updated_at,
        "version": item.version,
    }


def _carried(item: AreaService, country: str | None) -> bool:
    return (
        item.deleted_at is None
        and item.status in PUBLIC_STATUSES
        and country is not None
        and country in item.countries
    )


def country_records(session: Session, country: str, pick: PickLanguages) -> list[dict[str, Any]]:
    """The country's public area services as records, by id."""
    return [
        area_service_record(item, pick)
        for item in repository.public(session)
        if country in item.countries
    ]


def resolve(
    session: Session, keys: Iterable[str], country: str | None, pick: PickLanguages
) -> tuple[list[dict[str, Any]], list[str]]:
    """Changed area services as records (public, in ``country``) or tombstones."""
    wanted = list(keys)
    found = {
        s.public_id: s
        for s in session.scalars(select(AreaService).where(AreaService.public_id.in_(wanted)))
    }
    out: list[dict[str, Any]] = []
    deleted: list[str] = []
    for key in wanted:
        item = found.get(key)
        if item is not None and _carried(item, country):
            out.append(area_service_record(item, pick))
        else:
            deleted.append(key)
    return out, deleted
