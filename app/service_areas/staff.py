"""Area services: the staff writes and reads.

Rules:

- Editors of an organisation (or platform admins) write its area services; every change needs
  ``If-Match`` with the service's ETag and is audited in the same transaction.
- The area is validated and normalised by :mod:`app.geo.areas` (the same rules as alert
  areas: closed rings, no self-intersection, bounded vertices and size, antimeridian split);
  categories must exist; a service needs a way to reach it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.access.roles import Role
from app.accounts import repository as accounts_repository
from app.audit import service as audit
from app.countries.boundaries import codes_touching
from app.db import utcnow
from app.errors import (
    Forbidden,
    NotFound,
    ValidationProblem,
)
from app.geo.areas import AreaError, normalise_area
from app.service_areas import repository
from app.service_areas.inputs import AreaServiceCreate, AreaServiceUpdate
from app.service_areas.models import (
    TRANSLATABLE_FIELDS,
    AreaService,
    AreaServiceTranslation,
)
from app.service_areas.rendering import snapshot, staff_view
from app.service_areas.schemas import (
    StaffAreaServicePage,
    StaffAreaServiceRead,
)
from app.service_points.models import ServicePoint
from app.service_points.writing import code_errors
from app.web import preconditions
from app.web.cursors import decode_cursor, encode_cursor

__all__ = [
    "ENTITY",
    "apply_fields",
    "create",
    "delete",
    "get_staff",
    "list_staff",
    "normalised_area",
    "update",
]

ENTITY = "area_service"
EDIT_ROLES = (Role.editor,)
READ_ROLES = (Role.editor, Role.translator)


def _check_if_match(item: AreaService, if_match: str | None) -> None:
    preconditions.check_if_match(
        thing="area service", public_id=item.public_id, version=item.version, if_match=if_match
    )


def _no_lost_update(session: Session, item: AreaService) -> AbstractContextManager[None]:
    public_id = item.public_id
    return preconditions.no_lost_update(
        thing="area service",
        public_id=public_id,
        committed_version=lambda: repository.committed_version(session, public_id),
    )


def _record(
    session: Session, principal: Principal, item: AreaService, action: str, before: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=principal,
        organization_id=item.organization_id,
        entity_type=ENTITY,
        entity_id=item.public_id,
        action=action,
        changes=audit.diff(before, snapshot(item)),
    )


def normalised_area(raw: dict[str, Any], *, name: str = "area") -> tuple[dict[str, Any], list[str]]:
    """The area as stored and the countries it touches; 422 naming the bad coordinates."""
    try:
        return normalise_area(raw, touching=codes_touching)
    except AreaError as exc:
        raise ValidationProblem.for_field("body", name, exc.detail, pointer=exc.pointer) from None


def _organization_for_create(
    session: Session, principal: Principal, organization: str | None
) -> str:
    if organization is not None:
        org = accounts_repository.organization_by_slug(session, organization)
        if org is None:
            raise NotFound(f"no organization with id {organization!r}")
        authorize(principal, org.id, *EDIT_ROLES, what="organization", ident=organization)
        return org.id
    candidates = principal.organizations_with(*EDIT_ROLES)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and not principal.is_admin:
        raise Forbidden("writing area services needs the editor role in an organisation")
    raise ValidationProblem.for_field(
        "query", "organization", "name the organisation the area service belongs to"
    )


def _point_id(session: Session, public_id: str | None) -> int | None:
    if public_id is None:
        return None
    found = session.scalar(
        select(ServicePoint.id).where(
            ServicePoint.public_id == public_id, ServicePoint.deleted_at.is_(None)
        )
    )
    if found is None:
        raise ValidationProblem.for_field("body", "point", f"no point with id {public_id!r}")
    return int(found)


def _check_categories(session: Session, categories: Sequence[str] | None) -> None:
    errors = code_errors(session, categories, None)
    if errors:
        raise ValidationProblem("; ".join(str(e.detail) for e in errors), errors=errors)


def apply_fields(
    session: Session, item: AreaService, data: AreaServiceCreate | AreaServiceUpdate
) -> None:
    sent = data.model_fields_set
    if "area" in sent and data.area is not None:
        item.area, item.countries = normalised_area(data.area.model_dump())
    if "point" in sent:
        item.point_id = _point_id(session, data.point)
    for name in (
        "external_id",
        "categories",
        "spoken_languages",
        "email",
        "website",
        "whatsapp",
        "opening_hours",
        "free",
        "status",
        "original_language",
        "is_sample",
    ):
        if name in sent:
            value = getattr(data, name)
            if name in ("categories", "spoken_languages"):
                value = list(value or [])
            if name == "is_sample":
                value = bool(value)
            setattr(item, name, value)
    if "phones" in sent:
        item.phones = list(data.phones or [])
    if "source" in sent:
        source = data.source
        item.source_title = source.title if source else None
        item.source_url = source.url if source else None
        item.source_publisher = source.publisher if source else None
        item.source_as_of = source.as_of if source else None
    for lang, text in (data.translations or {}).items():
        _put_texts(item, lang, text.model_dump())


def _put_texts(item: AreaService, lang: str, values: dict[str, Any]) -> None:
    for existing in item.translations:
        if existing.lang == lang:
            for name in TRANSLATABLE_FIELDS:
                setattr(existing, name, values.get(name))
            existing.updated_at = utcnow()
            return
    item.translations.append(AreaServiceTranslation(lang=lang, **values))


def create(
    session: Session, principal: Principal, data: AreaServiceCreate, *, organization: str | None
) -> StaffAreaServiceRead:
    """A new area service in one of the principal's organisations (editors)."""
    organization_id = _organization_for_create(session, principal, organization)
    _check_categories(session, data.categories)
    now = utcnow()
    item = AreaService(
        organization_id=organization_id,
        status=data.status or "draft",
        original_language=data.original_language,
        created_at=now,
        updated_at=now,
        countries=[],
        categories=[],
        spoken_languages=[],
        phones=[],
        is_sample=False,
    )
    apply_fields(session, item, data)
    session.add(item)
    session.flush()
    _record(session, principal, item, "create", {})
    return staff_view(item)


def _editable(session: Session, principal: Principal, public_id: str) -> AreaService:
    item = repository.by_public_id(session, public_id)
    if item is None or item.deleted_at is not None:
        raise NotFound(f"no area service with id {public_id!r}")
    authorize(principal, item.organization_id, *EDIT_ROLES, what="area service", ident=public_id)
    return item


def update(
    session: Session,
    principal: Principal,
    public_id: str,
    data: AreaServiceUpdate,
    *,
    if_match: str | None,
) -> StaffAreaServiceRead:
    item = _editable(session, principal, public_id)
    _check_if_match(item, if_match)
    _check_categories(session, data.categories)
    if data.original_language is not None:
        langs = {t.lang for t in item.translations} | set(data.translations or {})
        if data.original_language not in langs:
            raise ValidationProblem.for_field(
                "body", "original_language", "add a translation in that language first"
            )
    before = snapshot(item)
    with _no_lost_update(session, item):
        apply_fields(session, item, data)
        item.updated_at = utcnow()
        session.flush()
    _record(session, principal, item, "update", before)
    return staff_view(item)


def delete(session: Session, principal: Principal, public_id: str, *, if_match: str | None) -> None:
    item = _editable(session, principal, public_id)
    _check_if_match(item, if_match)
    before = snapshot(item)
    with _no_lost_update(session, item):
        item.deleted_at = item.updated_at = utcnow()
        session.flush()
    _record(session, principal, item, "delete", before)


def get_staff(session: Session, principal: Principal, public_id: str) -> StaffAreaServiceRead:
    item = repository.by_public_id(session, public_id)
    if item is None or item.deleted_at is not None:
        raise NotFound(f"no area service with id {public_id!r}")
    authorize(principal, item.organization_id, *READ_ROLES, what="area service", ident=public_id)
    return staff_view(item)


def list_staff(
    session: Session, principal: Principal, *, cursor: str | None, limit: int
) -> StaffAreaServicePage:
    """The area services of the principal's organisations (every one for platform admins)."""
    organization_ids = None if principal.is_admin else principal.organizations_with(*READ_ROLES)
    fingerprint = "area-services"
    position = decode_cursor(cursor, fingerprint=fingerprint) if cursor else {}
    after = int(str(position["i"])) if position else None
    found = repository.of_organizations(
        session, organization_ids=organization_ids, after_id=after, limit=limit + 1
    )
    page, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor({"f": fingerprint, "i": page[-1].id}) if more and page else None
    return StaffAreaServicePage(items=[staff_view(i) for i in page], next_cursor=next_cursor)
