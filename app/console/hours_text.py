"""A readable preview of an ``opening_hours`` expression in the console language.

The expression is validated by ``app.service_points.hours`` (the same rule as the API) and
normalised by the opening_hours library (``Mo-Fr 08:00-12:00; We off`` becomes
``Mo-Tu,Th-Fr 08:00-12:00``). The normalised form is then described rule by rule when it
uses only what can be said plainly: weekdays and ranges, public holidays, time spans,
``off``/``closed``/``unknown`` and comments. Anything else (months, weeks, sunrise, ``+``,
the nth weekday, fallback rules) is not guessed at: ``lines`` is None and the console
shows the expression as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opening_hours
from babel.dates import get_day_names

from app.console.texts import translator
from app.service_points import hours

__all__ = ["HoursPreview", "describe", "syntax_error"]

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_ITEM = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_RULE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)[A-Za-z,\-]*)?\s*(?P<times>[\d:,\-]+)?"
    r"\s*(?P<state>off|closed|open|unknown)?"
    r'\s*(?:"(?P<comment>[^"]*)")?$'
)


@dataclass(frozen=True, slots=True)
class HoursPreview:
    """``normalized``: the canonical expression; ``lines``: its description, or None."""

    expression: str
    normalized: str
    lines: list[str] | None


@lru_cache(maxsize=3)
def _day_names(lang: str) -> dict[str, str]:
    names = get_day_names("abbreviated", locale=lang)
    return {code: str(names[i]) for i, code in enumerate(_DAYS)}


def _days(selector: str, lang: str) -> str | None:
    t = translator(lang)
    names = _day_names(lang)
    parts = []
    for item in selector.split(","):
        match = _DAY_ITEM.match(item)
        if match is None:
            return None
        first, last = match.groups()
        if first == "PH":
            if last:
                return None
            parts.append(t("hours.public_holidays"))
        elif last:
            parts.append(f"{names[first]}–{names[last]}")
        else:
            parts.append(names[first])
    return ", ".join(parts)


def _clock(hour: str, minute: str) -> str:
    h = int(hour)
    return f"{h - 24 if h >= 24 else h:02d}:{minute}"


def _times(selector: str) -> str | None:
    spans = []
    for item in selector.split(","):
        match = _SPAN.match(item)
        if match is None:
            return None
        h1, m1, h2, m2 = match.groups()
        spans.append(f"{_clock(h1, m1)}–{_clock(h2, m2)}")
    return ", ".join(spans)


def _rule(rule: str, lang: str) -> str | None:
    t = translator(lang)
    match = _RULE.match(rule.strip())
    if match is None:
        return None
    days, times, state, comment = match.group("days", "times", "state", "comment")
    who = _days(days, lang) if days else t("hours.every_day")
    if who is None:
        return None
    if state in ("off", "closed"):
        what = t("hours.closed")
    elif times:
        spans = _times(times)
        if spans is None:
            return None
        what = spans + (f" ({t('hours.unknown')})" if state == "unknown" else "")
    elif state == "unknown":
        what = t("hours.unknown")
    else:
        what = t("hours.all_day")
    line = f"{who[:1].upper()}{who[1:]}: {what}"
    return f'{line} — "{comment}"' if comment else line


# The library's parse error (absent from its type stubs, so looked up once here).
PARSER_ERROR: type[Exception] = getattr(opening_hours, "ParserError", ValueError)
_WHERE = re.compile(r"--> \d+:(\d+)")
_EXPECTED = re.compile(r"= (expected [^\n]+)")


def syntax_error(expression: str) -> str | None:
    """Why ``expression`` is refused (the API's rule), or None when it is valid.

    ``hours.parse`` lets the library's ``ParserError`` escape (it derives from
    ``Exception`` only); it is turned into the same message here, with the position.
    """
    try:
        hours.parse(expression)
    except hours.InvalidOpeningHours as exc:
        return str(exc)
    except PARSER_ERROR as exc:
        text = str(exc)
        where, expected = _WHERE.search(text), _EXPECTED.search(text)
        detail = "not valid OSM opening_hours syntax"
        if where:
            detail += f" at character {where.group(1)}"
        return detail + (f" ({expected.group(1)})" if expected else "")
    return None


def describe(expression: str, lang: str) -> HoursPreview:
    """Validate (raises ``hours.InvalidOpeningHours``), normalise and describe."""
    problem = syntax_error(expression)
    if problem is not None:
        raise hours.InvalidOpeningHours(problem)
    value = hours.parse(expression)
    normalized = str(
        opening_hours.OpeningHours(value, auto_country=False, auto_timezone=False).normalize()
    )
    if normalized == "24/7":
        return HoursPreview(value, normalized, [translator(lang)("hours.always")])
    if "||" in normalized:
        return HoursPreview(value, normalized, None)
    lines: list[str] = []
    for rule in normalized.split(";"):
        line = _rule(rule, lang)
        if line is None:
            return HoursPreview(value, normalized, None)
        lines.append(line)
    return HoursPreview(value, normalized, lines)
