"""What the console's read pages show: the dashboard, the list of points, form options.

The scope of every read is the API's: ``staff_service.READ_ROLES`` for points (editors,
translators, moderators of the point's organisation; platform administrators see all),
the moderator role for feedback, ``tasks_service.STAFF_ROLES`` for verification tasks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts import repository as accounts_repository
from app.accounts.models import Role
from app.console import repository
from app.console.repository import PointFilters
from app.db import utcnow
from app.errors import ValidationProblem
from app.i18n.negotiation import LanguagePreference
from app.languages import repository as languages_repository
from app.organizations.models import Organization
from app.service_points import freshness
from app.service_points.models import PointStatus, ServicePoint
from app.staff_points import service as staff_service
from app.staff_points.schemas import StaffPointRead
from app.tasks import service as tasks_service
from app.taxonomy import service as taxonomy_service
from app.taxonomy.schemas import CategoryNode

__all__ = [
    "Dashboard",
    "FormOptions",
    "ListItem",
    "PointList",
    "Rights",
    "dashboard",
    "form_options",
    "language_status",
    "point_list",
    "read_scope",
    "rights_on",
    "transitions",
]

PAGE_SIZE = 25


def read_scope(principal: Principal) -> list[str] | None:
    """Organisations whose points the principal reads (None: every one)."""
    return None if principal.is_admin else principal.organizations_with(*staff_service.READ_ROLES)


def _scope_of(principal: Principal, *roles: Role) -> list[str] | None:
    return None if principal.is_admin else principal.organizations_with(*roles)


@dataclass(frozen=True, slots=True)
class Dashboard:
    organizations: list[Organization]
    by_status: dict[str, int]
    total: int
    stale: int
    pending_feedback: int | None
    open_tasks: int | None
    missing: list[tuple[str, str, int]]


def enabled_languages(session: Session) -> list[tuple[str, str]]:
    """(tag, endonym) of every enabled language."""
    return [
        (lang.tag, lang.endonym)
        for lang in languages_repository.list_languages(session)
        if lang.enabled
    ]


def dashboard(session: Session, principal: Principal, *, stale_after: dt.timedelta) -> Dashboard:
    """Counts of the principal's organisations' points and of the work waiting for them."""
    scope = read_scope(principal)
    counts = repository.status_counts(session, organization_ids=scope)
    by_status = {s.value: counts.get(s.value, 0) for s in PointStatus}
    languages = enabled_languages(session)
    missing = repository.missing_translations(
        session, organization_ids=scope, languages=[tag for tag, _ in languages]
    )
    moderated = _scope_of(principal, Role.moderator)
    tasked = _scope_of(principal, *tasks_service.STAFF_ROLES)
    return Dashboard(
        organizations=repository.organizations(session, scope),
        by_status=by_status,
        total=sum(by_status.values()),
        stale=repository.stale_count(
            session, organization_ids=scope, verified_before=utcnow() - stale_after
        ),
        pending_feedback=repository.pending_feedback_count(session, organization_ids=moderated)
        if moderated is None or moderated
        else None,
        open_tasks=repository.open_task_count(session, organization_ids=tasked)
        if tasked is None or tasked
        else None,
        missing=[(tag, name, missing[tag]) for tag, name in languages],
    )


@dataclass(frozen=True, slots=True)
class ListItem:
    id: str
    name: str
    status: str
    country: str
    locality: str | None
    organization: str
    languages: list[str]
    updated_at: dt.datetime
    last_verified_at: dt.datetime | None
    stale: bool


@dataclass(frozen=True, slots=True)
class PointList:
    items: list[ListItem]
    total: int
    page: int
    pages: int
    organizations: list[Organization]


def _item(point: ServicePoint, now: dt.datetime, stale_after: dt.timedelta) -> ListItem:
    names = {t.lang: t.name for t in point.translations}
    return ListItem(
        id=point.public_id,
        name=names.get(point.original_language) or next(iter(names.values()), point.public_id),
        status=point.status,
        country=point.country,
        locality=point.locality,
        organization=point.organization.name,
        languages=sorted(names),
        updated_at=point.updated_at,
        last_verified_at=point.last_verified_at,
        stale=freshness.is_stale(
            published=point.status == PointStatus.published,
            last_verified_at=point.last_verified_at,
            source_as_of=point.source_as_of,
            now=now,
            stale_after=stale_after,
        ),
    )


def point_list(
    session: Session,
    principal: Principal,
    *,
    filters: PointFilters,
    organization: str | None,
    page: int,
    stale_after: dt.timedelta,
) -> PointList:
    """One page of the principal's points matching ``filters``."""
    scope = read_scope(principal)
    if organization:
        org = accounts_repository.organization_by_slug(session, organization)
        if org is None or (scope is not None and org.id not in scope):
            raise ValidationProblem.for_field(
                "query", "organization", "no such organisation among yours"
            )
        filters = dataclasses.replace(filters, organization_id=org.id)
    now = utcnow()
    items, total = repository.search_points(
        session,
        organization_ids=scope,
        filters=filters,
        verified_before=now - stale_after,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return PointList(
        items=[_item(p, now, stale_after) for p in items],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        organizations=repository.organizations(session, scope),
    )


@dataclass(frozen=True, slots=True)
class FormOptions:
    categories: list[tuple[str, str, int]]
    audiences: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    organizations: list[Organization]


def _flatten(nodes: list[CategoryNode], depth: int = 0) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for node in nodes:
        out.append((node.code, node.name, depth))
        out.extend(_flatten(node.children, depth + 1))
    return out


def form_options(session: Session, principal: Principal, *, lang: str) -> FormOptions:
    """Categories and audiences named in the console language, languages, organisations."""
    pref = LanguagePreference(requested=(lang,), chain=(lang, "es", "en"), served=lang)
    creatable = None if principal.is_admin else principal.organizations_with(Role.editor)
    return FormOptions(
        categories=_flatten(taxonomy_service.category_tree(session, pref=pref)),
        audiences=[(a.code, a.name) for a in taxonomy_service.audience_list(session, pref=pref)],
        languages=enabled_languages(session),
        organizations=repository.organizations(session, creatable),
    )


def language_status(
    point: StaffPointRead, languages: list[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(tag, name, state) for the point's languages and every enabled one.

    ``state`` is ``original``, ``missing``, ``outdated`` (changed before the original
    text last changed) or ``current``.
    """
    original = point.translations.get(point.original_language)
    names = dict(languages)
    tags = [t for t, _ in languages] + sorted(t for t in point.translations if t not in names)
    out = []
    for tag in tags:
        text = point.translations.get(tag)
        if tag == point.original_language:
            state = "original"
        elif text is None:
            state = "missing"
        elif original is not None and text.updated_at < original.updated_at:
            state = "outdated"
        else:
            state = "current"
        out.append((tag, names.get(tag, tag), state))
    return out


@dataclass(frozen=True, slots=True)
class Rights:
    """What the principal may do to one point (the pages hide what the services refuse)."""

    edit: bool
    translate: bool


def rights_on(session: Session, principal: Principal, point: StaffPointRead) -> Rights:
    org = accounts_repository.organization_by_slug(session, point.organization.id)
    if org is None or point.deleted_at is not None:
        return Rights(edit=False, translate=False)
    return Rights(
        edit=principal.can(org.id, *staff_service.EDIT_ROLES),
        translate=principal.can(org.id, *staff_service.TRANSLATE_ROLES),
    )


def transitions(point: StaffPointRead) -> list[str]:
    """Statuses the point may move to next, in a stable order."""
    allowed = staff_service.ALLOWED_TRANSITIONS[PointStatus(point.status)]
    return [s.value for s in PointStatus if s in allowed]
