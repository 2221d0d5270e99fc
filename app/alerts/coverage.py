"""Which active alerts cover a place: computed once per request, tested in memory.

:func:`active_set` reads the active alerts' areas in one small query (no texts) and
compiles each area once per alert version (a bounded, process-wide cache of prepared
shapely geometries), so the points' hot path pays one indexed query and a few
microseconds per point.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.alerts import repository
from app.alerts.area import CompiledArea, compile_area
from app.alerts.categories import SEVERITY_RANK
from app.geo.sphere import BBox

__all__ = ["ActiveAlert", "ActiveSet", "active_set", "order_key"]

_MAX_COMPILED = 4096
_compiled: OrderedDict[tuple[str, int], CompiledArea] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    public_id: str
    category: str
    severity: str
    published_at: dt.datetime | None
    countries: frozenset[str]
    area: CompiledArea


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


def active_set(session: Session, now: dt.datetime | None = None) -> ActiveSet:
    """The alerts active at ``now`` with their compiled areas."""
    now = now or dt.datetime.now(dt.UTC)
    rows = repository.active_heads(session, now)
    alerts = [
        ActiveAlert(
            public_id=row.public_id,
            category=row.category,
            severity=row.severity,
            published_at=row.published_at,
            countries=frozenset(row.countries),
            area=_compiled_area(row.public_id, row.version, row.area, row.countries),
        )
        for row in rows
    ]
    alerts.sort(key=lambda a: order_key(a.severity, a.published_at))
    return ActiveSet(tuple(alerts))
