"""The offline shape of each record: what sync pages and bundles carry.

Records hold data, not the moment they were rendered: points are rendered, and pages dumped,
as :mod:`app.service_points.offline` says. A page's points come from their stored form, kept
current by every write in ``point_document`` (:func:`point_records`); the taxonomy and the
country information are rendered here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.countries import service as countries_service
from app.documents import reading as documents
from app.feedback.models import FeedbackTag
from app.i18n.negotiation import negotiate
from app.service_points import offline
from app.service_points.models import ServicePoint
from app.service_points.offline import compact, dump
from app.service_points.records import PointRecord, load_records
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
    "page_points",
    "point_record",
    "point_records",
]


def is_public(point: ServicePoint) -> bool:
    """Shown to the public: published or temporarily closed, and not deleted."""
    return is_searchable(point)


def _texts(
    translations: Mapping[str, Mapping[str, Any]], langs: list[str]
) -> dict[str, dict[str, Any]]:
    return {lang: dict(translations[lang]) for lang in langs}


def point_record(point: PointRecord, languages: Languages) -> dict[str, Any]:
    """A point's offline record in ``languages`` (:func:`app.service_points.offline.
    point_record`)."""
    return offline.point_record(point, languages.pick)


def point_records(session: Session, ids: Sequence[int], languages: Languages) -> dict[int, Any]:
    """The offline records of these public points by id, in the order of ``ids``, from their
    stored form (JSON fragments that :func:`dump` copies); rendered for any point the stored
    documents do not hold (not built yet, or a translation without text)."""
    stored = documents.offline_records(session, ids)
    missing = [i for i in ids if i not in stored]
    loaded = load_records(session, missing) if missing else {}
    select = offline.texts_selector(languages.pick)
    out: dict[int, Any] = {}
    for point_id in ids:
        found = stored.get(point_id)
        if found is not None:
            original, head, tail = found
            out[point_id] = orjson.Fragment(select(head, tail, original))
        elif point_id in loaded:
            out[point_id] = point_record(loaded[point_id], languages)
    return out


def page_points(session: Session, ids: Sequence[int], languages: Languages) -> Any:
    """:func:`point_records` of a snapshot page as one JSON fragment of the list, joined
    as bytes: byte for byte what :func:`dump` gives for the list of records (an empty list
    stays a list, which :func:`dump` leaves out)."""
    stored = documents.offline_records(session, ids)
    missing = [i for i in ids if i not in stored]
    loaded = load_records(session, missing) if missing else {}
    select = offline.texts_selector(languages.pick)
    parts: list[bytes] = []
    for point_id in ids:
        found = stored.get(point_id)
        if found is not None:
            parts.append(select(found[1], found[2], found[0]))
        elif point_id in loaded:
            parts.append(dump(point_record(loaded[point_id], languages)))
    if not parts:
        return []
    return orjson.Fragment(b"[" + b",".join(parts) + b"]")


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
