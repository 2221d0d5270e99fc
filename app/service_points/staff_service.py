"""The staff write API of service points: authorisation, If-Match and audit around writing.py.

Every function loads the point, checks the principal may act on it (``authorize``: 404 for
other organisations, 403 for a member without the role), checks ``If-Match`` against the
point's ETag (428 when missing, 412 when stale), calls the single write path in
``writing.py`` and records an audit event with the before/after of every changed field, all
in the request's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import repository as accounts_repository
from app.accounts.models import Role
from app.accounts.principal import Principal, authorize
from app.audit import service as audit
from app.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationProblem,
)
from app.exchange import checks as duplicate_checks
from app.http_cache import ENCODING_SUFFIXES, etag_version
from app.i18n.negotiation import LanguagePreference
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_points import repository, staff_repository, state, writing
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus, ServicePoint
from app.service_points.service import render_point
from app.service_points.staff_schemas import (
    HistoryActor,
    HistoryEntry,
    HistoryPage,
    PossibleDuplicateRead,
    StaffPointPage,
    StaffPointRead,
    StatusChange,
    TranslationRead,
    VerifyRequest,
)
from app.tasks import service as tasks_service
from app.web.cursors import decode_cursor, encode_cursor

__all__ = [
    "ALLOWED_TRANSITIONS",
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

ENTITY = "service_point"
READ_ROLES = (Role.editor, Role.translator, Role.moderator)
EDIT_ROLES = (Role.editor,)
TRANSLATE_ROLES = (Role.editor, Role.translator)

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

# --- helpers -------------------------------------------------------------------------------


def etag_of(point: ServicePoint) -> str:
    """The point's strong ETag: its public id and version."""
    return _etag(point.public_id, point.version)


def _etag(public_id: str, version: int) -> str:
    return f'"{public_id}.{version}"'


def snapshot(point: ServicePoint) -> dict[str, Any]:
    """Every audited field of a point, translations flattened as ``translations.<lang>.<f>``."""
    return state.snapshot(state.state_of(point))


def _load(
    session: Session,
    principal: Principal,
    public_id: str,
    roles: Sequence[Role],
    *,
    allow_deleted: bool = False,
) -> ServicePoint:
    point = repository.by_public_id(session, public_id)
    if point is None:
        raise NotFound(f"no service point with id {public_id!r}")
    authorize(principal, point.organization_id, *roles, what="service point", ident=public_id)
    if point.deleted_at is not None and not allow_deleted:
        raise Gone(f"service point {public_id!r} was deleted")
    return point


def _strong_tag(tag: str) -> str:
    """A strong entity tag without the ``-br``/``-gz`` suffix compression adds to it."""
    for suffix in ENCODING_SUFFIXES:
        ending = suffix.decode() + '"'
        if tag.endswith(ending) and not tag.startswith("W/"):
            return tag[: -len(ending)] + '"'
    return tag


def _check_if_match(point: ServicePoint, if_match: str | None) -> None:
    current = etag_of(point)
    extra: dict[str, Any] = {
        "current_etag": current,
        "current_version": point.version,
        "headers": {"ETag": current},
    }
    tags = [t.strip() for t in (if_match or "").split(",") if t.strip()]
    if not tags:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited", **extra)
    if "*" in tags:
        raise PreconditionRequired("If-Match: * is not accepted; send the point's ETag", **extra)
    # The staff ETag (strong comparison), or the public ETag of any representation of the
    # current version (``GET /v1/points/{id}`` in any language or coding): same version.
    if current not in {_strong_tag(t) for t in tags} and point.version not in {
        etag_version(t) for t in tags
    }:
        raise PreconditionFailed(
            "the point changed since you read it; read it again and redo your change", **extra
        )


@contextmanager
def _no_lost_update(session: Session, point: ServicePoint) -> Iterator[None]:
    """Turn a concurrent write (the version moved under us) into 412."""
    public_id = point.public_id
    try:
        yield
    except StaleDataError:
        version = staff_repository.committed_version(session, public_id)
        extra: dict[str, Any] = {}
        if version is not None:
            current = _etag(public_id, version)
            extra = {
                "current_etag": current,
                "current_version": version,
                "headers": {"ETag": current},
            }
        raise PreconditionFailed(
            "the point was changed by someone else at the same time; read it again", **extra
        ) from None


def _record(
    session: Session,
    principal: Principal,
    point: ServicePoint,
    action: str,
    before: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=principal,
        organization_id=point.organization_id,
        entity_type=ENTITY,
        entity_id=point.public_id,
        action=action,
        changes=audit.diff(before, snapshot(point)),
    )


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


def check_point_input(session: Session, model: type[BaseModel], raw: Any) -> None:
    """Validate a point body and its category/audience codes together: one 422 naming every
    failing field, before anything is written."""
    errors: list[FieldError] = []
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        errors.extend(FieldError.from_pydantic(exc.errors(), location="body", translate=False))
    if isinstance(raw, dict):
        lists: dict[str, list[str] | None] = {}
        for name in ("categories", "audiences"):
            value = raw.get(name)
            usable = (
                isinstance(value, list)
                and len(value) <= 20
                and all(isinstance(v, str) and 0 < len(v) <= 50 for v in value)
            )
            lists[name] = value if usable else None
        errors.extend(writing.code_errors(session, lists["categories"], lists["audiences"]))
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)


def _lang(raw: str) -> str:
    try:
        return normalise_tag(raw)
    except InvalidLanguageTag as exc:
        raise ValidationProblem.for_field("path", "lang", str(exc)) from None


# --- reads ---------------------------------------------------------------------------------


def get_point(
    session: Session, principal: Principal, public_id: str, *, stale_after: dt.timedelta
) -> StaffPointRead:
    """A point of one of the principal's organisations, drafts and tombstones included."""
    point = _load(session, principal, public_id, READ_ROLES, allow_deleted=True)
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


def history(
    session: Session,
    principal: Principal,
    public_id: str,
    *,
    limit: int,
    cursor: str | None,
) -> HistoryPage:
    """Every recorded change of a point, oldest first (its organisation's staff)."""
    point = _load(session, principal, public_id, READ_ROLES, allow_deleted=True)
    fingerprint = f"history:{point.public_id}"
    after = int(decode_cursor(cursor, fingerprint=fingerprint)["i"]) if cursor else None
    events = audit.history(
        session, entity_type=ENTITY, entity_id=point.public_id, after_id=after, limit=limit + 1
    )
    page = events[:limit]
    emails = accounts_repository.user_emails(
        session, sorted({e.actor_user_id for e in page if e.actor_user_id})
    )
    keys = accounts_repository.api_key_names(
        session, sorted({e.actor_api_key_id for e in page if e.actor_api_key_id})
    )
    orgs = accounts_repository.organizations_by_id(
        session, sorted({e.organization_id for e in page if e.organization_id})
    )
    items = [
        HistoryEntry(
            id=e.id,
            at=e.at,
            action=e.action,
            actor=HistoryActor(
                credential=e.credential,
                user_id=e.actor_user_id,
                email=emails.get(e.actor_user_id) if e.actor_user_id else None,
                api_key_id=e.actor_api_key_id,
                api_key_name=keys.get(e.actor_api_key_id) if e.actor_api_key_id else None,
            ),
            organization=orgs[e.organization_id].slug if e.organization_id in orgs else None,
            changes=e.changes,
        )
        for e in page
    ]
    next_cursor = (
        encode_cursor({"f": fingerprint, "i": page[-1].id}) if len(events) > limit else None
    )
    return HistoryPage(items=items, next_cursor=next_cursor)


# --- writes --------------------------------------------------------------------------------


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
        raise Forbidden("creating points needs the editor role in an organisation")
    raise ValidationProblem.for_field(
        "query", "organization", "name the organisation the point belongs to"
    )


def _check_country(lat: float, lon: float, country: str) -> None:
    """The point must lie in its country (or its waters): the same lookup as ``/v1/where``
    and imports (``app.exchange.checks``); a 422 naming ``lat`` otherwise."""
    result = duplicate_checks.check_country(lat, lon, country)
    if not result.ok:
        raise ValidationProblem.for_field(
            "body", "lat", result.detail or "outside its country", pointer="/lat"
        )


def create_point(
    session: Session,
    principal: Principal,
    data: ServicePointCreate,
    *,
    organization: str | None,
    stale_after: dt.timedelta,
) -> StaffPointRead:
    """A new point in one of the principal's organisations (editors)."""
    organization_id = _organization_for_create(session, principal, organization)
    _check_country(data.lat, data.lon, data.country)
    point = writing.create_point(session, data, organization_id=organization_id)
    _record(session, principal, point, "create", {})
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
    point = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(point, if_match)
    if not data.model_fields_set:
        raise ValidationProblem.for_field("body", "body", "send at least one field to change")
    if {"lat", "lon", "country"} & data.model_fields_set:
        _check_country(
            data.lat if data.lat is not None else point.lat,
            data.lon if data.lon is not None else point.lon,
            data.country if data.country is not None else point.country,
        )
    before = snapshot(point)
    with _no_lost_update(session, point):
        writing.update_point(session, point, data)
    _record(session, principal, point, "update", before)
    return staff_view(point, stale_after=stale_after)


def delete_point(
    session: Session, principal: Principal, public_id: str, *, if_match: str | None
) -> None:
    """Soft-delete (editors): the row stays as a tombstone that public reads hide."""
    point = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(point, if_match)
    before = snapshot(point)
    with _no_lost_update(session, point):
        writing.soft_delete(session, point)
    _record(session, principal, point, "delete", before)


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
    point = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(point, if_match)
    current, target = PointStatus(point.status), PointStatus(change.status)
    allowed = ALLOWED_TRANSITIONS[current]
    if target not in allowed:
        raise Conflict(
            f"a {current.value} point cannot become {target.value}",
            allowed=sorted(s.value for s in allowed),
        )
    before = snapshot(point)
    with _no_lost_update(session, point):
        writing.set_status(session, point, target)
    _record(session, principal, point, "status", before)
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
    point = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(point, if_match)
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
    with _no_lost_update(session, point):
        writing.verify(session, point, organization_id=organization_id)
    _record(session, principal, point, "verify", before)
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
    tag = _lang(lang)
    point = _load(session, principal, public_id, TRANSLATE_ROLES)
    _check_if_match(point, if_match)
    created = all(t.lang != tag for t in point.translations)
    before = snapshot(point)
    with _no_lost_update(session, point):
        writing.put_translation(session, point, tag, text)
    _record(session, principal, point, "translation.put", before)
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
    tag = _lang(lang)
    point = _load(session, principal, public_id, TRANSLATE_ROLES)
    _check_if_match(point, if_match)
    if all(t.lang != tag for t in point.translations):
        raise NotFound(f"service point {public_id!r} has no {tag!r} translation")
    before = snapshot(point)
    with _no_lost_update(session, point):
        writing.delete_translation(session, point, tag)
    _record(session, principal, point, "translation.delete", before)
    return staff_view(point, stale_after=stale_after)
