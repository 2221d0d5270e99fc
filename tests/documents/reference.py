"""The stored documents as their definition says, rendered the slow, obvious way: per
view, the API's rendering (``Rendered.of``) for a request naming no language, and for each
language whose rendering differs from it, each cut at ``lang_fallback``. What
``app.documents.rows.render_rows`` must equal, and what the stored rows must equal after
any write (``fresh``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.documents.models import PointDocument
from app.documents.rows import OFFLINE_VIEW, VIEWS, parts_of
from app.i18n.negotiation import negotiate
from app.public_points.rendering import Rendered
from app.service_points import offline, records
from app.service_points.freshness import fresh_since
from app.service_points.records import PointRecord

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# The precomputed opening hours are checked on their own (against the expression over each
# row's horizon, tests/documents/test_opening_weeks.py and the state machine).
HOURS = ("hours", "hours_until")
COLUMNS = [c.name for c in PointDocument.__table__.columns if c.name not in HOURS]


def _microseconds(record: PointRecord) -> int | None:
    stamp = fresh_since(record.last_verified_at, record.source_as_of)
    return None if stamp is None else (stamp - EPOCH) // dt.timedelta(microseconds=1)


def reference_rows(
    found: Iterable[PointRecord], *, tags: Iterable[str], default: str
) -> Iterator[dict[str, Any]]:
    base = negotiate(lang=None, accept_language=None, default=default, supported=())
    prefs = [
        (tag, negotiate(lang=tag, accept_language=None, default=default, supported=()))
        for tag in sorted(set(tags))
    ]
    for record in found:
        common = {
            "point_id": record.id,
            "public_id": record.public_id,
            "version": record.version,
            "published": record.status == "published",
            "opening_hours": record.opening_hours,
            "timezone": record.timezone,
            "country": record.country,
            "fresh_since_us": _microseconds(record),
            "location_precision": record.location_precision,
            "lat": record.lat,
            "lon": record.lon,
        }
        for view in VIEWS:
            plain = parts_of(Rendered.of(record, base, view))
            keyed = [("", plain)]
            for tag, pref in prefs:
                parts = parts_of(Rendered.of(record, pref, view))
                if parts != plain:
                    keyed.append((tag, parts))
            for lang, parts in keyed:
                yield {
                    **common,
                    "view": view,
                    "lang": lang,
                    "served": parts.served,
                    "head": parts.head,
                    "tail": parts.tail,
                    "verification": parts.verification,
                }
        # The offline record of sync pages and bundles (app/service_points/offline.py).
        kept = offline.stored_parts(record)
        if kept is not None:
            yield {
                **common,
                "view": OFFLINE_VIEW,
                "lang": "",
                "served": record.original_language,
                "head": kept[0],
                "tail": kept[1],
                "verification": b"",
            }


def as_set(rows: Iterable[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {tuple(row[c] for c in COLUMNS) for row in rows}


def stored(session: Session, ids: list[int]) -> set[tuple[Any, ...]]:
    table = PointDocument.__table__
    columns = [table.c[name] for name in COLUMNS]
    rows = session.connection().execute(select(*columns).where(table.c.point_id.in_(ids)))
    return {tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows}


def fresh(session: Session, ids: list[int], tags: list[str], default: str = "es") -> set[Any]:
    """The rows a fresh rendering of these points (read back from the database) gives."""
    loaded = records.load_records(session, ids)
    return as_set(reference_rows(loaded.values(), tags=tags, default=default))
