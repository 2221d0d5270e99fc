"""Alerts: the public reads, and the staff lifecycle draft -> published -> cancelled.

Rules:

- Roles are per organisation (``app.accounts.principal.authorize``): editors write and
  publish their organisation's alerts, translators add languages, platform admins do all.
- Two-person rule: a ``Severe`` or ``Extreme`` alert is published by a *person* (not an API
  key) who wrote none of its content (``Alert.authors``): another member of the
  organisation with the editor role, or a platform admin.
- A draft may change freely; a published alert keeps its content (a new alert replaces a
  wrong one) except ``expires`` and its translations, and may be cancelled. Every change
  needs ``If-Match`` with the alert's ETag and is audited in the same transaction.
- Expiry is never written: an alert is active while ``effective <= now < expires``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from shapely.geometry import box
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import repository as accounts_repository
from app.accounts.models import Role
from app.accounts.principal import Principal, authorize
from app.alerts import repository
from app.alerts.categories import label
from app.alerts.coverage import active_set, order_key
from app.alerts.inputs import AlertCreate, AlertTranslationInput, AlertUpdate, CancelRequest
from app.alerts.models import (
    TRANSLATABLE_FIELDS,
    TWO_PERSON_SEVERITIES,
    Alert,
    AlertStatus,
    AlertTranslation,
    Severity,
)
from app.alerts.schemas import (
    AlertPage,
    AlertRead,
    AlertSource,
    OrganizationRef,
    StaffAlertPage,
    StaffAlertRead,
    StaffTranslationRead,
)
from app.audit import service as audit
from app.countries.boundaries import load_boundaries
from app.db import utcnow
from app.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationProblem,
)
from app.geo.areas import AreaError, normalise_area
from app.geo.sphere import BBox
from app.http_cache import ENCODING_SUFFIXES
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.web.cursors import decode_cursor, encode_cursor

__all__ = [
    "active_in_country",
    "cancel_alert",
    "create_alert",
    "etag_of",
    "get_public_alert",
    "get_staff_alert",
    "list_public",
    "list_staff",
    "publish_alert",
    "put_translation",
    "render_public",
    "snapshot",
    "update_alert",
]

ENTITY = "alert"
READ_ROLES = (Role.editor, Role.translator)
EDIT_ROLES = (Role.editor,)
TRANSLATE_ROLES = (Role.editor, Role.translator)


# --- rendering -----------------------------------------------------------------------------


def state_of(alert: Alert, now: dt.datetime) -> str:
    if alert.status != AlertStatus.published.value:
        return alert.status
    if now >= alert.expires_at:
        return "expired"
    return "active" if alert.effective_at <= now else "scheduled"


def _translations(alert: Alert) -> dict[str, dict[str, str | None]]:
    return {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in alert.translations}


def _public_fields(alert: Alert, pref: LanguagePreference, now: dt.datetime) -> dict[str, Any]:
    text = localise(
        _translations(alert), TRANSLATABLE_FIELDS, pref.chain_for(alert.original_language)
    )
    served = text.lang or alert.original_language
    category_label, _ = label(alert.category, (served, *pref.chain))
    return {
        "id": alert.public_id,
        "category": alert.category,
        "category_label": category_label,
        "severity": alert.severity,
        "urgency": alert.urgency,
        "certainty": alert.certainty,
        "title": text.values.get("title", ""),
        "body": text.values.get("body"),
        "instructions": text.values.get("instructions"),
        "area_description": text.values.get("area_description"),
        "lang": served,
        "lang_fallback": pref.is_fallback(served),
        "field_lang": text.field_lang or None,
        "languages_available": text.available,
        "area": alert.area,
        "countries": list(alert.countries),
        "effective": alert.effective_at.replace(microsecond=0),
        "expires": alert.expires_at.replace(microsecond=0),
        "state": state_of(alert, now),
        "organization": OrganizationRef(id=alert.organization.slug, name=alert.organization.name),
        "source": AlertSource(
            url=alert.source_url, title=alert.source_title, sample=alert.is_sample
        ),
        "published_at": alert.published_at.replace(microsecond=0) if alert.published_at else None,
        "updated_at": alert.updated_at.replace(microsecond=0),
    }


def render_public(alert: Alert, pref: LanguagePreference, now: dt.datetime) -> AlertRead:
    return AlertRead(**_public_fields(alert, pref, now))


def etag_of(alert: Alert) -> str:
    return f'"{alert.public_id}.{alert.version}"'


def staff_view(alert: Alert, now: dt.datetime | None = None) -> StaffAlertRead:
    """The alert in its own language with every translation, its version and ETag."""
    now = now or dt.datetime.now(dt.UTC)
    original = alert.original_language
    pref = LanguagePreference(requested=(original,), chain=(original,), served=original)
    return StaffAlertRead(
        **_public_fields(alert, pref, now),
        status=alert.status,
        version=alert.version,
        etag=etag_of(alert),
        original_language=original,
        translations={
            t.lang: StaffTranslationRead(
                **{f: getattr(t, f) for f in TRANSLATABLE_FIELDS}, updated_at=t.updated_at
            )
            for t in alert.translations
        },
        needs_second_person=Severity(alert.severity) in TWO_PERSON_SEVERITIES,
        created_at=alert.created_at,
        cancelled_at=alert.cancelled_at,
    )


def snapshot(alert: Alert) -> dict[str, Any]:
    """Every audited field, translations flattened as ``translations.<lang>.<field>``."""
    out: dict[str, Any] = {
        name: getattr(alert, name)
        for name in (
            "category",
            "severity",
            "urgency",
            "certainty",
            "area",
            "countries",
            "effective_at",
            "expires_at",
            "source_url",
            "source_title",
            "original_language",
            "status",
            "is_sample",
        )
    }
    for t in alert.translations:
        for name in TRANSLATABLE_FIELDS:
            out[f"translations.{t.lang}.{name}"] = getattr(t, name)
    return out


# --- public reads ---------------------------------------------------------------------------


def list_public(
    session: Session,
    *,
    near: tuple[float, float] | None,
    bbox: BBox | None,
    countries: Sequence[str],
    categories: Sequence[str],
    pref: LanguagePreference,
    limit: int,
    now: dt.datetime | None = None,
) -> AlertPage:
    """Active alerts covering a place (``near``), reaching into a box, or of countries;
    most severe first, then newest."""
    now = now or dt.datetime.now(dt.UTC)
    alerts = repository.active(session, now)
    wanted: set[str] | None = None
    if near is not None or bbox is not None:
        current = active_set(session, now)
        if near is not None:
            location = load_boundaries().locate(*near)
            country = location.code or location.nearest_code
            wanted = set(current.covering(near[0], near[1], country))
        elif bbox is not None:
            in_box: set[str] = set()
            for part in bbox.parts():
                in_box |= load_boundaries().codes_intersecting(
                    box(part.min_lon, part.min_lat, part.max_lon, part.max_lat)
                )
            wanted = set(current.touching_box(bbox, frozenset(in_box)))
    selected = [
        a
        for a in alerts
        if (wanted is None or a.public_id in wanted)
        and (not countries or not set(countries).isdisjoint(a.countries))
        and (not categories or a.category in categories)
    ]
    selected.sort(key=lambda a: order_key(a.severity, a.published_at))
    return AlertPage(
        items=[render_public(a, pref, now) for a in selected[:limit]], lang=pref.served
    )


def active_in_country(session: Session, country: str, now: dt.datetime) -> list[Alert]:
    """A country's active alerts, most severe and newest first (feeds)."""
    found = [a for a in repository.active(session, now) if country in a.countries]
    return sorted(found, key=lambda a: order_key(a.severity, a.published_at))


def get_public_alert(session: Session, public_id: str, now: dt.datetime | None = None) -> Alert:
    """An active alert; 410 once expired or cancelled, 404 for drafts and unknown ids."""
    now = now or dt.datetime.now(dt.UTC)
    alert = repository.by_public_id(session, public_id)
    if alert is None or alert.status == AlertStatus.draft.value:
        raise NotFound(f"no alert with id {public_id!r}")
    state = state_of(alert, now)
    if state == "scheduled":
        raise NotFound(f"no alert with id {public_id!r}")
    if state != "active":
        raise Gone(f"alert {public_id!r} is {state}", state=state)
    return alert


# --- staff ----------------------------------------------------------------------------------


def _load(session: Session, principal: Principal, public_id: str, roles: Sequence[Role]) -> Alert:
    alert = repository.by_public_id(session, public_id)
    if alert is None:
        raise NotFound(f"no alert with id {public_id!r}")
    authorize(principal, alert.organization_id, *roles, what="alert", ident=public_id)
    return alert


def _strong_tag(tag: str) -> str:
    for suffix in ENCODING_SUFFIXES:
        ending = suffix.decode() + '"'
        if tag.endswith(ending) and not tag.startswith("W/"):
            return tag[: -len(ending)] + '"'
    return tag


def _check_if_match(alert: Alert, if_match: str | None) -> None:
    current = etag_of(alert)
    extra: dict[str, Any] = {
        "current_etag": current,
        "current_version": alert.version,
        "headers": {"ETag": current},
    }
    tags = [t.strip() for t in (if_match or "").split(",") if t.strip()]
    if not tags or "*" in tags:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited", **extra)
    if current not in {_strong_tag(t) for t in tags}:
        raise PreconditionFailed(
            "the alert changed since you read it; read it again and redo your change", **extra
        )


@contextmanager
def _no_lost_update(session: Session, alert: Alert) -> Iterator[None]:
    public_id = alert.public_id
    try:
        yield
    except StaleDataError:
        version = repository.committed_version(session, public_id)
        raise PreconditionFailed(
            "the alert was changed by someone else at the same time; read it again",
            current_version=version,
        ) from None


def _record(
    session: Session, principal: Principal, alert: Alert, action: str, before: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=principal,
        organization_id=alert.organization_id,
        entity_type=ENTITY,
        entity_id=alert.public_id,
        action=action,
        changes=audit.diff(before, snapshot(alert)),
    )


def _lang(raw: str) -> str:
    try:
        return normalise_tag(raw)
    except InvalidLanguageTag as exc:
        raise ValidationProblem.for_field("path", "lang", str(exc)) from None


def _area(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    try:
        return normalise_area(raw)
    except AreaError as exc:
        raise ValidationProblem.for_field("body", "area", exc.detail, pointer=exc.pointer) from None


def _seconds(value: dt.datetime) -> dt.datetime:
    """Times are kept to the second (as every answer shows them)."""
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _add_author(alert: Alert, principal: Principal) -> None:
    if principal.actor_id not in alert.authors:
        alert.authors = [*alert.authors, principal.actor_id]


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
        raise Forbidden("writing alerts needs the editor role in an organisation")
    raise ValidationProblem.for_field(
        "query", "organization", "name the organisation the alert belongs to"
    )


def _put_texts(alert: Alert, lang: str, text: AlertTranslationInput) -> None:
    values = text.model_dump()
    for existing in alert.translations:
        if existing.lang == lang:
            for name in TRANSLATABLE_FIELDS:
                setattr(existing, name, values.get(name))
            existing.updated_at = utcnow()
            return
    alert.translations.append(AlertTranslation(lang=lang, **values))


def create_alert(
    session: Session, principal: Principal, data: AlertCreate, *, organization: str | None
) -> StaffAlertRead:
    """A new draft in one of the principal's organisations (editors)."""
    organization_id = _organization_for_create(session, principal, organization)
    area, countries = _area(data.area.model_dump())
    now = utcnow()
    alert = Alert(
        organization_id=organization_id,
        category=data.category.value,
        severity=data.severity.value,
        urgency=data.urgency.value,
        certainty=data.certainty.value,
        area=area,
        countries=countries,
        effective_at=_seconds(data.effective or now),
        expires_at=_seconds(data.expires),
        source_url=data.source_url,
        source_title=data.source_title,
        original_language=data.original_language,
        status=AlertStatus.draft.value,
        is_sample=bool(data.is_sample),
        authors=[principal.actor_id],
        created_at=now,
        updated_at=now,
    )
    for lang, text in data.translations.items():
        alert.translations.append(AlertTranslation(lang=lang, **text.model_dump()))
    session.add(alert)
    session.flush()
    _record(session, principal, alert, "create", {})
    return staff_view(alert)


def update_alert(
    session: Session,
    principal: Principal,
    public_id: str,
    data: AlertUpdate,
    *,
    if_match: str | None,
) -> StaffAlertRead:
    """Change a draft (editors); a published alert may only change ``expires``."""
    alert = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(alert, if_match)
    sent = data.model_fields_set
    if not sent:
        raise ValidationProblem.for_field("body", "body", "send at least one field to change")
    if alert.status == AlertStatus.cancelled.value:
        raise Conflict("a cancelled alert cannot change")
    if alert.status == AlertStatus.published.value and sent - {"expires"}:
        raise Conflict(
            "a published alert keeps its content: change expires, add translations, or "
            "cancel it and publish a new one",
            changeable=["expires"],
        )
    effective = data.effective if "effective" in sent else alert.effective_at
    expires = data.expires if "expires" in sent else alert.expires_at
    if effective is not None and expires is not None and expires <= effective:
        raise ValidationProblem.for_field(
            "body", "expires", "expires must be after effective", pointer="/expires"
        )
    before = snapshot(alert)
    with _no_lost_update(session, alert):
        for name in ("category", "severity", "urgency", "certainty"):
            if name in sent:
                setattr(alert, name, getattr(data, name).value)
        if "area" in sent and data.area is not None:
            alert.area, alert.countries = _area(data.area.model_dump())
        if "effective" in sent and data.effective is not None:
            alert.effective_at = _seconds(data.effective)
        if "expires" in sent and data.expires is not None:
            alert.expires_at = _seconds(data.expires)
        for name in ("source_url", "source_title"):
            if name in sent:
                setattr(alert, name, getattr(data, name))
        if "is_sample" in sent:
            alert.is_sample = bool(data.is_sample)
        if sent - {"expires"}:
            _add_author(alert, principal)
        alert.updated_at = utcnow()
        session.flush()
    _record(session, principal, alert, "update", before)
    return staff_view(alert)


def put_translation(
    session: Session,
    principal: Principal,
    public_id: str,
    lang: str,
    text: AlertTranslationInput,
    *,
    if_match: str | None,
) -> tuple[StaffAlertRead, bool]:
    """Create or replace one language's texts (editors, translators); True when created."""
    tag = _lang(lang)
    alert = _load(session, principal, public_id, TRANSLATE_ROLES)
    _check_if_match(alert, if_match)
    if alert.status == AlertStatus.cancelled.value:
        raise Conflict("a cancelled alert cannot change")
    if alert.status == AlertStatus.published.value and tag == alert.original_language:
        raise Conflict("the original text of a published alert cannot change")
    created = all(t.lang != tag for t in alert.translations)
    before = snapshot(alert)
    with _no_lost_update(session, alert):
        _put_texts(alert, tag, text)
        _add_author(alert, principal)
        alert.updated_at = utcnow()
        session.flush()
    _record(session, principal, alert, "translation.put", before)
    return staff_view(alert), created


def publish_alert(
    session: Session, principal: Principal, public_id: str, *, if_match: str | None
) -> StaffAlertRead:
    """Publish a draft (editors); a Severe or Extreme one needs a second person."""
    alert = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(alert, if_match)
    if alert.status != AlertStatus.draft.value:
        raise Conflict(f"a {alert.status} alert cannot be published", allowed=[])
    now = utcnow()
    if alert.expires_at <= now:
        raise Conflict("the alert has already expired: change expires first")
    if Severity(alert.severity) in TWO_PERSON_SEVERITIES:
        if principal.credential == "api_key":
            raise Forbidden(
                f"a {alert.severity} alert is published by a person, not an API key",
                rule="two-person",
            )
        if principal.actor_id in alert.authors:
            raise Forbidden(
                f"a {alert.severity} alert needs a second person: someone of the organisation "
                "(editor) or a platform admin who did not write it must publish it",
                rule="two-person",
            )
    before = snapshot(alert)
    with _no_lost_update(session, alert):
        alert.status = AlertStatus.published.value
        alert.published_at = now
        alert.published_by = principal.actor_id
        if alert.effective_at < now:
            alert.effective_at = _seconds(now)
        alert.updated_at = now
        session.flush()
    _record(session, principal, alert, "publish", before)
    return staff_view(alert)


def cancel_alert(
    session: Session,
    principal: Principal,
    public_id: str,
    body: CancelRequest | None,
    *,
    if_match: str | None,
) -> StaffAlertRead:
    """Cancel a draft or a published alert (editors): it leaves every answer at once."""
    alert = _load(session, principal, public_id, EDIT_ROLES)
    _check_if_match(alert, if_match)
    if alert.status == AlertStatus.cancelled.value:
        raise Conflict("the alert is already cancelled")
    before = snapshot(alert)
    now = utcnow()
    with _no_lost_update(session, alert):
        alert.status = AlertStatus.cancelled.value
        alert.cancelled_at = now
        alert.updated_at = now
        session.flush()
    after = snapshot(alert)
    changes = audit.diff(before, after)
    if body is not None and body.reason:
        changes["reason"] = [None, body.reason]
    audit.record(
        session,
        actor=principal,
        organization_id=alert.organization_id,
        entity_type=ENTITY,
        entity_id=alert.public_id,
        action="cancel",
        changes=changes,
    )
    return staff_view(alert)


def get_staff_alert(session: Session, principal: Principal, public_id: str) -> StaffAlertRead:
    return staff_view(_load(session, principal, public_id, READ_ROLES))


def list_staff(
    session: Session,
    principal: Principal,
    *,
    organization: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> StaffAlertPage:
    """Alerts of the principal's organisations (or of one of them), by id."""
    if organization is not None:
        org = accounts_repository.organization_by_slug(session, organization)
        if org is None or not principal.is_member(org.id):
            raise NotFound(f"no organization with id {organization!r}")
        org_ids: list[str] | None = [org.id]
    else:
        org_ids = None if principal.is_admin else principal.organizations_with(*READ_ROLES)
    fingerprint = f"alerts:{organization}:{status}"
    after = int(decode_cursor(cursor, fingerprint=fingerprint)["i"]) if cursor else None
    rows = repository.of_organizations(
        session, organization_ids=org_ids, status=status, after_id=after, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = encode_cursor({"f": fingerprint, "i": page[-1].id}) if len(rows) > limit else None
    now = dt.datetime.now(dt.UTC)
    return StaffAlertPage(items=[staff_view(a, now) for a in page], next_cursor=next_cursor)
