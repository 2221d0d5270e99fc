"""A Rumbo service point as HSDS 3.1 objects (see docs/hsds-mapping.md for the table).

One point is one HSDS ``service`` offered at one ``location`` through one
``service_at_location``; the point's public id is the service's and the
service_at_location's id. Texts are served in the negotiated language (each field falls
back on its own); every language's texts also travel as ``rumbo-translations``
attributes, so an HSDS export loses no translation. Absent values are left out (the
HSDS schemas do not allow ``null``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.hsds import ids, schedules
from app.hsds.vocabulary import FIELD_TERMS, Vocabulary
from app.i18n.content import record_languages
from app.i18n.fallback import LocalisedText, localise
from app.i18n.negotiation import LanguagePreference
from app.i18n.tags import display_name
from app.organizations.models import Organization
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus, ServicePoint
from app.service_points.precision import LocationPrecision, place_shown, text_fields

__all__ = [
    "HSDS_STATUS",
    "RUMBO_STATUS",
    "WHATSAPP",
    "full_service",
    "location",
    "organization",
    "point_texts",
    "sal_full",
    "sal_summary",
    "service_summary",
    "timestamp",
]

HSDS_STATUS = {
    PointStatus.published: "active",
    PointStatus.draft: "inactive",
    PointStatus.temporarily_closed: "temporarily closed",
    PointStatus.permanently_closed: "defunct",
}
RUMBO_STATUS = {v: k.value for k, v in HSDS_STATUS.items()}
WHATSAPP = "WhatsApp"
FREE_OPTION = "Free of charge"
PAID_OPTION = "Charges apply"


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != []}


def point_texts(
    point: ServicePoint, pref: LanguagePreference, *, exact: bool = False
) -> LocalisedText:
    """The point's texts in the best language for ``pref`` (each field on its own); the
    address only when the place may be shown (``exact``: a reader who may see it)."""
    fields = text_fields(point, exact=exact)
    translations = {
        t.lang: {f: getattr(t, f) if f in fields else None for f in TRANSLATABLE_FIELDS}
        for t in point.translations
    }
    return record_languages(
        localise(translations, TRANSLATABLE_FIELDS, pref.chain_for(point.original_language))
    )


def organization(org: Organization, chain: tuple[str, ...]) -> dict[str, Any]:
    """The one-to-one fields of an organisation (``organization_list`` item)."""
    text = record_languages(
        localise(
            {t.lang: {"name": t.name, "description": t.description} for t in org.translations},
            ("name", "description"),
            chain,
        )
    )
    return _clean(
        {
            "id": org.id,
            "name": text.values.get("name") or org.name,
            "alternate_name": org.slug,
            "description": text.values.get("description") or "",
            "email": org.email,
            "website": org.website,
        }
    )


def _attribute(
    point: ServicePoint, vocab: Vocabulary, taxonomy: str, code: str, key: str, **extra: Any
) -> dict[str, Any]:
    term = vocab.term(taxonomy, code)
    return _clean(
        {
            "id": ids.child_id(point.public_id, "attribute", key),
            "link_id": point.public_id,
            "link_type": taxonomy.removeprefix("rumbo-"),
            "link_entity": "service",
            "taxonomy_term_id": term.id,
            "taxonomy_term": term.as_hsds(),
            **extra,
        }
    )


def _field_values(point: ServicePoint) -> dict[str, str | None]:
    return {
        "external_id": point.external_id,
        "original_language": point.original_language,
        "source_title": point.source_title,
        "source_url": point.source_url,
        "source_publisher": point.source_publisher,
        "source_as_of": point.source_as_of.isoformat() if point.source_as_of else None,
        "sample": "true" if point.is_sample else None,
        "location_precision": None
        if point.location_precision == LocationPrecision.exact
        else point.location_precision,
    }


def attributes(
    point: ServicePoint, vocab: Vocabulary, *, exact: bool = False
) -> list[dict[str, Any]]:
    """Categories, audiences, Rumbo fields and every translation, as HSDS attributes (the
    address only when the place may be shown)."""
    fields = text_fields(point, exact=exact)
    out = [
        _attribute(point, vocab, ids.CATEGORIES_TAXONOMY, code, f"category:{code}")
        for code in point.category_codes
    ]
    out += [
        _attribute(
            point, vocab, ids.AUDIENCES_TAXONOMY, a.audience_code, f"audience:{a.audience_code}"
        )
        for a in point.audiences
    ]
    values = _field_values(point)
    out += [
        _attribute(point, vocab, ids.FIELDS_TAXONOMY, name, f"field:{name}", value=values[name])
        for name in FIELD_TERMS
        if values[name]
    ]
    for t in point.translations:
        for name in fields:
            text = getattr(t, name)
            if text:
                out.append(
                    _attribute(
                        point,
                        vocab,
                        ids.TRANSLATIONS_TAXONOMY,
                        name,
                        f"translation:{t.lang}:{name}",
                        label=t.lang,
                        value=text,
                    )
                )
    return out


def _phones(point: ServicePoint) -> list[dict[str, Any]]:
    pid = point.public_id
    phones = [
        {"id": ids.child_id(pid, "phone", i), "service_id": pid, "number": n, "type": "voice"}
        for i, n in enumerate(point.phones or [])
    ]
    if point.whatsapp:
        phones.append(
            {
                "id": ids.child_id(pid, "phone", "whatsapp"),
                "service_id": pid,
                "number": point.whatsapp,
                "type": "text",
                "description": WHATSAPP,
            }
        )
    return phones


def location(
    point: ServicePoint, text: LocalisedText, *, full: bool, exact: bool = False
) -> dict[str, Any]:
    """The point's place as the reader may see it (``app.service_points.precision``: the
    grid cell's centre when approximate, no coordinates when hidden, the exact place for
    ``exact`` readers); ``full`` adds its address and accessibility."""
    pid = point.public_id
    lid = ids.child_id(pid, "location")
    coordinates, address = place_shown(point, exact=exact)
    loc: dict[str, Any] = {
        "id": lid,
        "location_type": "physical",
        "organization_id": point.organization_id,
        "name": text.values.get("name"),
        "latitude": coordinates[0] if coordinates else None,
        "longitude": coordinates[1] if coordinates else None,
    }
    if full:
        loc["addresses"] = [
            {
                "id": ids.child_id(pid, "address"),
                "location_id": lid,
                "address_1": (text.values.get("address") if address else None) or "",
                "city": point.locality or "",
                "state_province": "",
                "postal_code": "",
                "country": point.country,
                "address_type": "physical",
            }
        ]
        accessibility = text.values.get("accessibility")
        if accessibility:
            loc["accessibility"] = [
                {
                    "id": ids.child_id(pid, "accessibility"),
                    "location_id": lid,
                    "description": accessibility,
                }
            ]
    return _clean(loc)


def service_summary(
    point: ServicePoint, pref: LanguagePreference, text: LocalisedText | None = None
) -> dict[str, Any]:
    """The one-to-one fields of the point's service (``service_list`` item)."""
    text = text or point_texts(point, pref)
    return _clean(
        {
            "id": point.public_id,
            "organization_id": point.organization_id,
            "name": text.values.get("name", ""),
            "description": text.values.get("description"),
            "url": point.website,
            "email": point.email,
            "status": HSDS_STATUS[PointStatus(point.status)],
            "assured_date": point.last_verified_at.date().isoformat()
            if point.last_verified_at
            else None,
            "last_modified": timestamp(point.updated_at),
            "organization": organization(point.organization, pref.chain),
        }
    )


def sal_summary(point: ServicePoint, pref: LanguagePreference) -> dict[str, Any]:
    """A ``service_at_location_list`` item: its location and service, one-to-one fields."""
    text = point_texts(point, pref)
    pid = point.public_id
    return {
        "id": pid,
        "service_id": pid,
        "location_id": ids.child_id(pid, "location"),
        "location": location(point, text, full=False),
        "service": service_summary(point, pref, text),
    }


def _sal(point: ServicePoint, text: LocalisedText, *, exact: bool = False) -> dict[str, Any]:
    pid = point.public_id
    return {
        "id": pid,
        "service_id": pid,
        "location_id": ids.child_id(pid, "location"),
        "location": location(point, text, full=True, exact=exact),
    }


def full_service(
    point: ServicePoint, vocab: Vocabulary, pref: LanguagePreference, *, exact: bool = False
) -> dict[str, Any]:
    """The fully nested service (``GET /services/{id}``); ``exact``: for a reader who may
    see the exact place (staff exports of their own points), else as the public sees it."""
    text = point_texts(point, pref, exact=exact)
    pid = point.public_id
    service = service_summary(point, pref, text)
    service["phones"] = _phones(point)
    service["schedules"] = schedules.to_hsds(
        point.opening_hours, ids=(ids.child_id(pid, "schedule", i) for i in range(1000))
    )
    service["service_at_locations"] = [_sal(point, text, exact=exact)]
    service["languages"] = [
        {
            "id": ids.child_id(pid, "language", lang.lang),
            "service_id": pid,
            "name": display_name(lang.lang, "en"),
            "code": lang.lang,
        }
        for lang in point.spoken_languages
    ]
    if point.free is not None:
        option: dict[str, Any] = {"id": ids.child_id(pid, "cost_option"), "service_id": pid}
        option.update(
            {"option": FREE_OPTION, "amount": 0} if point.free else {"option": PAID_OPTION}
        )
        service["cost_options"] = [option]
    documents = text.values.get("documents_required")
    if documents:
        service["required_documents"] = [
            {"id": ids.child_id(pid, "required_document"), "service_id": pid, "document": documents}
        ]
    service["attributes"] = attributes(point, vocab, exact=exact)
    return _clean(service)


def sal_full(point: ServicePoint, pref: LanguagePreference) -> dict[str, Any]:
    """The fully nested service_at_location (``GET /service_at_locations/{id}``)."""
    text = point_texts(point, pref)
    sal = _sal(point, text)
    sal["service"] = service_summary(point, pref, text)
    return sal
