"""Two checks a form cannot make alone: is the point in its country, is it already listed?

Country (Natural Earth 1:50m boundaries, app.countries.boundaries):

- in the declared country, or at sea off its coast: fine;
- elsewhere, but the declared country is there once latitude and longitude are swapped:
  an error ("lat and lon look swapped");
- elsewhere, but the declared country lies within ~15 km (a border crossing drawn at
  1:50m): a warning, since the boundaries are coarse exactly where migrants cross;
- elsewhere: an error naming the country the point falls in.

Duplicates: a point of the same category within 50 m whose name, in any language, is
similar to one of the new point's names (rapidfuzz ``token_set_ratio``, 0-100). Only points
the importer may see are compared: public ones, and its own organisation's drafts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from app.countries import boundaries
from app.exchange import repository
from app.geo.sphere import haversine_m
from app.geo.text import normalise_text

__all__ = ["CountryCheck", "PossibleDuplicate", "check_country", "find_possible_duplicates"]

BORDER_SLACK_KM = 15.0
DUPLICATE_RADIUS_M = 50.0
DUPLICATE_MIN_SIMILARITY = 85.0


@dataclass(frozen=True, slots=True)
class CountryCheck:
    ok: bool
    detail: str | None = None
    warning: bool = False


def _country_at(lat: float, lon: float) -> tuple[str | None, str | None]:
    """(country on land, nearest country at sea)."""
    where = boundaries.load_boundaries().locate(lat, lon)
    return where.code, where.nearest_code


def _around(lat: float, lon: float, km: float) -> Iterable[tuple[float, float]]:
    dlat = km / 111.32
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    for step in range(8):
        angle = step * math.pi / 4
        yield (
            max(-90.0, min(90.0, lat + dlat * math.sin(angle))),
            ((lon + dlon * math.cos(angle) + 180.0) % 360.0) - 180.0,
        )


@lru_cache(maxsize=1)
def _known_countries() -> frozenset[str]:
    return boundaries.load_boundaries().codes


def check_country(lat: float, lon: float, country: str) -> CountryCheck:
    """Whether (lat, lon) lies in ``country``; see the module docstring for the rules."""
    if country not in _known_countries():
        return CountryCheck(ok=True)
    data = boundaries.load_boundaries()
    where = data.locate(lat, lon)
    if where.surface == boundaries.Surface.DISPUTED or country in (where.code, where.nearest_code):
        return CountryCheck(ok=True)
    if abs(lon) <= 90 and country in _country_at(lon, lat):
        return CountryCheck(
            ok=False,
            detail=f"the point falls outside {country}, but lat and lon swapped fall inside "
            "it: lat and lon look swapped",
        )
    found = where.code or (
        f"the sea near {where.nearest_code}" if where.nearest_code else "the sea"
    )
    if any(country in _country_at(a, b) for a, b in _around(lat, lon, BORDER_SLACK_KM)):
        return CountryCheck(
            ok=True,
            warning=True,
            detail=f"the point falls in {found}, within {BORDER_SLACK_KM:.0f} km of {country}; "
            "check it is on the right side of the border",
        )
    return CountryCheck(
        ok=False,
        detail=f"the point falls in {found}, not in {country}: check lat, lon and country",
    )


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    point_id: str
    name: str
    distance_m: float
    similarity: float


def find_possible_duplicates(
    session: Session,
    *,
    lat: float,
    lon: float,
    categories: Sequence[str],
    names: Iterable[str],
    organization_id: str,
    exclude_point_id: int | None = None,
    radius_m: float = DUPLICATE_RADIUS_M,
    min_similarity: float = DUPLICATE_MIN_SIMILARITY,
) -> list[PossibleDuplicate]:
    """Points that look like the same place: same category, within ``radius_m``, similar name.

    Usable by any write path (imports call it for every new row; the staff create API can
    report its result as a warning). Nothing is merged: the caller reports.
    """
    wanted = [n for n in (normalise_text(x).strip() for x in names) if n]
    if not wanted or not categories:
        return []
    candidates = repository.nearby_points(
        session,
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        categories=categories,
        organization_id=organization_id,
        exclude_id=exclude_point_id,
    )
    found: list[PossibleDuplicate] = []
    for candidate in candidates:
        distance = haversine_m(lat, lon, candidate.lat, candidate.lon)
        if distance > radius_m:
            continue
        theirs = [normalise_text(n) for n in candidate.names]
        best_score, best_name = 0.0, ""
        for name in wanted:
            match = process.extractOne(name, theirs, scorer=fuzz.token_set_ratio)
            if match is not None and match[1] > best_score:
                best_score, best_name = float(match[1]), candidate.names[match[2]]
        if best_score >= min_similarity:
            found.append(
                PossibleDuplicate(
                    point_id=candidate.public_id,
                    name=best_name,
                    distance_m=round(distance, 1),
                    similarity=round(best_score, 1),
                )
            )
    return sorted(found, key=lambda d: (-d.similarity, d.distance_m))
