"""Where a point is: its country, time zone, local time, emergency numbers, and the alerts
and area services covering it. It composes countries, alerts and area services, so it sits
above all three."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from app.alerts.coverage import active_set
from app.countries import location, repository
from app.countries.service import BOUNDARIES_SOURCE, country_ref, emergency_numbers
from app.countries.texts import texts_language
from app.i18n.negotiation import LanguagePreference
from app.service_areas import service as area_services
from app.service_areas.schemas import AreaServiceRead
from app.where.schemas import NearestCountry, WhereRead

__all__ = ["where"]


def _local_time(zone_name: str, now: dt.datetime) -> dt.datetime | None:
    try:
        return now.astimezone(ZoneInfo(zone_name)).replace(microsecond=0)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset(moment: dt.datetime) -> str:
    """``-05:00`` for a moment five hours behind UTC."""
    minutes = int((moment.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def where(
    session: Session,
    *,
    lat: float,
    lon: float,
    pref: LanguagePreference,
    now: dt.datetime | None = None,
) -> WhereRead:
    """The country at a point, its time zone and local time, and its emergency numbers.

    Country, time zone, offset and numbers come from one lookup and always agree (see
    ``app.countries.location``). The coordinates are used for this answer only: never
    logged, stored or echoed.
    """
    place = location.locate(lat, lon)
    country = country_ref(place.code, pref.chain) if place.code else None
    nearest = None
    if place.nearest_code and place.nearest_km is not None:
        ref = country_ref(place.nearest_code, pref.chain)
        nearest = NearestCountry(**ref.model_dump(), distance_km=place.nearest_km)
    numbers_of = place.code or place.nearest_code
    numbers = repository.emergency_numbers(session, numbers_of) if numbers_of else []
    curated = place.code is not None and repository.has_profile(session, place.code)
    local_time = _local_time(place.zone, now or dt.datetime.now(dt.UTC)) if place.zone else None
    alerts = active_set(session, now or dt.datetime.now(dt.UTC)).covering(
        lat, lon, place.code or place.nearest_code
    )
    return WhereRead(
        surface=place.surface,
        country=country,
        nearest_country=nearest,
        curated=curated,
        timezone=place.zone,
        local_time=local_time,
        utc_offset=_offset(local_time) if local_time else None,
        emergency_numbers=emergency_numbers(numbers, pref.chain),
        alerts=alerts,
        area_services=[
            AreaServiceRead(**item)
            for item in area_services.near_place(
                session, lat, lon, pref, country=place.code or place.nearest_code
            )
        ],
        boundaries=BOUNDARIES_SOURCE,
        # The language of the fixed texts (emergency line labels); names carry their own.
        lang=texts_language(pref.chain),
    )
