"""Splicing what a stored document leaves open: ``lang_fallback`` (from the language served
and the request's preference), ``distance_m`` (from the search), ``open_now`` (looked up in
the point's precomputed changes of state, :mod:`app.service_points.opening_weeks`; evaluated
from its hours outside their horizon), ``verification.stale`` (from the stored
``fresh_since`` and the server's threshold), the warnings of open verification tasks and the
ids of the active alerts covering the point; and the ``open_now`` filter of a page."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.alerts.coverage import active_set
from app.documents.reading import Document
from app.i18n.negotiation import LanguagePreference
from app.public_points.json_parts import TRUE_FALSE, close
from app.public_points.rendering import open_at
from app.service_points import opening_weeks, repository
from app.service_points.precision import LocationPrecision, distance_range, shown_distance
from app.tasks import service as tasks_service

__all__ = ["Splicer", "open_at_minute", "open_filter", "splice"]

APPROXIMATE = LocationPrecision.approximate.value
OUTSIDE = opening_weeks.OUTSIDE
ANSWERS = opening_weeks.ANSWERS


def _epoch_us(stamp: dt.datetime) -> int:
    delta = stamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(slots=True)
class Splicer:
    """What one request splices into every document it serves."""

    pref: LanguagePreference
    at: dt.datetime
    now_us: int
    stale_after_us: int
    minute: int = 0
    # ``lang_fallback`` by language served, worked out once a request.
    fallbacks: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        pref: LanguagePreference,
        *,
        at: dt.datetime,
        now: dt.datetime,
        stale_after: dt.timedelta,
    ) -> Splicer:
        return cls(
            pref,
            at,
            _epoch_us(now),
            stale_after // dt.timedelta(microseconds=1),
            opening_weeks.epoch_minute(at),
        )

    def open_now(self, doc: Document) -> bool | None:
        """``open_now`` at the request's instant (false for a point not published)."""
        if not doc.published:
            return False
        return open_at_minute(
            doc.hours, doc.hours_until, doc.opening_hours, doc.timezone, doc.country, self
        )

    def body(
        self,
        doc: Document,
        *,
        distance_m: float | None,
        along: tuple[float, float] | None = None,
        warnings: list[str] | None = None,
        warning_texts: list[dict[str, str]] | None = None,
        alerts: list[str] | None = None,
    ) -> bytes:
        """The JSON of one point, byte for byte what ``rendering.finish`` gives for the
        same point, request and instant."""
        published = doc.published
        served = doc.served
        fallback = self.fallbacks.get(served)
        if fallback is None:
            fallback = self.fallbacks[served] = TRUE_FALSE[self.pref.is_fallback(served)]
        parts = [doc.head, fallback, doc.tail]
        if distance_m is not None:
            if doc.location_precision == APPROXIMATE:
                shown = shown_distance(distance_m, APPROXIMATE)
                parts.append(b',"distance_m":%d' % round(shown))
                low, high = distance_range(distance_m)
                parts.append(b',"distance_range_m":[%d,%d]' % (low, high))
            else:  # shown as measured
                parts.append(b',"distance_m":%d' % round(distance_m))
        if along is not None:
            parts.append(b',"along_m":%d,"off_route_m":%d' % (round(along[0]), round(along[1])))
        # ``open_now`` (as :meth:`open_now`, inline: once per point of every page).
        opened: bool | None = False
        if published:
            hours, until = doc.hours, doc.hours_until
            state = OUTSIDE
            if hours is not None and until is not None:
                state = opening_weeks.state_at(hours, until, self.minute)
            if state != OUTSIDE:
                opened = ANSWERS[state]
            else:
                opened = open_at(doc.opening_hours, doc.timezone, doc.country, self.at)
        if opened is not None:
            parts.append(b',"open_now":' + TRUE_FALSE[opened])
        fresh = doc.fresh_since_us
        stale = published and (fresh is None or self.now_us - fresh > self.stale_after_us)
        return close(parts, doc.verification, stale, warnings, warning_texts, alerts)


def open_at_minute(
    hours: bytes | None,
    until: int | None,
    expression: str | None,
    timezone: str | None,
    country: str,
    splicer: Splicer,
) -> bool | None:
    """The state of the hours at the splicer's instant: from the precomputed changes
    within their horizon, else evaluated (``rendering.open_at``)."""
    if hours is not None and until is not None:
        state = opening_weeks.state_at(hours, until, splicer.minute)
        if state != opening_weeks.OUTSIDE:
            return opening_weeks.ANSWERS[state]
    return open_at(expression, timezone, country, splicer.at)


_OPEN_ROWS = {
    "sqlite": "SELECT d.point_id, d.hours, d.hours_until, d.opening_hours, d.timezone, "
    "d.country FROM point_document d WHERE d.point_id IN (SELECT value FROM json_each(?)) "
    "AND d.view = 'full' AND d.lang = '' AND d.published",
    "postgresql": "SELECT d.point_id, d.hours, d.hours_until, d.opening_hours, d.timezone, "
    "d.country FROM point_document d WHERE d.point_id = ANY(%(ids)s) "
    "AND d.view = 'full' AND d.lang = '' AND d.published",
}


def open_filter(session: Session, splicer: Splicer) -> Callable[[Sequence[int]], set[int]]:
    """The ``open_now=true`` filter of ``app.public_points.service`` (the published points
    whose hours say open at the instant) read from the stored documents; a point without
    one is evaluated from its hours as the rendering path does."""

    def keep_open(ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        connection = session.connection()
        dialect = connection.dialect.name
        params: Any = (
            (orjson.dumps(list(ids)).decode(),) if dialect == "sqlite" else {"ids": list(ids)}
        )
        rows = connection.exec_driver_sql(_OPEN_ROWS[dialect], params).fetchall()
        kept = {
            row[0]
            for row in rows
            if open_at_minute(
                None if row[1] is None else bytes(row[1]), row[2], row[3], row[4], row[5], splicer
            )
        }
        # Not published (no row here) or no stored document: the rendering path's answer.
        missing = set(ids).difference(row[0] for row in rows)
        if missing:
            kept.update(
                pid
                for pid, expression, timezone, country in repository.hours_of(
                    session, sorted(missing)
                )
                if open_at(expression, timezone, country, splicer.at)
            )
        return kept

    return keep_open


def splice(
    session: Session,
    docs: Sequence[Document],
    distances: Sequence[float | None],
    splicer: Splicer,
    now: dt.datetime,
    alongs: Sequence[tuple[float, float]] | None = None,
) -> list[bytes]:
    """The JSON of each document with its distance (or measures along a route), warnings
    and alerts."""
    flagged = [d.point_id for d in docs if d.open_task]
    warnings = tasks_service.warnings_for(session, flagged) if flagged else {}
    current = active_set(session, now) if docs else None
    if current:
        nowhere = math.nan  # a hidden point: only alerts of its whole country cover it
        covering = current.covering_many(
            [nowhere if d.lat is None else d.lat for d in docs],
            [nowhere if d.lon is None else d.lon for d in docs],
            [d.country for d in docs],
        )
    else:
        covering = [[] for _ in docs]
    chain = splicer.pref.chain
    out = []
    for index, (doc, distance, alerts) in enumerate(zip(docs, distances, covering, strict=True)):
        codes = warnings.get(doc.point_id)
        out.append(
            splicer.body(
                doc,
                distance_m=distance,
                along=alongs[index] if alongs is not None else None,
                warnings=codes,
                warning_texts=tasks_service.warning_texts(codes, chain) if codes else None,
                alerts=alerts,
            )
        )
    return out
