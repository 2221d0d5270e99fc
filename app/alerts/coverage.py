"""Which active alerts cover a place: computed once per request, tested in memory.

:func:`active_set` gives the alerts active at an instant with their areas compiled once
per alert version (prepared shapely geometries). The published, unexpired alerts' heads
(no texts) are read in one small query and kept per process, keyed by the database's data
version (:func:`app.journal.data_version`: the change counter every write of synced
data, alerts included, takes). Each request reads that version (one primary-key lookup) and
reads the heads again only when it moved, so a publish or a cancel made by any worker or
process shows at once: nothing in process memory outlives a write. Each request filters the
heads by its own clock, so an alert drops out at its expiry exactly, without a write.
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
from app.alerts.categories import SEVERITY_RANK
from app.geo.areas import CompiledArea, compile_area
from app.geo.sphere import BBox
from app.journal import DataVersion, current_seq, data_version

__all__ = ["ActiveAlert", "ActiveSet", "active_set", "invalidate", "order_key"]

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


@dataclass(frozen=True, slots=True)
class _Published:
    """The published, unexpired alerts as read at a data version, and the instant whose
    unexpired ones they are (a later read must not reuse them for an earlier instant)."""

    alerts: tuple[ActiveAlert, ...] = ()
    version: DataVersion | None = None
    read_for: dt.datetime | None = None


_published = _Published()


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
    version = data_version(session)
    current = _published
    if current_seq(session) is not None:  # this transaction wrote: its view is its own
        current = _Published(_read(session, now), None, now)
    elif current.version != version or current.read_for is None or now < current.read_for:
        current = _Published(_read(session, now), version, now)
        _published = current
    return ActiveSet(tuple(a for a in current.alerts if a.effective_at <= now < a.expires_at))


def invalidate() -> None:
    """Read the alerts again on next use (tests call it when a rollback undid writes: the
    data version then goes back to a value it had before)."""
    global _published
    _published = _Published()
