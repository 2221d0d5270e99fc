"""One public point by id: as JSON bytes for ``GET /v1/points/{id}`` (the search's cached
renderings, warnings and alerts spliced in), and an ORM object rendered by the same rules
(the staff view)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import Database
from app.errors import NotFound
from app.i18n.negotiation import LanguagePreference
from app.i18n.texts import Text
from app.public_points.composition import alerts_on
from app.public_points.rendering import RenderCache, Rendered, finish
from app.public_points.schemas import ServicePointRead
from app.public_points.service import renderings_of
from app.service_points import repository
from app.service_points.models import ServicePoint
from app.service_points.records import record_of
from app.tasks import service as tasks_service

__all__ = ["PointItem", "get_item", "get_point_item", "render_point"]


@dataclass(frozen=True, slots=True)
class PointItem:
    """One public point as JSON, the language its texts are in and its version."""

    body: bytes
    lang: str
    version: int


def get_item(
    database: Database,
    public_id: str,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
    cache: RenderCache,
    primary: bool = False,
) -> PointItem:
    """:func:`get_point_item` in a read session of its own (as :func:`search`)."""
    with database.reader(primary=primary)() as session:
        return get_point_item(session, public_id, pref=pref, stale_after=stale_after, cache=cache)


def get_point_item(
    session: Session,
    public_id: str,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
    cache: RenderCache,
) -> PointItem:
    """A public point by id, as JSON; drafts and deleted points are not found."""
    point_id = repository.id_by_public_id(session, public_id)
    rendered, flagged = (
        renderings_of(session, [point_id], pref=pref, cache=cache) if point_id else ({}, set())
    )
    if point_id is None or point_id not in rendered:
        raise NotFound(Text("point.not_found", id=public_id))
    now = dt.datetime.now(dt.UTC)
    warnings = tasks_service.warnings_for(session, flagged).get(point_id) if flagged else None
    found = rendered[point_id]
    body = finish(
        found,
        distance_m=None,
        at=now,
        now=now,
        stale_after=stale_after,
        warnings=warnings,
        warning_texts=tasks_service.warning_texts(warnings, pref.chain) if warnings else None,
        alerts=alerts_on(session, [rendered[point_id]], now)[0],
    )
    return PointItem(body=body, lang=found.lang, version=found.version)


def render_point(
    point: ServicePoint,
    *,
    pref: LanguagePreference,
    distance_m: float | None,
    at: dt.datetime,
    now: dt.datetime,
    stale_after: dt.timedelta,
    warnings: list[str] | None = None,
) -> ServicePointRead:
    """A point in the best language for ``pref``, each field falling back on its own.

    The same rules as the search (``app.public_points.rendering``), from an ORM object.
    ``warnings``: public warning codes from ``app.tasks`` (e.g. ``reported_closed``).
    """
    item = finish(
        Rendered.of(record_of(point), pref),
        distance_m=distance_m,
        at=at,
        now=now,
        stale_after=stale_after,
        warnings=warnings,
        warning_texts=tasks_service.warning_texts(warnings, pref.chain) if warnings else None,
    )
    return ServicePointRead.model_validate_json(item)
