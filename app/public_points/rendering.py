"""The public shape of a point, built fast: plain records in, JSON bytes out.

This is the one place that decides what a public point looks like: in full
(``ServicePointRead``, with ``exclude_none``) or as the list summary
(``ServicePointSummary``: the full shape's fields a list row or a map pin needs, with the
same names and meanings). The search renders from :class:`PointRecord` rows loaded
set-based by the repository and keeps each rendering, already encoded, in a bounded cache
keyed by the point's stamp (id, version, public id, its organisations' update times), the
language preference and the view; :func:`finish` splices in what changes with the request
and the time (distance, open now, staleness, warnings). ``render_point``
(``app.public_points.item``) renders an ORM object through the same functions and validates
it into ``ServicePointRead``, so both paths share every rule.

Numbers carry no more precision than they mean: coordinates at most 6 decimals (about
10 cm, RFC 7946 section 11.2), distances in whole metres, times in whole seconds.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from app.i18n.fallback import LocalisedText, localise
from app.i18n.negotiation import LanguagePreference
from app.public_points.json_parts import TRUE_FALSE, close, dump
from app.service_points.freshness import is_stale
from app.service_points.hours import is_open
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus
from app.service_points.precision import LocationPrecision, distance_range, shown_distance
from app.service_points.records import OrganizationStamp, PointRecord

__all__ = [
    "COORDINATE_DECIMALS",
    "NAME_ONLY",
    "PointView",
    "RenderCache",
    "Rendered",
    "dump",
    "finish",
    "full_frame",
    "open_at",
    "render_static",
    "render_summary",
    "summary_frame",
    "texts_of",
]

_PUBLISHED = PointStatus.published.value
_APPROXIMATE = LocationPrecision.approximate.value

PointView = Literal["full", "summary"]
"""``full``: every public field (``ServicePointRead``); ``summary``: what a list row or a
map pin needs (``ServicePointSummary``)."""

COORDINATE_DECIMALS = 6


def _org(stamp: OrganizationStamp) -> dict[str, str]:
    return {"id": stamp.slug, "name": stamp.name}


def _location(record: PointRecord) -> dict[str, float] | None:
    if record.lat is None or record.lon is None:
        return None
    return {
        "lat": round(record.lat, COORDINATE_DECIMALS),
        "lon": round(record.lon, COORDINATE_DECIMALS),
    }


def _seconds(stamp: dt.datetime) -> dt.datetime:
    return stamp.replace(microsecond=0)


NAME_ONLY = TRANSLATABLE_FIELDS[:1]
_SOURCE = ("title", "url", "publisher")


def render_static(record: PointRecord, pref: LanguagePreference) -> dict[str, Any]:
    """The parts of a point's public shape that depend only on the record and languages.

    ``None`` values are left out (the API serialises with ``exclude_none``); the result
    holds ``verification`` without ``stale``, and no ``distance_m``/``open_now``/``warnings``.
    """
    text = localise(
        record.translations, TRANSLATABLE_FIELDS, pref.chain_for(record.original_language)
    )
    before, after = full_frame(record)
    out = {**before, **texts_of(record, text)}
    out["lang_fallback"] = pref.is_fallback(out["lang"])
    if text.field_lang:
        out["field_lang"] = text.field_lang
    out.update(after)
    return out


def texts_of(record: PointRecord, text: LocalisedText) -> dict[str, Any]:
    """The texts and ``lang`` of either view (a summary's ``text`` holds the name alone):
    what a language preference decides, but for ``lang_fallback`` and ``field_lang``."""
    values = text.values
    out: dict[str, Any] = {"name": values.get("name", "")}
    for name in TRANSLATABLE_FIELDS[1:]:
        value = values.get(name)
        if value is not None:
            out[name] = value
    out["lang"] = text.lang or record.original_language
    return out


def full_frame(record: PointRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    """The full shape's fields before its texts and after ``field_lang``: the same for
    every language preference (the read model renders them once per point)."""
    before: dict[str, Any] = {"id": record.public_id}
    if record.external_id is not None:
        before["external_id"] = record.external_id
    out: dict[str, Any] = {"languages_available": sorted(record.translations)}
    location = _location(record)
    if location is not None:
        out["location"] = location
    out["location_precision"] = record.location_precision
    out["country"] = record.country
    if record.locality is not None:
        out["locality"] = record.locality
    if record.timezone is not None:
        out["timezone"] = record.timezone
    out["categories"] = list(record.categories)
    if record.audiences:
        out["audiences"] = list(record.audiences)
    if record.spoken_languages:
        out["spoken_languages"] = list(record.spoken_languages)
    contact: dict[str, Any] = {}
    if record.phones:
        contact["phones"] = list(record.phones)
    for key in ("email", "website", "whatsapp"):
        value = getattr(record, key)
        if value is not None:
            contact[key] = value
    if contact:
        out["contact"] = contact
    if record.opening_hours is not None:
        out["opening_hours"] = record.opening_hours
    if record.free is not None:
        out["free"] = record.free
    out["status"] = PointStatus(record.status).value
    out["organization"] = _org(record.organization)
    named = (record.source_title, record.source_url, record.source_publisher)
    source: dict[str, Any] = {
        key: value for key, value in zip(_SOURCE, named, strict=True) if value is not None
    }
    if record.source_as_of is not None:
        source["as_of"] = record.source_as_of
    source["sample"] = record.is_sample
    out["source"] = source
    verification: dict[str, Any] = {}
    if record.last_verified_at is not None:
        verification["last_verified_at"] = _seconds(record.last_verified_at)
    if record.verified_by is not None:
        verification["verified_by"] = _org(record.verified_by)
    out["verification"] = verification
    out["updated_at"] = _seconds(record.updated_at)
    return before, out


def render_summary(record: PointRecord, pref: LanguagePreference) -> dict[str, Any]:
    """The static part of the summary (``ServicePointSummary`` without ``distance_m``,
    ``open_now``, ``verification`` and ``warnings``, which :func:`finish` adds): the values
    :func:`render_static` gives the same fields."""
    text = localise(record.translations, NAME_ONLY, pref.chain_for(record.original_language))
    before, after = summary_frame(record)
    out = {**before, **texts_of(record, text)}
    out["lang_fallback"] = pref.is_fallback(out["lang"])
    out.update(after)
    return out


def summary_frame(record: PointRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    """The summary's fields before its name and after ``lang_fallback``."""
    out: dict[str, Any] = {}
    location = _location(record)
    if location is not None:
        out["location"] = location
    out["location_precision"] = record.location_precision
    out["categories"] = list(record.categories)
    out["status"] = PointStatus(record.status).value
    return {"id": record.public_id}, out


@lru_cache(maxsize=16_384)
def _open_in_minute(
    expression: str, timezone: str | None, country: str | None, minute: dt.datetime
) -> bool | None:
    try:
        return is_open(expression, timezone, country, minute)
    except Exception:  # the library raises its own errors for unknown countries/zones
        return None


def open_at(
    expression: str | None, timezone: str | None, country: str | None, at: dt.datetime
) -> bool | None:
    """``is_open`` memoised per minute: opening hours have minute resolution, so every
    instant of one minute has the same answer."""
    if not expression:
        return None
    minute = at.astimezone(dt.UTC).replace(second=0, microsecond=0)
    return _open_in_minute(expression, timezone, country, minute)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A cached rendering, already encoded: the JSON of the static public shape (full or
    summary) without its closing brace, the JSON of ``verification`` without its closing
    brace (only ``{`` in the summary, which shows ``stale`` alone), and what the
    per-request fields need. Bytes keep the cache out of the garbage collector's way (a
    cache of dicts is hundreds of thousands of objects to traverse on every full pass)."""

    head: bytes
    verification: bytes
    lang: str
    version: int
    published: bool
    opening_hours: str | None
    timezone: str | None
    country: str
    last_verified_at: dt.datetime | None
    source_as_of: dt.date | None
    location_precision: str = LocationPrecision.exact.value
    # The public location (None when hidden): alert coverage is tested on what is shown.
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def of(
        cls, record: PointRecord, pref: LanguagePreference, view: PointView = "full"
    ) -> Rendered:
        if view == "summary":
            static = render_summary(record, pref)
            verification: dict[str, Any] = {}
        else:
            static = render_static(record, pref)
            verification = static.pop("verification")
        return cls(
            head=dump(static)[:-1],
            verification=dump(verification)[:-1],
            lang=static["lang"],
            version=record.version,
            published=record.status == _PUBLISHED,
            opening_hours=record.opening_hours,
            timezone=record.timezone,
            country=record.country,
            last_verified_at=record.last_verified_at,
            source_as_of=record.source_as_of,
            location_precision=record.location_precision,
            lat=record.lat,
            lon=record.lon,
        )


def finish(
    rendered: Rendered,
    *,
    distance_m: float | None,
    at: dt.datetime,
    now: dt.datetime,
    stale_after: dt.timedelta,
    warnings: list[str] | None,
    warning_texts: list[dict[str, str]] | None = None,
    along: tuple[float, float] | None = None,
    alerts: list[str] | None = None,
) -> bytes:
    """The JSON of one point: its static shape plus the fields that depend on the request
    and the time (``distance_m`` in whole metres, or rounded to 100 m with
    ``distance_range_m`` for an approximate point, ``open_now``, ``verification.stale``,
    ``warnings`` and their ``warning_texts``, ``along_m``/``off_route_m`` along a route,
    ``alerts``: ids of the active alerts covering it)."""
    published = rendered.published
    parts = [rendered.head]
    if distance_m is not None:
        precision = rendered.location_precision
        shown = shown_distance(distance_m, precision)
        parts.append(b',"distance_m":' + b"%d" % round(shown))
        if precision == _APPROXIMATE:
            low, high = distance_range(distance_m)
            parts.append(b',"distance_range_m":[%d,%d]' % (low, high))
    if along is not None:
        # Search along a route: (along_m, off_route_m), whole metres, from the public
        # location (the spatial index holds nothing else).
        parts.append(b',"along_m":%d,"off_route_m":%d' % (round(along[0]), round(along[1])))
    opened = (
        open_at(rendered.opening_hours, rendered.timezone, rendered.country, at)
        if published
        else False
    )
    if opened is not None:
        parts.append(b',"open_now":' + TRUE_FALSE[opened])
    stale = is_stale(
        published=published,
        last_verified_at=rendered.last_verified_at,
        source_as_of=rendered.source_as_of,
        now=now,
        stale_after=stale_after,
    )
    return close(parts, rendered.verification, stale, warnings, warning_texts, alerts)


class _Lru:
    """A bounded LRU mapping (callers hold the lock)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self.entries[key] = value
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


class RenderCache:
    """Bounded, thread-safe LRU caches of what the search loads and renders, keyed by a
    point's stamp (id, version, public id, its organisations' update times; see
    ``repository.load_rows``): its full record (texts in every language and links, so a
    request in another language or view needs no query), and its rendering per language
    preference and view."""

    def __init__(self, max_entries: int = 16_384, max_records: int = 2048) -> None:
        self._records = _Lru(max_records)
        self._renderings = _Lru(max_entries)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(
        self, stamp: Hashable, pref: LanguagePreference, view: PointView = "full"
    ) -> Rendered | None:
        """The cached rendering, or one made from the cached record; None if neither."""
        with self._lock:
            found: Rendered | None = self._renderings.get((stamp, pref, view))
            record: PointRecord | None = None if found else self._records.get(stamp)
            if found is not None:
                self.hits += 1
                return found
        if record is None:
            with self._lock:
                self.misses += 1
            return None
        return self.put(stamp, record, pref, view)

    def put(
        self,
        stamp: Hashable,
        record: PointRecord,
        pref: LanguagePreference,
        view: PointView = "full",
    ) -> Rendered:
        rendered = Rendered.of(record, pref, view)
        with self._lock:
            self._records.put(stamp, record)
            self._renderings.put((stamp, pref, view), rendered)
        return rendered

    def clear(self) -> None:
        with self._lock:
            self._records.entries.clear()
            self._renderings.entries.clear()
