"""Which active alerts cover a place: computed once per request, tested in memory.

:func:`active_set` gives the alerts active at an instant with their areas compiled once
per alert version (prepared shapely geometries). The published, unexpired alerts' heads
(no texts) are read in one small query and kept for :data:`REFRESH_S` seconds per process;
each request filters them by its own clock, so an alert drops out at its expiry exactly,
without a write. A commit that changes an alert in this process refreshes at once; one made
by another process shows within :data:`REFRESH_S` seconds. The near-me path thus pays no
query for alerts, and a few microseconds per point.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.alerts import repository
from app.alerts.area import CompiledArea, compile_area
from app.alerts.categories import SEVERITY_RANK
from app.alerts.models import Alert, AlertTranslation
from app.geo.sphere import BBox

__all__ = ["REFRESH_S", "ActiveAlert", "ActiveSet", "active_set", "invalidate", "order_key"]

REFRESH_S = 5.0
_MAX_COMPILED = 4096
_compiled: OrderedDict[tuple[str, int], CompiledArea] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    public_id: str
    category: str
    severity: str
    published_at: dt.datetime | None
    effective_at: dt.datetime
    expires_at: dt.datetime
    countries: frozenset[str]
    area: CompiledArea


@dataclass(slots=True)
class _Published:
    """The published, unexpired alerts as last read, and when (monotonic seconds)."""

    alerts: tuple[ActiveAlert, ...] = ()
    read_at: float = float("-inf")
    generation: int = 0


_published = _Published()
_changes = 0  # bumped by every commit that changed an alert in this process


def order_key(severity: str, published_at: dt.datetime | None) -> tuple[int, float]:
    """Most severe first, then newest first."""
    return SEVERITY_RANK.get(severity, 99), -(published_at.timestamp() if published_at else 0.0)


@dataclass(frozen=True, slots=True)
class ActiveSet:
    """The alerts active at one instant, most severe and newest first."""

    alerts: tuple[ActiveAlert, ...]

    def __bool__(self) -> bool:
        return bool(self.alerts)

    def covering(self, lat: float, lon: float, country: str | None) -> list[str]:
        return [a.public_id for a in self.alerts if a.area.covers(lat, lon, country)]

    def covering_many(
        self, lats: Sequence[float], lons: Sequence[float], countries: Sequence[str | None]
    ) -> list[list[str]]:
        """For each point, the ids of the alerts covering it (one pass per alert)."""
        out: list[list[str]] = [[] for _ in lats]
        for alert in self.alerts:
            for index, hit in enumerate(alert.area.covers_many(lats, lons, countries)):
                if hit:
                    out[index].append(alert.public_id)
        return out

    def touching_box(self, bbox: BBox, box_countries: frozenset[str]) -> list[str]:
        return [a.public_id for a in self.alerts if a.area.touches_box(bbox, box_countries)]


def _compiled_area(
    public_id: str, version: int, area: dict[str, Any], countries: list[str]
) -> CompiledArea:
    key = (public_id, version)
    with _lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
    made = compile_area(area, countries)
    with _lock:
        _compiled[key] = made
        while len(_compiled) > _MAX_COMPILED:
            _compiled.popitem(last=False)
    return made


def _read(session: Session, now: dt.datetime) -> tuple[ActiveAlert, ...]:
    alerts = [
        ActiveAlert(
            public_id=row.public_id,
            category=row.category,
            severity=row.severity,
            published_at=row.published_at,
            effective_at=row.effective_at,
            expires_at=row.expires_at,
            countries=frozenset(row.countries),
            area=_compiled_area(row.public_id, row.version, row.area, row.countries),
        )
        for row in repository.published_heads(session, now)
    ]
    alerts.sort(key=lambda a: order_key(a.severity, a.published_at))
    return tuple(alerts)


def active_set(session: Session, now: dt.datetime | None = None) -> ActiveSet:
    """The alerts active at ``now`` with their compiled areas, most severe first."""
    global _published
    now = now or dt.datetime.now(dt.UTC)
    current = _published
    clock = time.monotonic()
    if current.generation != _changes or clock - current.read_at > REFRESH_S:
        generation = _changes
        current = _Published(_read(session, now), clock, generation)
        _published = current
    return ActiveSet(tuple(a for a in current.alerts if a.effective_at <= now < a.expires_at))


def invalidate() -> None:
    """Read the alerts again on next use (a commit changed them)."""
    global _changes
    _changes += 1


_CHANGED = "rumbo.alerts.changed"


def _note_flush(session: Session, _context: UOWTransaction) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Alert | AlertTranslation) for obj in touched):
        session.info[_CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    writes = state.is_update or state.is_delete
    if writes and mapper is not None and mapper.class_ in (Alert, AlertTranslation):
        state.session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        invalidate()


event.listen(Session, "before_flush", lambda s, c, i: _note_flush(s, c))
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "after_commit", _after_commit)
