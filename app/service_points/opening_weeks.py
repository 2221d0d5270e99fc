"""Opening hours precomputed as the instants their state changes, for a few weeks ahead.

``open_now`` is the state of a point's OSM ``opening_hours`` at an instant, evaluated in the
point's time zone with its country's public holidays (:func:`app.service_points.hours.
is_open`, memoised per UTC minute by ``app.public_points.rendering.open_at``). Evaluating
it costs the library a few microseconds a point when cached and far more when not; the
stored documents (``app.documents``) keep instead, per point, the *changes* of that state
over a horizon as one small blob, and a read looks the state up with a bisection.

The blob is an array of little-endian int32, ``minute << 2 | state``: ``minute`` counts UTC
minutes since the epoch, ``state`` is 0 closed, 1 open, 2 unknown (``open_now`` left out);
each entry holds from its minute until the next entry's. The first entry is the horizon's
start, ``until`` (stored beside) its end: outside ``[start, until)`` the caller evaluates
the expression (correct, only slower).

The horizon is the UTC week (Monday 00:00 UTC) of the moment the blob is built and the
next one, :data:`HORIZON_WEEKS` weeks in all: a point written or refreshed in any week
answers from its blob until that week's end and all of the next. ``rumbo documents
refresh-hours`` (weekly, or daily from cron) moves the horizons that end within a week.

The states are the library's, at local wall times: the library reads an instant as its
wall time in the point's zone (an hour repeated when clocks go back is evaluated twice,
an hour skipped when they go forward never), so the wall-time intervals are asked of it
once and laid on the UTC minutes through the zone's offsets, segment by segment between
the zone's transitions. Unknown or unusable hours (no expression, a syntax error, an
unknown zone, no zone) are unknown for the whole horizon, as ``open_at`` answers them.
"""

from __future__ import annotations

import datetime as dt
import sys
from array import array
from bisect import bisect_right
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.service_points import hours

__all__ = [
    "ANSWERS",
    "CLOSED",
    "HORIZON_WEEKS",
    "OPEN",
    "OUTSIDE",
    "UNKNOWN",
    "Horizon",
    "epoch_minute",
    "horizon_at",
    "state_at",
    "week_changes",
]

CLOSED, OPEN, UNKNOWN = 0, 1, 2
HORIZON_WEEKS = 2
OUTSIDE = -1  # outside the stored horizon: evaluate the expression
# ``open_now`` of each state.
ANSWERS: tuple[bool | None, ...] = (False, True, None)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_MINUTE = dt.timedelta(minutes=1)
_WEEK_MIN = 7 * 24 * 60
# 1970-01-01 was a Thursday: Monday 00:00 UTC is 3 days (4,320 minutes) before the epoch.
_MONDAY_MIN = -3 * 24 * 60
# Wall times reach at most a day either side of UTC.
_PAD = dt.timedelta(days=1)
# Minutes either side of a change of offset evaluated one by one.
_BESIDE = 3
_STATES = {"open": OPEN, "closed": CLOSED, "unknown": UNKNOWN}
_LITTLE = sys.byteorder == "little"

Horizon = tuple[int, int]  # [start, until) in UTC minutes since the epoch


def epoch_minute(at: dt.datetime) -> int:
    """The UTC minute of an aware instant (``open_at`` evaluates at the minute's start)."""
    return (at - _EPOCH) // _MINUTE


def horizon_at(now: dt.datetime) -> Horizon:
    """The horizon of a blob built at ``now``: its UTC week and the next."""
    minute = epoch_minute(now)
    start = minute - (minute - _MONDAY_MIN) % _WEEK_MIN
    return start, start + HORIZON_WEEKS * _WEEK_MIN


def _encode(values: list[int]) -> bytes:
    packed = array("i", values)
    if not _LITTLE:
        packed.byteswap()
    return packed.tobytes()


def _decode(blob: bytes) -> array[int]:
    packed = array("i")
    packed.frombytes(blob)
    if not _LITTLE:
        packed.byteswap()
    return packed


def state_at(blob: bytes, until: int, minute: int) -> int:
    """The state (:data:`CLOSED`, :data:`OPEN`, :data:`UNKNOWN`) at ``minute``, or
    :data:`OUTSIDE` the blob's horizon."""
    changes = _decode(blob)
    if minute >= until or not changes or minute < changes[0] >> 2:
        return OUTSIDE
    return changes[bisect_right(changes, minute << 2 | 3) - 1] & 3


def _ceil_minute(stamp: dt.datetime) -> int:
    """Wall-clock minutes since the naive epoch, rounded up: the first minute whose start
    falls at or after ``stamp``."""
    delta = stamp.replace(tzinfo=None) - _EPOCH_NAIVE
    return -(-delta // _MINUTE)


def _local_changes(
    expression: str, timezone: str, country: str | None, start: int, until: int
) -> list[tuple[int, int]] | None:
    """The wall-time changes of state, ``(wall minute, state)``, covering the wall times of
    ``[start, until)`` in the zone; None when the library cannot say."""
    compiled = hours.compiled(expression, timezone, country)
    begin = _EPOCH_NAIVE + dt.timedelta(minutes=start) - _PAD
    end = _EPOCH_NAIVE + dt.timedelta(minutes=until) + _PAD
    out: list[tuple[int, int]] = []
    for low, _high, kind, _comment in compiled.intervals(begin, end):
        state = _STATES.get(str(kind).lower())  # the library's State: "open" ...
        if state is None:
            return None
        minute = _ceil_minute(low)
        if out and out[-1][0] >= minute:
            out[-1] = (out[-1][0], state)  # shorter than a minute: the later state holds
        else:
            out.append((minute, state))
    return out or None


def _offset_minutes(zone: ZoneInfo, minute: int) -> int | None:
    offset = (_EPOCH + dt.timedelta(minutes=minute)).astimezone(zone).utcoffset()
    if offset is None or offset % _MINUTE:
        return None
    return offset // _MINUTE


@lru_cache(maxsize=1024)
def _segments(timezone: str, start: int, until: int) -> tuple[tuple[int, int], ...] | None:
    """``(first minute, offset)`` of each stretch of one UTC offset within ``[start,
    until)``, found hour by hour and then to the minute; None for a zone whose offset is
    no whole number of minutes."""
    zone = ZoneInfo(timezone)
    first = _offset_minutes(zone, start)
    if first is None:
        return None
    out = [(start, first)]
    low, current = start, first
    while low < until:
        high = min(low + 60, until)
        offset = _offset_minutes(zone, high) if high < until else current
        if offset is None:
            return None
        if offset != current:
            a, b = low, high  # offset(a) == current, offset(b) != current
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_minutes(zone, mid) == current:
                    a = mid
                else:
                    b = mid
            found = _offset_minutes(zone, b)
            if found is None:
                return None
            out.append((b, found))
            current = found
            low = b
            continue
        low = high
    return tuple(out)


@lru_cache(maxsize=8192)
def week_changes(
    expression: str | None, timezone: str | None, country: str | None, horizon: Horizon
) -> bytes | None:
    """The blob of these hours over ``horizon``; None when it cannot be precomputed (the
    reader then evaluates the expression)."""
    start, until = horizon
    unknown = _encode([start << 2 | UNKNOWN])
    if not expression or not timezone:
        # No expression: unknown. No zone: ``hours.is_open`` hands the library
        # ``datetime.UTC``, which it refuses, and ``open_at`` answers unknown.
        return unknown
    try:
        ZoneInfo(timezone)
        hours.compiled(expression, timezone, country)
    except Exception:  # unknown zone or invalid expression: ``open_at`` answers unknown
        return unknown
    try:
        local = _local_changes(expression, timezone, country, start, until)
        segments = _segments(timezone, start, until)
    except Exception:
        return None
    if local is None or segments is None:
        return None
    walls = [minute for minute, _ in local]
    changes: list[tuple[int, int]] = []
    bounds = [*(s for s, _ in segments[1:]), until]
    for (low, offset), high in zip(segments, bounds, strict=True):
        at = bisect_right(walls, low + offset) - 1
        if at < 0:  # the library began later than the wall times asked for (cannot be)
            return None
        points = [(low, local[at][1])]
        for wall, state in local[at + 1 :]:
            if wall >= high + offset:
                break
            points.append((wall - offset, state))
        changes.extend(points)
    # Beside each change of offset the library is asked minute by minute: it is the
    # reference there too (2.1.4 reads the last minute before clocks go back as closed).
    exact = {
        minute: _evaluated(expression, timezone, country, minute)
        for low, _offset in segments[1:]
        for minute in range(low - _BESIDE, low + _BESIDE)
        if start <= minute < until
    }
    return _encode(_normalised(_overridden(changes, exact), until))


def _evaluated(expression: str, timezone: str, country: str | None, minute: int) -> int:
    try:
        found = hours.is_open(expression, timezone, country, _EPOCH + minute * _MINUTE)
    except Exception:  # as ``open_at``: the library's own errors read as unknown
        found = None
    return UNKNOWN if found is None else OPEN if found else CLOSED


def _overridden(changes: list[tuple[int, int]], exact: dict[int, int]) -> list[tuple[int, int]]:
    """``changes`` with the state of each minute of ``exact`` set (the minute after an
    overridden one returns to the state ``changes`` give it)."""
    if not exact:
        return changes
    starts = [minute for minute, _ in changes]

    def state_of(minute: int) -> int:
        return changes[bisect_right(starts, minute) - 1][1]

    extra: dict[int, int] = {}
    for minute, state in exact.items():
        extra[minute] = state
        if minute + 1 not in exact and minute + 1 not in extra:
            extra[minute + 1] = state_of(minute + 1)
    merged = dict(changes)
    merged.update(extra)
    return sorted(merged.items())


def _normalised(changes: list[tuple[int, int]], until: int) -> list[int]:
    out: list[int] = []
    for minute, state in changes:
        if minute >= until:
            break
        if out and out[-1] & 3 == state:
            continue
        out.append(minute << 2 | state)
    return out
