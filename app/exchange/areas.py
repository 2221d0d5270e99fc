"""Area services in imports (CSV, GeoJSON, HSDS): a record with an ``area`` is an area
service, validated by the write API's own rules and written in the import's transaction
(all or nothing with the points of the same file).

The ``area`` of a record: an object (``{"type": "Countries"|"Circle"|"Polygon"|
"MultiPolygon", ...}``, as the API takes it; a GeoJSON geometry is a polygon area), or in a
CSV cell either that object as JSON or country codes (``PA CR``, ``PA;CR``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.audit import service as audit
from app.db import utcnow
from app.errors import ValidationProblem
from app.exchange.columns import column_of
from app.hsds.ids import is_uuid
from app.service_areas import repository
from app.service_areas.inputs import AreaServiceCreate
from app.service_areas.models import AreaService
from app.service_areas.rendering import snapshot
from app.service_areas.staff import ENTITY, apply_fields, normalised_area
from app.service_points.writing import code_errors

__all__ = ["AreaRecord", "area_of", "count_existing", "is_area_record", "prepare", "write"]

_CODES = re.compile(r"[\s,;|]+")
_POINT_ONLY = ("id", "lat", "lon", "country", "locality", "audiences")
_TEXTS = ("name", "description")


@dataclass(slots=True)
class AreaRecord:
    number: int
    public_id: str | None
    data: AreaServiceCreate


def is_area_record(record: dict[str, Any]) -> bool:
    return record.get("area") not in (None, "", {})


def area_of(raw: Any) -> dict[str, Any]:
    """The API form of an import's ``area`` (see the module docstring); ``ValueError``."""
    if isinstance(raw, dict):
        value = raw
    else:
        text = str(raw).strip()
        if text.startswith("{"):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc}") from None
        else:
            return {"type": "Countries", "countries": [c for c in _CODES.split(text) if c]}
    if not isinstance(value, dict):
        raise ValueError("an area is an object")
    return value


def prepare(
    session: Session,
    number: int,
    payload: dict[str, Any],
    lang: str,
    default_category: str | None = None,
) -> tuple[AreaRecord | None, list[tuple[str, str]]]:
    """A parsed import record (``app.exchange.columns.parse_record``) as an area service to
    write, or the errors naming its columns."""
    data = {k: v for k, v in payload.items() if k not in _POINT_ONLY and v is not None}
    errors: list[tuple[str, str]] = [
        (name, "an area service has no place: leave it empty")
        for name in ("lat", "lon")
        if payload.get(name) is not None
    ]
    bare = data.pop("_bare_texts", None)
    original = data.get("original_language") or lang
    data["original_language"] = original
    texts = data.pop("translations", None) or {}
    if bare:
        texts.setdefault(original, {}).update({k: v for k, v in bare.items() if v is not None})
    data["translations"] = {
        tag: {k: v for k, v in t.items() if k in _TEXTS and v is not None}
        for tag, t in texts.items()
    }
    for tag, t in texts.items():
        errors += [
            (f"{k}:{tag}", "area services have a name and a description only")
            for k, v in t.items()
            if k not in _TEXTS and v is not None
        ]
    try:
        data["area"] = area_of(data["area"])
    except ValueError as exc:
        errors.append(("area", str(exc)))
    data.setdefault("status", "published")
    if not data.get("categories") and default_category:
        data["categories"] = [default_category]
    try:
        model = AreaServiceCreate.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            name = "area" if loc[:1] == ("area",) else column_of(loc)
            errors.append((name, message))
        return None, errors
    errors += [("categories", str(e.detail)) for e in code_errors(session, model.categories, None)]
    try:
        normalised_area(model.area.model_dump())
    except ValidationProblem as exc:
        errors += [("area", str(e.detail)) for e in exc.errors or []]
    if errors:
        return None, errors
    public_id = payload.get("id") if isinstance(payload.get("id"), str) else None
    return AreaRecord(number, public_id, model), []


def write(
    session: Session, principal: Principal, organization_id: str, records: list[AreaRecord]
) -> tuple[int, int, int, list[tuple[int, str, str]]]:
    """Create or update each record (found by id, else external id, in this organisation);
    returns created, updated, unchanged and the errors (row, column, detail)."""
    created = updated = unchanged = 0
    errors: list[tuple[int, str, str]] = []
    for rec in records:
        pid = rec.public_id
        found = repository.by_public_id(session, pid) if pid and is_uuid(pid) else None
        if found is None and rec.data.external_id:
            found = repository.by_external_id(session, rec.data.external_id)
        if found is not None and found.organization_id != organization_id:
            errors.append((rec.number, "external_id", "used by another organisation"))
            continue
        if found is None:
            now = utcnow()
            item = AreaService(
                organization_id=organization_id,
                original_language=rec.data.original_language,
                status=rec.data.status or "published",
                created_at=now,
                updated_at=now,
                countries=[],
                categories=[],
                spoken_languages=[],
                phones=[],
                is_sample=False,
            )
            if pid and is_uuid(pid):
                item.public_id = pid
            apply_fields(session, item, rec.data)
            session.add(item)
            session.flush()
            action, before = "create", {}
            created += 1
        else:
            item = found
            before = snapshot(item)
            was_deleted = item.deleted_at is not None
            apply_fields(session, item, rec.data)
            item.deleted_at = None
            if snapshot(item) == before and not was_deleted:
                for text in item.translations:
                    session.expire(text)
                session.expire(item)
                unchanged += 1
                continue
            item.updated_at = utcnow()
            session.flush()
            action = "update"
            updated += 1
        audit.record(
            session,
            actor=principal,
            organization_id=organization_id,
            entity_type=ENTITY,
            entity_id=item.public_id,
            action=action,
            changes=audit.diff(before, snapshot(item)),
        )
    return created, updated, unchanged, errors


def count_existing(session: Session, records: list[AreaRecord]) -> int:
    """How many of ``records`` name an area service that exists (by id or external id):
    those a write would update, the others it would create."""
    return sum(
        (rec.public_id is not None and repository.by_public_id(session, rec.public_id) is not None)
        or (
            rec.data.external_id is not None
            and repository.by_external_id(session, rec.data.external_id) is not None
        )
        for rec in records
    )
