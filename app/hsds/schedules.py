"""Opening hours between OSM ``opening_hours`` (Rumbo) and HSDS ``schedule`` rows.

Export: simple weekly expressions (``Mo-Fr 08:00-17:00; Sa 09:00-12:00``, ``24/7``) become
one weekly schedule per group of days with the same hours; every schedule also carries the
exact OSM expression in ``description``, so nothing is lost when the expression is richer
(public holidays, months) than HSDS's weekly rows.

Import: a schedule whose ``description`` is itself a valid OSM expression is taken as is
(this is how Rumbo's own exports come back unchanged); otherwise weekly rows with
``byday``, ``opens_at`` and ``closes_at`` are turned into an OSM expression. Anything else
(monthly rules, week numbers, prose) cannot be expressed and is reported, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.service_points import hours

__all__ = ["from_hsds", "to_hsds", "weekly_rules"]

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
HSDS_DAYS = tuple(d.upper() for d in DAYS)
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?$")
_RANGE = re.compile(r"^(\d\d:\d\d)-(\d\d:\d\d)$")

Week = dict[int, tuple[tuple[str, str], ...]]


def _days(selector: str) -> list[int] | None:
    out: list[int] = []
    for item in selector.split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            return None
        start = DAYS.index(first)
        end = DAYS.index(last) if last else start
        span = (end - start) % 7
        out.extend((start + i) % 7 for i in range(span + 1))
    return out


def _ranges(text: str) -> tuple[tuple[str, str], ...] | None:
    out: list[tuple[str, str]] = []
    for item in text.split(","):
        match = _RANGE.match(item.strip())
        if not match or not all(_TIME.match(t) for t in match.groups()):
            return None
        out.append((match.group(1), match.group(2)))
    return tuple(out)


def weekly_rules(expression: str) -> Week | None:
    """Day (0 = Monday) -> time ranges, when ``expression`` is a plain weekly one."""
    expression = expression.strip()
    if expression == "24/7":
        return dict.fromkeys(range(7), (("00:00", "24:00"),))
    week: Week = {}
    for rule in (r.strip() for r in expression.split(";")):
        if not rule:
            continue
        selector, _, times = rule.partition(" ")
        if _RANGE.match(selector.split(",")[0]):  # no day selector: every day
            selector, times = "Mo-Su", rule
        days = _days(selector)
        if days is None:
            return None
        times = times.strip()
        ranges: tuple[tuple[str, str], ...] | None = () if times == "off" else _ranges(times)
        if ranges is None:
            return None
        for day in days:  # a later rule replaces an earlier one for the same day (OSM)
            week[day] = ranges
    return week


def _groups(week: Week) -> list[tuple[list[int], tuple[tuple[str, str], ...]]]:
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for day in range(7):
        ranges = week.get(day, ())
        if ranges:
            groups.setdefault(ranges, []).append(day)
    return [(days, ranges) for ranges, days in groups.items()]


def to_hsds(expression: str | None, *, ids: Iterable[str]) -> list[dict[str, Any]]:
    """HSDS schedules for an OSM expression (``ids`` supplies one id per schedule)."""
    if not expression:
        return []
    id_iter = iter(ids)
    week = weekly_rules(expression)
    if week is None:
        return [{"id": next(id_iter), "description": expression}]
    out: list[dict[str, Any]] = []
    for days, ranges in _groups(week):
        for opens, closes in ranges:
            out.append(
                {
                    "id": next(id_iter),
                    "freq": "WEEKLY",
                    "byday": ",".join(HSDS_DAYS[d] for d in days),
                    "opens_at": opens,
                    "closes_at": closes,
                    "description": expression,
                }
            )
    return out or [{"id": next(id_iter), "description": expression}]


def _compress(days: list[int]) -> str:
    parts: list[str] = []
    start = prev = days[0]
    for day in [*days[1:], None]:
        if day is not None and day == prev + 1:
            prev = day
            continue
        if prev - start >= 2:
            parts.append(f"{DAYS[start]}-{DAYS[prev]}")
        else:
            parts.extend(DAYS[d] for d in range(start, prev + 1))
        if day is not None:
            start = prev = day
    return ",".join(parts)


def _osm(expression: str) -> str | None:
    """The expression when it is valid OSM opening_hours syntax, else None."""
    try:
        return hours.parse(expression)
    except hours.InvalidOpeningHours:
        return None


def _hhmm(value: Any) -> str | None:
    match = _TIME.match(str(value or "").strip())
    return f"{match.group(1)}:{match.group(2)}" if match else None


def from_hsds(schedules: Iterable[Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """``(expression, problem)``: the OSM expression, or why none could be made."""
    rows = list(schedules)
    if not rows:
        return None, None
    for row in rows:
        description = str(row.get("description") or "").strip()
        if description and (parsed := _osm(description)) is not None:
            return parsed, None
    week: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        freq = str(row.get("freq") or "WEEKLY").upper()
        byday = [d.strip().upper() for d in str(row.get("byday") or "").split(",") if d.strip()]
        opens, closes = _hhmm(row.get("opens_at")), _hhmm(row.get("closes_at"))
        if freq != "WEEKLY" or row.get("byweekno") or row.get("bymonthday") or row.get("byyearday"):
            return None, "rules by month, week number or day of the month cannot be expressed"
        if not byday or not opens or not closes or any(d not in HSDS_DAYS for d in byday):
            return None, "only weekly schedules with byday, opens_at and closes_at can be read"
        for day in byday:
            week.setdefault(HSDS_DAYS.index(day), []).append((opens, closes))
    frozen: Week = {d: tuple(sorted(r)) for d, r in week.items()}
    if len(frozen) == 7 and set(frozen.values()) == {(("00:00", "24:00"),)}:
        return "24/7", None
    rules = [
        f"{_compress(days)} {','.join(f'{a}-{b}' for a, b in ranges)}"
        for days, ranges in _groups(frozen)
    ]
    expression = _osm("; ".join(rules))
    return (expression, None) if expression else (None, "the schedules make no valid opening hours")
