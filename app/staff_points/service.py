"""The staff API of service points: reads and the writes around writing.py.

Every function loads the point for a principal who may act on it (``access``), checks
``If-Match`` against the point's ETag (``versioning``), calls the single write path in
``writing.py`` and records an audit event with the before/after of every changed field
(``auditing``), all in the request's transaction. Bodies are checked by ``validation``; the
history is ``history``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts import repository as accounts_repository
from app.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from app.exchange import checks as duplicate_checks
from app.i18n.negotiation import LanguagePreference
from app.public_points.item import render_point
from app.service_points import writing
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus, ServicePoint
from app.service_points.state import ALLOWED_TRANSITIONS, ENTITY
from app.staff_points import repository as staff_repository
from app.staff_points import validation
from app.staff_points.access import (
    EDIT_ROLES,
    READ_ROLES,
    TRANSLATE_ROLES,
    load,
    organization_for_create,
)
from app.staff_points.auditing import record, snapshot
from app.staff_points.history import history
from app.staff_points.schemas import (
    PossibleDuplicateRead,
    StaffPointPage,
    StaffPointRead,
    StatusChange,
    TranslationRead,
    VerifyRequest,
)
from app.staff_points.validation import check_country, check_point_input
from app.staff_points.versioning import check_if_match, etag_of, no_lost_update
from app.tasks import service as tasks_service
from app.web.cursors import decode_cursor, encode_cursor

__all__ = [
    "ALLOWED_TRANSITIONS",
    "EDIT_ROLES",
    "ENTITY",
    "READ_ROLES",
    "TRANSLATE_ROLES",
    "change_status",
    "check_point_input",
    "create_point",
    "delete_point",
    "delete_translation",
    "etag_of",
    "get_point",
    "history",
    "list_points",
    "put_translation",
    "snapshot",
    "update_point",
    "verify_point",
]


def staff_view(point: ServicePoint, *, stale_after: dt.timedelta) -> StaffPointRead:
    """The point with every translation, its version and ETag (texts in its own language)."""
    original = point.original_language
    pref = LanguagePreference(requested=(original,), chain=(original,), served=original)
    now = dt.datetime.now(dt.UTC)
    base = render_point(point, pref=pref, distance_m=None, at=now, now=now, stale_after=stale_after)
    return StaffPointRead(
        **base.model_dump(),
        version=point.version,
        etag=etag_of(point),
        original_language=original,
        translations={
            t.lang: TranslationRead(
                **{f: getattr(t, f) for f in TRANSLATABLE_FIELDS}, updated_at=t.updated_at
            )
            for t in point.translations
        },
        created_at=point.created_at,
        deleted_at=point.deleted_at,
    )


# --- reads ---------------------------------------------------------------------------------


def get_point(
    session: Session, principal: Principal, public_id: str, *, stale_after: dt.timedelta
) -> StaffPointRead:
    """A point of one of the principal's organisations, drafts and tombstones included."""
    point = load(session, principal, public_id, READ_ROLES, allow_deleted=True)
    return staff_view(point, stale_after=stale_after)


def list_points(
    session: Session,
    principal: Principal,
    *,
    organization: str | None,
    include_deleted: bool,
    limit: int,
    cursor: str | None,
    stale_after: dt.timedelta,
) -> StaffPointPage:
    """Points of the principal's organisations (or of one of them), by id."""
    if organization is not None:
        org = accounts_repository.organization_by_slug(session, organization)
        if org is None or not principal.is_member(org.id):
            raise NotFound(f"no organization with id {organization!r}")
        org_ids: list[str] | None = [org.id]
    else:
        org_ids = None if principal.is_admin else principal.organizations_with(*READ_ROLES)
    fingerprint = f"staff:{organization}:{include_deleted}"
    after = int(decode_cursor(cursor, fingerprint=fingerprint)["i"]) if cursor else None
    rows = staff_repository.points_of(
        session,
        organization_ids=org_ids,
        include_deleted=include_deleted,
        after_id=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = encode_cursor({"f": fingerprint, "i": page[-1].id}) if len(rows) > limit else None
    return StaffPointPage(
        items=[staff_view(p, stale_after=stale_after) for p in page], next_cursor=next_cursor
    )


# --- writes --------------------------------------------------------------------------------


def create_point(
    session: Session,
    principal: Principal,
    data: ServicePointCreate,
    *,
    organization: str | None,
    stale_after: dt.timedelta,
) -> StaffPointRead:
    """A new point in one of the principal's organisations (editors)."""
    organization_id = organization_for_create(session, principal, organization)
    check_country(data.lat, data.lon, data.country)
    point = writing.create_point(session, data, organization_id=organization_id)
    record(session, principal, point, "create", {})
    view = staff_view(point, stale_after=stale_after)
    # Same category within ~50 m and a similar name: reported to the editor, never merged.
    found = duplicate_checks.find_possible_duplicates(
        session,
        lat=point.lat,
        lon=point.lon,
        categories=point.category_codes,
        names=[t.name for t in data.translations.values()],
        organization_id=organization_id,
        exclude_point_id=point.id,
    )
    if found:
        view.possible_duplicates = [
            PossibleDuplicateRead(
                point_id=d.point_id, name=d.name, distance_m=d.distance_m, similarity=d.similarity
            )
            for d in found
        ]
    return view


def update_point(
    session: Session,
    principal: Principal,
    public_id: str,
    data: ServicePointUpdate,
    *,
    if_match: str | None,
    stale_after: dt.timedelta,
) -> StaffPointRead:
    """Change the fields sent (editors), when ``If-Match`` carries the current ETag."""
    point = load(session, principal, public_id, EDIT_ROLES)
    check_if_match(point, if_match)
    if not data.model_fields_set:
        raise ValidationProblem.for_field("body", "body", "send at least one field to change")
    if {"lat", "lon", "country"} & data.model_fields_set:
        check_country(
            data.lat if data.lat is not None else point.lat,
            data.lon if data.lon is not None else point.lon,
            data.country if data.country is not None else point.country,
        )
    before = snapshot(point)
    with no_lost_update(session, point):
        writing.update_point(session, point, data)
    record(session, principal, point, "update", before)
    return staff_view(point, stale_after=stale_after)


def delete_point(
    session: Session, principal: Principal, public_id: str, *, if_match: str | None
) -> None:
    """Soft-delete (editors): the row stays as a tombstone that public reads hide."""
    point = load(session, principal, public_id, EDIT_ROLES)
    check_if_match(point, if_match)
    before = snapshot(point)
    with no_lost_update(session, point):
        writing.soft_delete(session, point)
    record(session, principal, point, "delete", before)


def change_status(
    session: Session,
    principal: Principal,
    public_id: str,
    change: StatusChange,
    *,
    if_match: str | None,
    stale_after: dt.timedelta,
) -> StaffPointRead:
    """Publish, close or reopen (editors); other transitions are refused with 409."""
    point = load(session, principal, public_id, EDIT_ROLES)
    check_if_match(point, if_match)
    current, target = PointStatus(point.status), PointStatus(change.status)
    allowed = ALLOWED_TRANSITIONS[current]
    if target not in allowed:
        raise Conflict(
            f"a {current.value} point cannot become {target.value}",
            allowed=sorted(s.value for s in allowed),
        )
    before = snapshot(point)
    with no_lost_update(session, point):
        writing.set_status(session, point, target)
    record(session, principal, point, "status", before)
    return staff_view(point, stale_after=stale_after)


def verify_point(
    session: Session,
    principal: Principal,
    public_id: str,
    body: VerifyRequest | None,
    *,
    if_match: str | None,
    stale_after: dt.timedelta,
) -> StaffPointRead:
    """Stamp ``last_verified_at`` and the verifying organisation (editors)."""
    point = load(session, principal, public_id, EDIT_ROLES)
    check_if_match(point, if_match)
    organization_id = point.organization_id
    if body is not None and body.organization is not None:
        if not principal.is_admin:
            raise Forbidden(
                "only administrators name the verifying organisation",
                errors=[
                    FieldError(
                        location="body",
                        name="organization",
                        pointer="/organization",
                        detail="your role may not set this field",
                    )
                ],
            )
        org = accounts_repository.organization_by_slug(session, body.organization)
        if org is None:
            raise ValidationProblem.for_field(
                "body", "organization", "unknown organisation", pointer="/organization"
            )
        organization_id = org.id
    before = snapshot(point)
    with no_lost_update(session, point):
        writing.verify(session, point, organization_id=organization_id)
    record(session, principal, point, "verify", before)
    # Checking the point settles travellers' pending reports (closed, wrong details...).
    tasks_service.resolve_tasks_for_point(
        session, point_id=point.id, by=principal, organization_id=point.organization_id
    )
    return staff_view(point, stale_after=stale_after)


def put_translation(
    session: Session,
    principal: Principal,
    public_id: str,
    lang: str,
    text: TranslationInput,
    *,
    if_match: str | None,
    stale_after: dt.timedelta,
) -> tuple[StaffPointRead, bool]:
    """Create or replace one language's texts (editors, translators); True when created."""
    tag = validation.lang(lang)
    point = load(session, principal, public_id, TRANSLATE_ROLES)
    check_if_match(point, if_match)
    created = all(t.lang != tag for t in point.translations)
    before = snapshot(point)
    with no_lost_update(session, point):
        writing.put_translation(session, point, tag, text)
    record(session, principal, point, "translation.put", before)
    return staff_view(point, stale_after=stale_after), created


def delete_translation(
    session: Session,
    principal: Principal,
    public_id: str,
    lang: str,
    *,
    if_match: str | None,
    stale_after: dt.timedelta,
) -> StaffPointRead:
    """Remove one language (editors, translators); the original language stays."""
    tag = validation.lang(lang)
    point = load(session, principal, public_id, TRANSLATE_ROLES)
    check_if_match(point, if_match)
    if all(t.lang != tag for t in point.translations):
        raise NotFound(f"service point {public_id!r} has no {tag!r} translation")
    before = snapshot(point)
    with no_lost_update(session, point):
        writing.delete_translation(session, point, tag)
    record(session, principal, point, "translation.delete", before)
    return staff_view(point, stale_after=stale_after)
