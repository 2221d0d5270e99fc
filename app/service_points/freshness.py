"""When a point's information was last known to be current, and whether that is too long ago.

Two dates can vouch for a point: ``last_verified_at``, set only when staff verify it, and
``source_as_of``, the date the cited source's facts are as of (an article's publication
date, a dataset's extract date). A source's date is not a verification, so it never fills
``last_verified_at``; but a point is only as old as the newer of the two. A published point
is ``stale`` when neither date exists or the newer one is more than ``stale_after`` ago.

Every place that decides staleness uses these functions: the public and staff renderings,
the console's list and counts (:func:`stale_clause`, the same rule in SQL) and the
verification tasks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_

from app.service_points.models import PointStatus, ServicePoint

__all__ = ["fresh_since", "is_stale", "stale_clause"]


def fresh_since(
    last_verified_at: dt.datetime | None, source_as_of: dt.date | None
) -> dt.datetime | None:
    """The later of the last verification and the source's as-of date (its start, UTC)."""
    as_of = (
        dt.datetime.combine(source_as_of, dt.time(), tzinfo=dt.UTC)
        if source_as_of is not None
        else None
    )
    if last_verified_at is None or (as_of is not None and as_of > last_verified_at):
        return as_of
    return last_verified_at


def is_stale(
    *,
    published: bool,
    last_verified_at: dt.datetime | None,
    source_as_of: dt.date | None,
    now: dt.datetime,
    stale_after: dt.timedelta,
) -> bool:
    """Whether a point's information is too old to be shown without a warning."""
    if not published:
        return False
    since = fresh_since(last_verified_at, source_as_of)
    return since is None or now - since > stale_after


def stale_clause(verified_before: dt.datetime) -> ColumnElement[bool]:
    """:func:`is_stale` as a SQL condition on ``service_point``, for
    ``verified_before = now - stale_after``."""
    # A date is "as of" its first instant: it is too old when it falls before the day of
    # ``verified_before``, or on that day while the instant is past its start.
    cutoff = verified_before.date()
    if verified_before > dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC):
        cutoff += dt.timedelta(days=1)
    return and_(
        ServicePoint.status == PointStatus.published.value,
        or_(
            ServicePoint.last_verified_at.is_(None),
            ServicePoint.last_verified_at < verified_before,
        ),
        or_(ServicePoint.source_as_of.is_(None), ServicePoint.source_as_of < cutoff),
    )
