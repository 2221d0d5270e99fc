"""The public reads of alerts: active ones covering a place, a box or countries; one by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from shapely.geometry import box
from sqlalchemy.orm import Session

from app.alerts import repository
from app.alerts.coverage import active_set, order_key
from app.alerts.models import (
    Alert,
    AlertStatus,
)
from app.alerts.rendering import render_public, state_of
from app.alerts.schemas import (
    AlertPage,
)
from app.countries.boundaries import load_boundaries
from app.errors import (
    Gone,
    NotFound,
)
from app.geo.sphere import BBox
from app.i18n.negotiation import LanguagePreference

__all__ = ["active_in_country", "get_public_alert", "list_public"]


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
