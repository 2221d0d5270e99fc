"""Console forms of alerts: turn posted fields into the staff API's inputs and call it.

The console writes through ``app.alerts.service`` (the same rules, roles, two-person rule,
If-Match and audit as the API); this module only reads forms and groups lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from app.access.principal import Principal
from app.accounts.models import Role
from app.alerts import service as alerts_service
from app.alerts.inputs import AlertCreate, AlertTranslationInput
from app.alerts.schemas import StaffAlertRead
from app.console.dependencies import MAX_FIELD_BYTES
from app.console.forms import messages_of
from app.errors import Problem
from app.jsondepth import exceeds
from app.organizations.models import Organization

__all__ = [
    "MAX_AREA_FILE_BYTES",
    "AlertGroups",
    "AreaFileError",
    "area_errors",
    "cancel",
    "create",
    "form_values",
    "groups",
    "on_map",
    "organizations_for",
    "publish",
    "save_translation",
]

AREA_KINDS = ("countries", "circle", "geojson")
# An uploaded area file: 5,000 vertices (the most an area may have) fit in well under this;
# the request as a whole stays under the app's body limit (1 MiB by default).
MAX_AREA_FILE_BYTES = 512 * 1024


class AreaFileError(ValueError):
    """An uploaded area file that cannot be read (too large, too deep, not JSON)."""


@dataclass(slots=True)
class AlertGroups:
    """My organisations' alerts, as the list page shows them."""

    active: list[StaffAlertRead] = field(default_factory=list)
    scheduled: list[StaffAlertRead] = field(default_factory=list)
    drafts: list[StaffAlertRead] = field(default_factory=list)
    ended: list[StaffAlertRead] = field(default_factory=list)


def groups(session: Session, principal: Principal, *, limit: int = 200) -> AlertGroups:
    page = alerts_service.list_staff(
        session, principal, organization=None, status=None, limit=limit, cursor=None
    )
    out = AlertGroups()
    for item in sorted(page.items, key=lambda a: a.updated_at, reverse=True):
        {
            "active": out.active,
            "scheduled": out.scheduled,
            "draft": out.drafts,
        }.get(item.state, out.ended).append(item)
    return out


def on_map(groups: AlertGroups) -> list[dict[str, Any]]:
    """Title and area of the active and scheduled alerts, for the list's map."""
    return [{"title": a.title, "area": a.area} for a in (*groups.active, *groups.scheduled)]


def organizations_for(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """(slug, name) of the organisations the person writes alerts for."""
    stmt = select(Organization).order_by(Organization.name).limit(500)
    if not principal.is_admin:
        stmt = stmt.where(Organization.id.in_(principal.organizations_with(Role.editor)))
    return [(org.slug, org.name) for org in session.scalars(stmt)]


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _utc(raw: str | None) -> str | None:
    """A ``datetime-local`` value, read as UTC (the form says so)."""
    if raw is None:
        return None
    try:
        return dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC).isoformat()
    except ValueError:
        return raw  # the schema names it


def area_file(form: FormData) -> str | None:
    """The text of the uploaded ``.geojson`` file, if the form carries one (size- and
    depth-bounded: ``AreaFileError`` otherwise)."""
    upload = form.get("area_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    raw = upload.file.read(MAX_AREA_FILE_BYTES + 1)
    if len(raw) > MAX_AREA_FILE_BYTES:
        raise AreaFileError(f"the file is larger than {MAX_AREA_FILE_BYTES // 1024} KiB")
    if exceeds(raw):
        raise AreaFileError("the file nests JSON too deeply")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AreaFileError("the file is not UTF-8 text") from exc


def _geometry(text: str | None) -> Any:
    if text is not None and exceeds(text):
        return {"type": "Polygon"}  # refused by the schema, naming the area
    try:
        parsed = orjson.loads(text or "null")
    except orjson.JSONDecodeError:
        return {"type": "Polygon"}
    if isinstance(parsed, dict) and parsed.get("type") == "FeatureCollection":
        features = parsed.get("features")
        if isinstance(features, list) and len(features) == 1:
            parsed = features[0]
    if isinstance(parsed, dict) and parsed.get("type") == "Feature":
        parsed = parsed.get("geometry")
    return parsed


def _area(form: FormData, uploaded: str | None) -> Any:
    kind = _text(form, "area_kind")
    if uploaded is not None:  # a file wins over the other area fields
        return _geometry(uploaded)
    if kind == "circle":
        radius_km = _text(form, "radius_km") or "0"
        try:
            return {
                "type": "Circle",
                "center": [float(_text(form, "lon") or "nan"), float(_text(form, "lat") or "nan")],
                "radius_m": round(float(radius_km) * 1000),
            }
        except ValueError:
            return {"type": "Circle"}
    if kind == "geojson":
        return _geometry(_text(form, "geojson"))
    codes = [c.strip() for c in (_text(form, "countries") or "").split(",") if c.strip()]
    return {"type": "Countries", "countries": codes}


def form_values(form: FormData) -> dict[str, str]:
    """The posted fields, to show a refused form again; an uploaded area file's text moves
    into the GeoJSON field (when it fits there), so nothing is lost."""
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    upload = form.get("area_file")
    if isinstance(upload, UploadFile) and upload.filename:
        upload.file.seek(0)
        try:
            text = area_file(form)
        except AreaFileError:
            text = None
        if text is not None and len(text.encode()) <= MAX_FIELD_BYTES:
            values.update(area_kind="geojson", geojson=text)
    return values


def area_errors(errors: list[str]) -> list[str]:
    """The messages about the area, shown again next to the map."""
    return [e for e in errors if e.startswith(("area", "/area"))]


def create(
    session: Session, principal: Principal, form: FormData
) -> tuple[StaffAlertRead | None, list[str]]:
    """A new draft from the form; the draft, or the reasons it was refused."""
    try:
        uploaded = area_file(form)
    except AreaFileError as exc:
        return None, [f"area: {exc}"]
    lang = _text(form, "original_language") or ""
    texts = {
        name: _text(form, name) for name in ("title", "body", "instructions", "area_description")
    }
    raw: dict[str, Any] = {
        "category": _text(form, "category"),
        "severity": _text(form, "severity"),
        "urgency": _text(form, "urgency"),
        "certainty": _text(form, "certainty"),
        "area": _area(form, uploaded),
        "expires": _utc(_text(form, "expires")),
        "original_language": lang,
        "translations": {lang: {k: v for k, v in texts.items() if v is not None}},
    }
    if effective := _utc(_text(form, "effective")):
        raw["effective"] = effective
    if source := _text(form, "source_url"):
        raw["source_url"] = source
    try:
        data = AlertCreate.model_validate(raw)
        return (
            alerts_service.create_alert(
                session, principal, data, organization=_text(form, "organization")
            ),
            [],
        )
    except (ValidationError, Problem) as exc:
        if isinstance(exc, Problem) and exc.status not in (403, 404, 422):
            raise
        session.rollback()
        return None, messages_of(exc)


def save_translation(
    session: Session, principal: Principal, alert_id: str, lang: str, form: FormData
) -> list[str]:
    fields = {
        name: _text(form, name) for name in ("title", "body", "instructions", "area_description")
    }
    try:
        data = AlertTranslationInput.model_validate(
            {k: v for k, v in fields.items() if v is not None}
        )
        alerts_service.put_translation(
            session, principal, alert_id, lang, data, if_match=_text(form, "etag")
        )
    except (ValidationError, Problem) as exc:
        if isinstance(exc, Problem) and exc.status not in (409, 412, 422):
            raise
        session.rollback()
        return messages_of(exc)
    return []


def publish(session: Session, principal: Principal, alert_id: str, form: FormData) -> list[str]:
    try:
        alerts_service.publish_alert(session, principal, alert_id, if_match=_text(form, "etag"))
    except Problem as exc:
        if exc.status not in (403, 409, 412):
            raise
        session.rollback()
        return messages_of(exc)
    return []


def cancel(session: Session, principal: Principal, alert_id: str, form: FormData) -> list[str]:
    try:
        alerts_service.cancel_alert(
            session, principal, alert_id, None, if_match=_text(form, "etag")
        )
    except Problem as exc:
        if exc.status not in (409, 412):
            raise
        session.rollback()
        return messages_of(exc)
    return []
