"""A service point's written fields as plain values, and the rules that compute them.

Both write paths use this module: ``writing.py`` (one point through the ORM: the staff API,
the console, the seed) and ``bulk.py`` (imports: thousands of points in a few statements).
A new point's state comes from :class:`ServicePointCreate` (:func:`created`), a change
applies :class:`ServicePointUpdate` with PATCH semantics (:func:`updated`, once
:func:`update_problem` found nothing against it) or replaces one language's texts
(:func:`with_texts`); the audit snapshot (:func:`snapshot`) and the search
document (:func:`search_document`) are computed from a state. So both paths store, audit
and index exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.geo.text import normalise_text
from app.service_points.hours import timezone_at
from app.service_points.inputs import (
    PointSourceInput,
    ServicePointCreate,
    ServicePointUpdate,
    TranslationInput,
)
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus, ServicePoint
from app.service_points.precision import LocationPrecision, public_location

__all__ = [
    "ALLOWED_TRANSITIONS",
    "ENTITY",
    "SCALARS",
    "CategoryTexts",
    "PointState",
    "StateProblem",
    "created",
    "point_columns",
    "public_columns",
    "search_document",
    "snapshot",
    "state_of",
    "update_problem",
    "updated",
    "with_texts",
]

# A point's name in the audit trail.
ENTITY = "service_point"

# Publish a draft; close temporarily or for good; reopen.
ALLOWED_TRANSITIONS: dict[PointStatus, frozenset[PointStatus]] = {
    PointStatus.draft: frozenset({PointStatus.published}),
    PointStatus.published: frozenset(
        {PointStatus.temporarily_closed, PointStatus.permanently_closed}
    ),
    PointStatus.temporarily_closed: frozenset(
        {PointStatus.published, PointStatus.permanently_closed}
    ),
    PointStatus.permanently_closed: frozenset({PointStatus.published}),
}

# The columns of ``service_point`` a state carries (and the audit trail compares).
SCALARS = (
    "external_id",
    "lat",
    "lon",
    "location_precision",
    "country",
    "locality",
    "timezone",
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
    "last_verified_at",
    "verified_by_organization_id",
    "deleted_at",
)
# Fields of ServicePointUpdate copied as they are sent (null clears them).
_PLAIN = ("external_id", "locality", "email", "website", "whatsapp", "opening_hours", "free")
SEARCH_TEXT_MAX = 20000
_MAX_MEMOISED = 10000

Texts = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class StateProblem:
    """A change the point's current state does not allow (``field``: what to fix)."""

    field: str
    detail: str


@dataclass(slots=True)
class PointState:
    """Everything a write sets on a point, its texts and its lists, as plain values."""

    lat: float
    lon: float
    country: str
    status: str
    original_language: str
    location_precision: str = "exact"
    is_sample: bool = False
    external_id: str | None = None
    locality: str | None = None
    timezone: str | None = None
    email: str | None = None
    website: str | None = None
    whatsapp: str | None = None
    opening_hours: str | None = None
    free: bool | None = None
    source_title: str | None = None
    source_url: str | None = None
    source_publisher: str | None = None
    source_as_of: dt.date | None = None
    last_verified_at: dt.datetime | None = None
    verified_by_organization_id: str | None = None
    deleted_at: dt.datetime | None = None
    phones: list[str] = field(default_factory=list)
    # In the point's order (the first is its main category).
    categories: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    spoken_languages: list[str] = field(default_factory=list)
    # language -> {field of TRANSLATABLE_FIELDS: text}
    translations: dict[str, Texts] = field(default_factory=dict)

    @property
    def place(self) -> tuple[str, float, float]:
        return self.country, self.lat, self.lon

    @property
    def public_place(self) -> tuple[str, float | None, float | None]:
        """Country and public location (what sync scopes filter on: never the exact one)."""
        shown = public_location(self.lat, self.lon, self.location_precision)
        return (self.country, *shown) if shown is not None else (self.country, None, None)

    def names(self) -> list[str]:
        return [name for t in self.translations.values() if (name := t.get("name"))]


def _source(source: PointSourceInput | None) -> dict[str, Any]:
    return {
        "source_title": source.title if source else None,
        "source_url": source.url if source else None,
        "source_publisher": source.publisher if source else None,
        "source_as_of": source.as_of if source else None,
    }


def _texts(text: TranslationInput) -> Texts:
    return {name: getattr(text, name) for name in TRANSLATABLE_FIELDS}


def created(data: ServicePointCreate) -> PointState:
    """The state of a new point (its time zone found from its coordinates)."""
    return PointState(
        lat=data.lat,
        lon=data.lon,
        country=data.country,
        status=data.status,
        original_language=data.original_language,
        location_precision=data.location_precision or "exact",
        is_sample=bool(data.is_sample),
        timezone=timezone_at(data.lat, data.lon),
        phones=list(data.phones or []),
        categories=list(data.categories),
        audiences=list(data.audiences or []),
        spoken_languages=list(data.spoken_languages or []),
        translations={lang: _texts(text) for lang, text in data.translations.items()},
        **{name: getattr(data, name) for name in _PLAIN},
        **_source(data.source),
    )


def update_problem(state: PointState, data: ServicePointUpdate) -> StateProblem | None:
    """Why ``data`` cannot be applied to ``state``: ``original_language`` must name a
    language the point has texts in (None when it can)."""
    wanted = data.original_language
    if "original_language" in data.model_fields_set and wanted and wanted not in state.translations:
        return StateProblem("original_language", "no translation exists in that language")
    return None


def updated(state: PointState, data: ServicePointUpdate) -> PointState:
    """``state`` with the fields sent in ``data`` applied (PATCH semantics; the caller has
    checked :func:`update_problem`)."""
    sent = data.model_fields_set
    changes: dict[str, Any] = {name: getattr(data, name) for name in _PLAIN if name in sent}
    if "lat" in sent and data.lat is not None and data.lon is not None:
        changes.update(lat=data.lat, lon=data.lon, timezone=timezone_at(data.lat, data.lon))
    if "country" in sent and data.country:
        changes["country"] = data.country
    if "phones" in sent:
        changes["phones"] = list(data.phones or [])
    if "categories" in sent and data.categories:
        changes["categories"] = list(data.categories)
    if "audiences" in sent:
        changes["audiences"] = list(data.audiences or [])
    if "spoken_languages" in sent:
        changes["spoken_languages"] = list(data.spoken_languages or [])
    if "original_language" in sent and data.original_language:
        changes["original_language"] = data.original_language
    if "source" in sent:
        changes.update(_source(data.source))
    if "location_precision" in sent and data.location_precision:
        changes["location_precision"] = data.location_precision
    if "is_sample" in sent and data.is_sample is not None:
        changes["is_sample"] = data.is_sample
    return replace(state, **changes)


def with_texts(state: PointState, lang: str, text: TranslationInput) -> PointState:
    """``state`` with one language's texts created or replaced."""
    return replace(state, translations={**state.translations, lang: _texts(text)})


def state_of(point: ServicePoint) -> PointState:
    """The state of a point loaded through the ORM."""
    return PointState(
        **{name: getattr(point, name) for name in SCALARS},
        phones=list(point.phones or []),
        categories=list(point.category_codes),
        audiences=[a.audience_code for a in point.audiences],
        spoken_languages=[s.lang for s in point.spoken_languages],
        translations={
            t.lang: {name: getattr(t, name) for name in TRANSLATABLE_FIELDS}
            for t in point.translations
        },
    )


def public_columns(state: PointState) -> dict[str, float | None]:
    """``public_lat``/``public_lon``: what the public may see of the state's place."""
    shown = public_location(state.lat, state.lon, state.location_precision)
    lat, lon = shown if shown is not None else (None, None)
    return {"public_lat": lat, "public_lon": lon}


def point_columns(state: PointState) -> dict[str, Any]:
    """The ``service_point`` columns a state sets (not ids, stamps or the search text)."""
    values = {name: getattr(state, name) for name in SCALARS}
    values.update(public_columns(state))
    values["phones"] = list(state.phones)
    return values


def snapshot(state: PointState) -> dict[str, Any]:
    """Every audited field, translations flattened as ``translations.<lang>.<field>``."""
    data: dict[str, Any] = {name: getattr(state, name) for name in SCALARS}
    data["phones"] = list(state.phones)
    data["categories"] = list(state.categories)
    data["audiences"] = sorted(state.audiences)
    data["spoken_languages"] = sorted(state.spoken_languages)
    for lang, texts in state.translations.items():
        for name in TRANSLATABLE_FIELDS:
            data[f"translations.{lang}.{name}"] = texts.get(name)
    return data


class CategoryTexts:
    """Every category's parent and words (names and keywords in every language)."""

    def __init__(
        self, parents: Mapping[str, str | None], words: Mapping[str, Iterable[str]]
    ) -> None:
        self.parents = dict(parents)
        self.words = {code: tuple(w) for code, w in words.items()}
        self._documents: dict[frozenset[str], str] = {}

    def closure(self, codes: Iterable[str]) -> list[str]:
        """The codes and all their ancestors (a primary-care post is found by "health")."""
        found = set(codes)
        for code in list(found):
            parent = self.parents.get(code)
            while parent and parent not in found:
                found.add(parent)
                parent = self.parents.get(parent)
        return sorted(found)

    def document(self, codes: Iterable[str]) -> str:
        """The normalised words of these categories and their ancestors (memoised)."""
        key = frozenset(codes)
        document = self._documents.get(key)
        if document is None:
            words = [w for code in self.closure(key) for w in self.words.get(code, ())]
            document = normalise_text(" ".join(words))
            if len(self._documents) < _MAX_MEMOISED:
                self._documents[key] = document
        return document


def search_document(state: PointState, categories: CategoryTexts) -> str:
    """The text both full-text backends index: every translation's name, description and
    address (only when the place is public: a street name would locate an approximate or
    hidden point), the locality, and the words of the point's categories, normalised."""
    fields: tuple[str, ...] = ("name", "description", "address")
    if state.location_precision != LocationPrecision.exact:
        fields = fields[:2]
    parts = [
        value
        for lang in sorted(state.translations)
        for name in fields
        if (value := state.translations[lang].get(name))
    ]
    if state.locality:
        parts.append(state.locality)
    # Normalising is per character, so the (cached) category part is joined afterwards.
    document = " ".join(
        p for p in (normalise_text(" ".join(parts)), categories.document(state.categories)) if p
    )
    return document[:SEARCH_TEXT_MAX]
