"""Saving the point editor and the translation forms through the staff API's services.

Nothing here decides who may do what or what is valid: ``staff_service`` (authorisation,
If-Match, audit) and ``inputs.py`` (every rule) do, exactly as for the JSON API. This
module turns forms into those calls, and a stale form into a visible conflict:

- the form carries the point's ETag and the values it was rendered with (``base``);
- a save sends only the fields this person changed (``changed(base, submitted)``);
- when the ETag is no longer current (checked up front, and again by ``staff_service``
  under the row version), nothing is written: the editor comes back showing, field by
  field, what the other person saved next to what this person typed, with non-conflicting
  changes carried over for review and the current ETag, so a second save is a decision.

Every failure rolls the request's transaction back before the page is rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.access.principal import Principal, authorize
from app.accounts import repository as accounts_repository
from app.accounts.models import Role
from app.console import forms, hours_text, repository
from app.console.forms import FormValues
from app.errors import FieldError, Gone, NotFound, PreconditionFailed, ValidationProblem
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.staff_points import service as staff_service
from app.staff_points.schemas import StaffPointRead, StatusChange

__all__ = [
    "ALL_FIELDS",
    "Conflict",
    "ConflictRow",
    "EditorState",
    "change_status",
    "create_point",
    "editor_state",
    "save_point",
    "save_translation",
    "translation_state",
    "verify_point",
]

ALL_FIELDS = forms.POINT_FIELDS + forms.TEXT_FIELDS


@dataclass(frozen=True, slots=True)
class ConflictRow:
    field: str
    base: Any
    theirs: Any
    yours: Any
    kind: str  # "theirs", "yours" or "both"


@dataclass(frozen=True, slots=True)
class Conflict:
    rows: list[ConflictRow]
    changed_by: str | None
    changed_at: dt.datetime | None


@dataclass
class EditorState:
    """What a point form shows: values, the base they were read at, errors, a conflict."""

    point: StaffPointRead | None
    values: FormValues
    base: FormValues
    etag: str | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflict: Conflict | None = None
    saved: StaffPointRead | None = None
    unchanged: bool = False

    @property
    def base_json(self) -> str:
        return forms.encode_base(self.base)


def editor_state(point: StaffPointRead) -> EditorState:
    values = forms.values_of_point(point)
    return EditorState(point=point, values=values, base=dict(values), etag=point.etag)


def translation_state(point: StaffPointRead, lang: str) -> EditorState:
    values = forms.values_of_translation(point.translations.get(lang))
    return EditorState(point=point, values=values, base=dict(values), etag=point.etag)


def _pydantic_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    out = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err.get("loc", ()))
        detail = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        out.append(FieldError(location="body", name=prefix + name, detail=detail))
    return out


def _last_change(session: Session, point_id: str) -> tuple[str | None, dt.datetime | None]:
    event = repository.last_event(session, entity_type=staff_service.ENTITY, entity_id=point_id)
    if event is None:
        return None, None
    who = event.actor_user_id
    emails = accounts_repository.user_emails(session, [who]) if who else {}
    label = emails.get(who) if who else None
    if label is None and event.actor_api_key_id:
        names = accounts_repository.api_key_names(session, [event.actor_api_key_id])
        label = names.get(event.actor_api_key_id)
    return label, event.at


def _conflict(
    session: Session,
    current: StaffPointRead,
    now_values: FormValues,
    submitted: FormValues,
    base: FormValues,
    fields: tuple[str, ...],
) -> EditorState:
    theirs = forms.changed(base, now_values, fields)
    yours = forms.changed(base, submitted, fields)
    rows = [
        ConflictRow(
            field=f,
            base=base.get(f),
            theirs=now_values.get(f),
            yours=submitted.get(f),
            kind="both" if f in theirs and f in yours else ("theirs" if f in theirs else "yours"),
        )
        for f in fields
        if f in theirs or f in yours
    ]
    merged = dict(now_values)
    for f in yours - theirs:
        merged[f] = submitted[f]
    who, when = _last_change(session, current.id)
    return EditorState(
        point=current,
        values=merged,
        base=dict(now_values),
        etag=current.etag,
        conflict=Conflict(rows=rows, changed_by=who, changed_at=when),
    )


def _hours_errors(body: dict[str, Any]) -> list[FieldError]:
    """Check ``opening_hours`` before the services do (see ``hours_text.syntax_error``);
    an invalid value is taken out of ``body`` and reported once."""
    value = body.get("opening_hours")
    problem = hours_text.syntax_error(value) if isinstance(value, str) and value else None
    if problem is None:
        return []
    body.pop("opening_hours")
    return [FieldError(location="body", name="opening_hours", detail=problem)]


def _check(session: Session, model: type[BaseModel], body: dict[str, Any]) -> list[FieldError]:
    """Every error of a point body, the write API's rules first (one list, no write)."""
    errors = _hours_errors(body)
    try:
        staff_service.check_point_input(session, model, body)
    except ValidationProblem as exc:
        errors.extend(exc.errors or [])
    return errors


def _require(
    session: Session, principal: Principal, point: StaffPointRead, roles: tuple[Role, ...]
) -> None:
    """The write API's check (``authorize``), before any input is looked at: a member
    without the role learns nothing from validation messages; tombstones stay as they are."""
    org = accounts_repository.organization_by_slug(session, point.organization.id)
    if org is None:
        raise NotFound(f"no service point with id {point.id!r}")
    authorize(principal, org.id, *roles, what="service point", ident=point.id)
    if point.deleted_at is not None:
        raise Gone(f"service point {point.id!r} was deleted")


def _reload(session: Session, principal: Principal, point_id: str, stale: dt.timedelta) -> Any:
    session.rollback()
    return staff_service.get_point(session, principal, point_id, stale_after=stale)


def create_point(
    session: Session,
    principal: Principal,
    form: FormData,
    *,
    organization: str | None,
    stale_after: dt.timedelta,
) -> EditorState:
    """A new draft from the editor form (``saved`` is set on success)."""
    values = forms.values_of_form(form, ALL_FIELDS)
    body = forms.point_payload(values, forms.POINT_FIELDS)
    body["status"] = "draft"
    body["translations"] = {values.get("original_language") or "": forms.text_payload(values)}
    state = EditorState(point=None, values=values, base=values, etag=None)
    errors = _check(session, ServicePointCreate, body)
    if errors:
        state.errors = forms.errors_by_field(errors)
        return state
    try:
        data = ServicePointCreate.model_validate(body)
        state.saved = staff_service.create_point(
            session, principal, data, organization=organization, stale_after=stale_after
        )
    except ValidationProblem as exc:
        session.rollback()
        state.errors = forms.errors_by_field(exc.errors or [])
    return state


def save_point(
    session: Session,
    principal: Principal,
    point_id: str,
    form: FormData,
    *,
    stale_after: dt.timedelta,
) -> EditorState:
    """Apply this person's changes, or show the conflict when the point moved on."""
    current = staff_service.get_point(session, principal, point_id, stale_after=stale_after)
    _require(session, principal, current, staff_service.EDIT_ROLES)
    now_values = forms.values_of_point(current)
    submitted = forms.values_of_form(form, ALL_FIELDS)
    base = forms.decode_base(form.get("base"), ALL_FIELDS) or now_values
    etag = form.get("etag")
    if etag != current.etag:
        return _conflict(session, current, now_values, submitted, base, ALL_FIELDS)
    mine = forms.changed(base, submitted, ALL_FIELDS)
    state = EditorState(point=current, values=submitted, base=base, etag=current.etag)
    if not mine:
        state.unchanged = True
        return state
    point_fields = [f for f in forms.POINT_FIELDS if f in mine]
    text_changed = any(f in mine for f in forms.TEXT_FIELDS)
    body = forms.point_payload(submitted, point_fields)
    errors = _check(session, ServicePointUpdate, body) if point_fields else []
    text_body = forms.text_payload(submitted)
    if text_changed:
        try:
            TranslationInput.model_validate(text_body)
        except ValidationError as exc:
            errors.extend(_pydantic_errors(exc))
    if errors:
        state.errors = forms.errors_by_field(errors)
        return state
    lang = str(base.get("original_language") or current.original_language)
    try:
        saved = current
        if point_fields:
            saved = staff_service.update_point(
                session,
                principal,
                point_id,
                ServicePointUpdate.model_validate(body),
                if_match=saved.etag,
                stale_after=stale_after,
            )
        if text_changed:
            saved, _ = staff_service.put_translation(
                session,
                principal,
                point_id,
                lang,
                TranslationInput.model_validate(text_body),
                if_match=saved.etag,
                stale_after=stale_after,
            )
    except PreconditionFailed:
        fresh = _reload(session, principal, point_id, stale_after)
        return _conflict(session, fresh, forms.values_of_point(fresh), submitted, base, ALL_FIELDS)
    except ValidationProblem as exc:
        session.rollback()
        state.errors = forms.errors_by_field(exc.errors or [])
        return state
    state.saved = saved
    return state


def save_translation(
    session: Session,
    principal: Principal,
    point_id: str,
    lang: str,
    form: FormData,
    *,
    stale_after: dt.timedelta,
) -> EditorState:
    """Create or replace one language's texts, or show the conflict."""
    current = staff_service.get_point(session, principal, point_id, stale_after=stale_after)
    _require(session, principal, current, staff_service.TRANSLATE_ROLES)
    fields = forms.TEXT_FIELDS
    now_values = forms.values_of_translation(current.translations.get(lang))
    submitted = forms.values_of_form(form, fields)
    base = forms.decode_base(form.get("base"), fields) or now_values
    if form.get("etag") != current.etag:
        return _conflict(session, current, now_values, submitted, base, fields)
    state = EditorState(point=current, values=submitted, base=base, etag=current.etag)
    exists = lang in current.translations
    if exists and not forms.changed(base, submitted, fields):
        state.unchanged = True
        return state
    try:
        text = TranslationInput.model_validate(forms.text_payload(submitted))
    except ValidationError as exc:
        state.errors = forms.errors_by_field(_pydantic_errors(exc))
        return state
    try:
        state.saved, _ = staff_service.put_translation(
            session,
            principal,
            point_id,
            lang,
            text,
            if_match=current.etag,
            stale_after=stale_after,
        )
    except PreconditionFailed:
        fresh = _reload(session, principal, point_id, stale_after)
        fresh_values = forms.values_of_translation(fresh.translations.get(lang))
        return _conflict(session, fresh, fresh_values, submitted, base, fields)
    return state


def change_status(
    session: Session,
    principal: Principal,
    point_id: str,
    *,
    status: str,
    etag: str | None,
    stale_after: dt.timedelta,
) -> bool:
    """Publish, close or reopen; False (nothing written) when the point moved on."""
    try:
        change = StatusChange.model_validate({"status": status})
    except ValidationError as exc:
        raise ValidationProblem("status: not a status", errors=_pydantic_errors(exc)) from None
    try:
        staff_service.change_status(
            session, principal, point_id, change, if_match=etag, stale_after=stale_after
        )
    except PreconditionFailed:
        session.rollback()
        return False
    return True


def verify_point(
    session: Session,
    principal: Principal,
    point_id: str,
    *,
    etag: str | None,
    stale_after: dt.timedelta,
) -> bool:
    """Stamp the point as checked now; False (nothing written) when the point moved on."""
    try:
        staff_service.verify_point(
            session, principal, point_id, None, if_match=etag, stale_after=stale_after
        )
    except PreconditionFailed:
        session.rollback()
        return False
    return True
