"""An area service as the public API and the staff API show it, its ETag and audit snapshot."""

from __future__ import annotations

from typing import Any

from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.service_areas.models import (
    TRANSLATABLE_FIELDS,
    AreaService,
)
from app.service_areas.schemas import (
    StaffAreaServiceRead,
)
from app.service_points.schemas import Contact, OrganizationRef, Source
from app.web.preconditions import version_etag

__all__ = ["etag_of", "render", "snapshot", "staff_view"]


def _texts(item: AreaService) -> dict[str, dict[str, str | None]]:
    return {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in item.translations}


def render(item: AreaService, pref: LanguagePreference) -> dict[str, Any]:
    """The public fields of an area service in the languages of ``pref``."""
    text = localise(_texts(item), TRANSLATABLE_FIELDS, pref.chain_for(item.original_language))
    served = text.lang or item.original_language
    return {
        "id": item.public_id,
        "external_id": item.external_id,
        "name": text.values.get("name", ""),
        "description": text.values.get("description"),
        "lang": served,
        "lang_fallback": pref.is_fallback(served),
        "field_lang": text.field_lang or None,
        "languages_available": text.available,
        "area": item.area,
        "countries": list(item.countries),
        "categories": list(item.categories),
        "spoken_languages": list(item.spoken_languages) or None,
        "contact": Contact(
            phones=list(item.phones) or None,
            email=item.email,
            website=item.website,
            whatsapp=item.whatsapp,
        ),
        "opening_hours": item.opening_hours,
        "free": item.free,
        "status": item.status,
        "point": item.point.public_id if item.point is not None else None,
        "organization": OrganizationRef(id=item.organization.slug, name=item.organization.name),
        "source": Source(
            title=item.source_title,
            url=item.source_url,
            publisher=item.source_publisher,
            as_of=item.source_as_of,
            sample=item.is_sample,
        ),
        "updated_at": item.updated_at.replace(microsecond=0),
    }


def etag_of(item: AreaService) -> str:
    return version_etag(item.public_id, item.version)


def staff_view(item: AreaService) -> StaffAreaServiceRead:
    original = item.original_language
    pref = LanguagePreference(requested=(original,), chain=(original,), served=original)
    return StaffAreaServiceRead(
        **render(item, pref),
        etag=etag_of(item),
        version=item.version,
        translations=_texts(item),
        original_language=original,
    )


def snapshot(item: AreaService) -> dict[str, Any]:
    """Every audited field, translations flattened as ``translations.<lang>.<field>``."""
    out: dict[str, Any] = {
        name: getattr(item, name)
        for name in (
            "external_id",
            "point_id",
            "area",
            "countries",
            "categories",
            "spoken_languages",
            "phones",
            "email",
            "website",
            "whatsapp",
            "opening_hours",
            "free",
            "status",
            "original_language",
            "source_title",
            "source_url",
            "source_publisher",
            "source_as_of",
            "is_sample",
            "deleted_at",
        )
    }
    for t in item.translations:
        for name in TRANSLATABLE_FIELDS:
            out[f"translations.{t.lang}.{name}"] = getattr(t, name)
    return out
