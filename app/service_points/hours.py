"""Opening hours (OSM ``opening_hours`` syntax) evaluated in each point's own time zone."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from app.countries import zones

__all__ = ["InvalidOpeningHours", "compiled", "is_open", "parse", "timezone_at"]


# The extension raises these, but its type stubs do not declare them.
_PARSER_ERROR: type[Exception] = getattr(opening_hours, "ParserError", SyntaxError)
_UNKNOWN_COUNTRY: type[Exception] = getattr(opening_hours, "UnknownCountryError", ValueError)


class InvalidOpeningHours(ValueError):
    """The expression does not follow the OSM opening_hours specification."""


def timezone_at(lat: float, lon: float) -> str | None:
    """The IANA time zone at a coordinate (``America/Tijuana``); None at sea."""
    return zones.timezone_at(lat, lon)


@lru_cache(maxsize=4096)
def parse(expression: str) -> str:
    """Validate an expression; returns it stripped, raises :class:`InvalidOpeningHours`
    (memoised: imports repeat the same hours; errors are not)."""
    value = expression.strip()
    if not value or len(value) > 500:
        raise InvalidOpeningHours("opening_hours must be 1 to 500 characters")
    try:
        opening_hours.OpeningHours(value, auto_country=False, auto_timezone=False)
    except (_PARSER_ERROR, SyntaxError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else "parse error"
        raise InvalidOpeningHours(f"not valid OSM opening_hours syntax ({first_line})") from None
    return value


@lru_cache(maxsize=8192)
def compiled(
    expression: str, timezone: str | None, country: str | None
) -> opening_hours.OpeningHours:
    """The expression compiled for a zone and a country's holidays (memoised)."""

    def build(holidays_country: str | None) -> opening_hours.OpeningHours:
        return opening_hours.OpeningHours(
            expression,
            timezone=ZoneInfo(timezone) if timezone else None,
            country=holidays_country,
            auto_country=False,
            auto_timezone=False,
            max_interval_days=366,
        )

    try:
        # The country gives the public-holiday calendar used by ``PH`` rules.
        return build(country)
    except _UNKNOWN_COUNTRY:
        return build(None)


def is_open(
    expression: str | None, timezone: str | None, country: str | None, at: dt.datetime
) -> bool | None:
    """Whether a point is open at the instant ``at`` (aware); None when unknown."""
    if not expression:
        return None
    try:
        oh = compiled(expression, timezone, country)
    except (_PARSER_ERROR, SyntaxError, ValueError):
        return None
    local = at.astimezone(ZoneInfo(timezone) if timezone else dt.UTC)
    if oh.is_unknown(local):
        return None
    return bool(oh.is_open(local))
