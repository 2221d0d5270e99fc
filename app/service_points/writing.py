"""Creating and changing service points: the one path every write goes through.

Used by the staff API, the seed loader and imports. Functions only ``flush``; the caller's
unit of work commits. Every change bumps ``updated_at`` and so the row's ``version``, and
each flush is recorded in the change journal under the transaction's sequence number
(``app.sync.tracking``, a flush listener installed by the application and the command line,
so functions added here are covered too; bulk writes record the same rows themselves).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, FieldError, ValidationProblem
from app.service_points import state
from app.service_points.inputs import (
    ServicePointCreate,
    ServicePointUpdate,
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
from app.service_points.state import SCALARS, PointState
from app.taxonomy import repository as taxonomy_repository
from app.taxonomy.models import Audience, Category

__all__ = [
    "category_texts",
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


def _categories_of(codes: Iterable[str]) -> list[ServicePointCategory]:
    return [ServicePointCategory(category_code=code, position=i) for i, code in enumerate(codes)]


def _assign(point: ServicePoint, before: PointState, after: PointState) -> None:
    """Set on the ORM object what differs between two states (texts excepted)."""
    for name in SCALARS:
        value = getattr(after, name)
        if value != getattr(before, name):
            setattr(point, name, value)
    for name, value in state.public_columns(after).items():
        if getattr(point, name) != value:
            setattr(point, name, value)
    if after.phones != before.phones:
        point.phones = list(after.phones)
    if after.categories != before.categories:
        point.categories = _categories_of(after.categories)
    if after.audiences != before.audiences:
        point.audiences = [ServicePointAudience(audience_code=c) for c in after.audiences]
    if after.spoken_languages != before.spoken_languages:
        point.spoken_languages = [ServicePointLanguage(lang=t) for t in after.spoken_languages]


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
    new = state.created(data)
    point = ServicePoint(
        **state.point_columns(new),
        organization_id=organization_id,
        created_at=now,
        updated_at=now,
    )
    if public_id is not None:
        point.public_id = public_id
    point.categories = _categories_of(new.categories)
    point.audiences = [ServicePointAudience(audience_code=c) for c in new.audiences]
    point.spoken_languages = [ServicePointLanguage(lang=t) for t in new.spoken_languages]
    point.translations = [
        ServicePointTranslation(lang=lang, updated_at=now, **texts)
        for lang, texts in new.translations.items()
    ]
    session.add(point)
    refresh_search_text(session, point)
    session.flush()
    return point


def update_point(session: Session, point: ServicePoint, data: ServicePointUpdate) -> ServicePoint:
    """Apply the fields present in ``data`` (PATCH semantics)."""
    _check_codes(session, data)
    before = state.state_of(point)
    problem = state.update_problem(before, data)
    if problem is not None:
        raise ValidationProblem.for_field(
            "body", problem.field, problem.detail, pointer=f"/{problem.field}"
        )
    _assign(point, before, state.updated(before, data))
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


def category_texts(session: Session) -> state.CategoryTexts:
    """The category words search documents include (two small queries)."""
    return state.CategoryTexts(*taxonomy_repository.category_words(session))


def refresh_search_text(session: Session, point: ServicePoint) -> None:
    """Rebuild the search document: every translation, the locality, category names (read
    without flushing first: the change and its document are written in one statement)."""
    with session.no_autoflush:
        categories = category_texts(session)
    point.search_text = state.search_document(state.state_of(point), categories)


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
