"""Creating and changing service points: the one path every write goes through.

Used by the staff API, the seed loader and imports. Functions only ``flush``; the caller's
unit of work commits. Every change bumps ``updated_at`` and so the row's ``version``, and
each flush is logged for offline sync under the transaction's change sequence number
(``app.sync.tracking``, a session listener, so functions added here are covered too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, FieldError, ValidationProblem
from app.geo.text import normalise_text
from app.service_points.hours import timezone_at
from app.service_points.inputs import (
    ServicePointCreate,
    ServicePointUpdate,
    SourceInput,
    TranslationInput,
)
from app.service_points.models import (
    PointStatus,
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.sync import tracking as _sync_tracking  # noqa: F401  (its listener logs each flush)
from app.taxonomy.models import Audience, Category, CategoryTranslation

__all__ = [
    "code_errors",
    "create_point",
    "delete_translation",
    "put_translation",
    "refresh_search_text",
    "set_status",
    "soft_delete",
    "update_point",
    "verify",
]

_SCALARS = ("external_id", "locality", "email", "website", "whatsapp", "opening_hours", "free")


def code_errors(
    session: Session, categories: Sequence[str] | None, audiences: Sequence[str] | None
) -> list[FieldError]:
    """One error per category or audience code that does not exist."""
    errors: list[FieldError] = []
    if categories:
        known = set(session.scalars(select(Category.code).where(Category.code.in_(categories))))
        for i, code in enumerate(categories):
            if code not in known:
                errors.append(
                    FieldError(
                        location="body",
                        name="categories",
                        pointer=f"/categories/{i}",
                        detail=f"unknown category {code!r}",
                    )
                )
    if audiences:
        known = set(session.scalars(select(Audience.code).where(Audience.code.in_(audiences))))
        for i, code in enumerate(audiences):
            if code not in known:
                errors.append(
                    FieldError(
                        location="body",
                        name="audiences",
                        pointer=f"/audiences/{i}",
                        detail=f"unknown audience {code!r}",
                    )
                )
    return errors


def _check_codes(session: Session, data: ServicePointCreate | ServicePointUpdate) -> None:
    errors = code_errors(session, data.categories, data.audiences)
    if errors:
        raise ValidationProblem("; ".join(e.detail for e in errors), errors=errors)


def _apply_source(point: ServicePoint, source: SourceInput | None) -> None:
    point.source_title = source.title if source else None
    point.source_url = source.url if source else None
    point.source_publisher = source.publisher if source else None


def _set_categories(point: ServicePoint, codes: Iterable[str]) -> None:
    point.categories = [
        ServicePointCategory(category_code=code, position=i) for i, code in enumerate(codes)
    ]


def create_point(
    session: Session,
    data: ServicePointCreate,
    *,
    organization_id: str,
    public_id: str | None = None,
) -> ServicePoint:
    """Add a point owned by ``organization_id`` (imports may keep the ``public_id`` they bring)."""
    _check_codes(session, data)
    now = utcnow()
    point = ServicePoint(
        organization_id=organization_id,
        lat=data.lat,
        lon=data.lon,
        country=data.country,
        timezone=timezone_at(data.lat, data.lon),
        phones=list(data.phones or []),
        status=data.status,
        original_language=data.original_language,
        is_sample=bool(data.is_sample),
        created_at=now,
        updated_at=now,
    )
    if public_id is not None:
        point.public_id = public_id
    for name in _SCALARS:
        setattr(point, name, getattr(data, name))
    _apply_source(point, data.source)
    _set_categories(point, data.categories)
    point.audiences = [ServicePointAudience(audience_code=c) for c in data.audiences or []]
    point.spoken_languages = [ServicePointLanguage(lang=t) for t in data.spoken_languages or []]
    point.translations = [
        ServicePointTranslation(lang=lang, updated_at=now, **text.model_dump())
        for lang, text in data.translations.items()
    ]
    session.add(point)
    refresh_search_text(session, point)
    session.flush()
    return point


def update_point(session: Session, point: ServicePoint, data: ServicePointUpdate) -> ServicePoint:
    """Apply the fields present in ``data`` (PATCH semantics)."""
    _check_codes(session, data)
    sent = data.model_fields_set
    for name in _SCALARS:
        if name in sent:
            setattr(point, name, getattr(data, name))
    if "lat" in sent and data.lat is not None and data.lon is not None:
        point.lat, point.lon = data.lat, data.lon
        point.timezone = timezone_at(data.lat, data.lon)
    if "country" in sent and data.country:
        point.country = data.country
    if "phones" in sent:
        point.phones = list(data.phones or [])
    if "categories" in sent and data.categories:
        _set_categories(point, data.categories)
    if "audiences" in sent:
        point.audiences = [ServicePointAudience(audience_code=c) for c in data.audiences or []]
    if "spoken_languages" in sent:
        point.spoken_languages = [ServicePointLanguage(lang=t) for t in data.spoken_languages or []]
    if "original_language" in sent and data.original_language:
        if data.original_language not in {t.lang for t in point.translations}:
            raise ValidationProblem.for_field(
                "body",
                "original_language",
                "no translation exists in that language",
                pointer="/original_language",
            )
        point.original_language = data.original_language
    if "source" in sent:
        _apply_source(point, data.source)
    if "is_sample" in sent and data.is_sample is not None:
        point.is_sample = data.is_sample
    point.updated_at = utcnow()
    refresh_search_text(session, point)
    session.flush()
    return point


def put_translation(
    session: Session, point: ServicePoint, lang: str, text: TranslationInput
) -> ServicePointTranslation:
    """Create or replace one language's texts of a point."""
    now = utcnow()
    existing = next((t for t in point.translations if t.lang == lang), None)
    if existing is None:
        existing = ServicePointTranslation(lang=lang, updated_at=now, **text.model_dump())
        point.translations.append(existing)
    else:
        for field, value in text.model_dump().items():
            setattr(existing, field, value)
        existing.updated_at = now
    point.updated_at = now
    refresh_search_text(session, point)
    session.flush()
    return existing


def delete_translation(session: Session, point: ServicePoint, lang: str) -> None:
    """Remove one language; the original language cannot be removed."""
    if lang == point.original_language:
        raise Conflict(f"{lang!r} is the point's original language; change original_language first")
    point.translations = [t for t in point.translations if t.lang != lang]
    point.updated_at = utcnow()
    refresh_search_text(session, point)
    session.flush()


def refresh_search_text(session: Session, point: ServicePoint) -> None:
    """Rebuild the search document: every translation, the locality, category names."""
    parts: list[str] = []
    for t in point.translations:
        parts.extend(v for v in (t.name, t.description, t.address) if v)
    if point.locality:
        parts.append(point.locality)
    codes = {c.category_code for c in point.categories}
    # Parents too: a primary-care post is found by "salud" / "health" / "santé".
    parents = dict(session.execute(select(Category.code, Category.parent_code)).all())
    for code in list(codes):
        parent = parents.get(code)
        while parent and parent not in codes:
            codes.add(parent)
            parent = parents.get(parent)
    if codes:
        rows = session.execute(
            select(CategoryTranslation.name, CategoryTranslation.keywords).where(
                CategoryTranslation.category_code.in_(codes)
            )
        )
        for name, keywords in rows:
            parts.append(name)
            if keywords:
                parts.append(keywords)
    point.search_text = normalise_text(" ".join(parts))[:20000]


def soft_delete(session: Session, point: ServicePoint) -> None:
    """Delete a point, leaving a tombstone (``deleted_at``) that public reads hide."""
    now = utcnow()
    point.deleted_at = now
    point.updated_at = now
    session.flush()


def set_status(session: Session, point: ServicePoint, status: PointStatus) -> None:
    """Publish, close or reopen a point (the caller checks the transition is allowed)."""
    point.status = status.value
    point.updated_at = utcnow()
    session.flush()


def verify(session: Session, point: ServicePoint, *, organization_id: str) -> None:
    """Stamp that ``organization_id`` checked the point's information just now."""
    now = utcnow()
    point.last_verified_at = now
    point.verified_by_organization_id = organization_id
    point.updated_at = now
    session.flush()
    # Reload the relationship from the new foreign key on next access.
    session.expire(point, ["verified_by"])
