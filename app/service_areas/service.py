"""Area services: the public reads (by place, by country, one by id) and the staff writes.

Rules:

- Editors of an organisation (or platform admins) write its area services; every change needs
  ``If-Match`` with the service's ETag and is audited in the same transaction.
- The area is validated and normalised by :mod:`app.geo.areas` (the same rules as alert
  areas: closed rings, no self-intersection, bounded vertices and size, antimeridian split);
  categories must exist; a service needs a way to reach it.
- The public sees published and temporarily closed services; a deleted one is a tombstone in
  sync.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import repository as accounts_repository
from app.accounts.models import Role
from app.accounts.principal import Principal, authorize
from app.audit import service as audit
from app.countries.boundaries import load_boundaries
from app.db import utcnow
from app.errors import (
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationProblem,
)
from app.geo.areas import AreaError, normalise_area
from app.http_cache import ENCODING_SUFFIXES
from app.i18n.content import body_languages
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.service_areas import coverage, repository
from app.service_areas.coverage import CoveringFilters
from app.service_areas.inputs import AreaServiceCreate, AreaServiceUpdate
from app.service_areas.models import (
    PUBLIC_STATUSES,
    TRANSLATABLE_FIELDS,
    AreaService,
    AreaServiceTranslation,
)
from app.service_areas.schemas import (
    AreaServicePage,
    AreaServiceRead,
    StaffAreaServicePage,
    StaffAreaServiceRead,
)
from app.service_points.models import ServicePoint
from app.service_points.schemas import Contact, OrganizationRef, Source
from app.service_points.writing import code_errors
from app.web.cursors import decode_cursor, encode_cursor

__all__ = [
    "create",
    "delete",
    "etag_of",
    "get_public",
    "get_staff",
    "list_public",
    "list_staff",
    "near_place",
    "render",
    "snapshot",
    "update",
]

ENTITY = "area_service"
EDIT_ROLES = (Role.editor,)
READ_ROLES = (Role.editor, Role.translator)


# --- rendering -----------------------------------------------------------------------------


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
    return f'"{item.public_id}.{item.version}"'


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


# --- public reads --------------------------------------------------------------------------


def _is_public(item: AreaService | None) -> bool:
    return item is not None and item.deleted_at is None and item.status in PUBLIC_STATUSES


def country_at(lat: float, lon: float) -> str | None:
    """The country drawn at the place (for areas given as whole countries)."""
    return load_boundaries().containing(lat, lon)[1]


def near_place(
    session: Session,
    lat: float,
    lon: float,
    pref: LanguagePreference,
    filters: CoveringFilters | None = None,
    *,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """The public area services covering the place (in memory; texts loaded only for the
    ones found), in id order. ``country``: the place's, when the caller knows it. The place
    is used for this answer only."""
    served = coverage.served_areas(session)
    if not served:
        return []
    if country is None and any(s.area.kind == "Countries" for s in served):
        country = country_at(lat, lon)
    found = coverage.covering(session, lat, lon, country, filters)
    if not found:
        return []
    rows = repository.by_ids(session, [f.id for f in found])
    return [render(rows[f.id], pref) for f in found if f.id in rows]


def list_public(
    session: Session,
    *,
    pref: LanguagePreference,
    near: tuple[float, float] | None,
    countries: Sequence[str],
    filters: CoveringFilters,
) -> AreaServicePage:
    """Area services covering a place (``near``), serving any of ``countries``, or all."""
    if near is not None:
        items = near_place(session, near[0], near[1], pref, filters)
    else:
        served = (
            coverage.in_countries(session, countries)
            if countries
            else list(coverage.served_areas(session))
        )
        kept = [s for s in served if filters.keep(s)]
        rows = repository.by_ids(session, [s.id for s in kept])
        items = [render(rows[s.id], pref) for s in kept if s.id in rows]
    languages = body_languages(pref, (i["lang"] for i in items))
    return AreaServicePage(items=[AreaServiceRead(**i) for i in items], lang=languages[0])


def get_public(session: Session, public_id: str, pref: LanguagePreference) -> AreaServiceRead:
    item = repository.by_public_id(session, public_id)
    if item is None or not _is_public(item):
        raise NotFound(f"no area service with id {public_id!r}")
    return AreaServiceRead(**render(item, pref))


# --- staff writes --------------------------------------------------------------------------


def _strong_tag(tag: str) -> str:
    for suffix in ENCODING_SUFFIXES:
        ending = suffix.decode() + '"'
        if tag.endswith(ending) and not tag.startswith("W/"):
            return tag[: -len(ending)] + '"'
    return tag


def _check_if_match(item: AreaService, if_match: str | None) -> None:
    current = etag_of(item)
    extra: dict[str, Any] = {
        "current_etag": current,
        "current_version": item.version,
        "headers": {"ETag": current},
    }
    tags = [t.strip() for t in (if_match or "").split(",") if t.strip()]
    if not tags or "*" in tags:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited", **extra)
    if current not in {_strong_tag(t) for t in tags}:
        raise PreconditionFailed(
            "the area service changed since you read it; read it again and redo your change",
            **extra,
        )


@contextmanager
def _no_lost_update(session: Session, item: AreaService) -> Iterator[None]:
    public_id = item.public_id
    try:
        yield
    except StaleDataError:
        raise PreconditionFailed(
            "the area service was changed by someone else at the same time; read it again",
            current_version=repository.committed_version(session, public_id),
        ) from None


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
        return normalise_area(raw)
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
