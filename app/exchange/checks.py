"""Two checks a form cannot make alone: is the point in its country, is it already listed?

Country (the same lookup as ``/v1/where``, app.countries.location: the time-zone polygons'
countries, built from OpenStreetMap boundaries, split with Natural Earth where a zone
covers several countries):

- in the declared country, in its territorial sea, or at sea within 25 km of its coast: fine;
- elsewhere, but the declared country is there once latitude and longitude are swapped:
  an error ("lat and lon look swapped");
- elsewhere, but the declared country lies within ~15 km: a warning (check the point is
  on the right side of the border);
- elsewhere: an error naming the country the point falls in.

Duplicates: a point of the same category within 50 m whose name, in any language, is
similar to one of the new point's names (rapidfuzz ``token_set_ratio``, 0-100). Only points
the importer may see are compared: public ones, and its own organisation's drafts.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from app.countries import location
from app.countries.boundaries import Surface
from app.exchange import repository
from app.exchange.repository import Box, Nearby
from app.geo.sphere import haversine_m
from app.geo.text import normalise_text

__all__ = [
    "BatchDuplicates",
    "BatchPoint",
    "CountryCheck",
    "CountryChecks",
    "PossibleDuplicate",
    "check_country",
    "find_possible_duplicates",
    "score_duplicates",
]

BORDER_SLACK_KM = 15.0
DUPLICATE_RADIUS_M = 50.0
DUPLICATE_MIN_SIMILARITY = 85.0


@dataclass(frozen=True, slots=True)
class CountryCheck:
    ok: bool
    detail: str | None = None
    warning: bool = False


def _country_at(lat: float, lon: float) -> tuple[str | None, str | None]:
    """(country, nearest country at sea)."""
    where = location.locate(lat, lon)
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


def check_country(lat: float, lon: float, country: str) -> CountryCheck:
    """Whether (lat, lon) lies in ``country``; see the module docstring for the rules."""
    if country not in location.known_codes():
        return CountryCheck(ok=True)
    where = location.locate(lat, lon)
    if where.surface == Surface.DISPUTED or country in (where.code, where.nearest_code):
        return CountryCheck(ok=True)
    if abs(lon) <= 90 and country in _country_at(lon, lat):
        return CountryCheck(
            ok=False,
            detail=f"the point falls outside {country}, but lat and lon swapped fall inside "
            "it: lat and lon look swapped",
        )
    if where.code:
        found = where.code if where.surface != Surface.SEA else f"the waters of {where.code}"
    else:
        found = f"the sea near {where.nearest_code}" if where.nearest_code else "the sea"
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


class CountryChecks:
    """:func:`check_country` for the points of a batch: those plainly in one country are
    located together (:func:`app.countries.location.country_codes`), the others one by one."""

    def __init__(self, places: Iterable[tuple[float, float]]) -> None:
        wanted = list(set(places))
        codes = location.country_codes([lat for lat, _ in wanted], [lon for _, lon in wanted])
        self._land = dict(zip(wanted, codes, strict=True))

    def check(self, lat: float, lon: float, country: str) -> CountryCheck:
        if self._land.get((lat, lon)) == country:
            return CountryCheck(ok=True)
        return check_country(lat, lon, country)


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    point_id: str
    name: str
    distance_m: float
    similarity: float


def _wanted(names: Iterable[str]) -> list[str]:
    return [n for n in (normalise_text(x).strip() for x in names) if n]


def score_duplicates(
    lat: float,
    lon: float,
    wanted: Sequence[str],
    candidates: Iterable[Nearby],
    *,
    radius_m: float = DUPLICATE_RADIUS_M,
    min_similarity: float = DUPLICATE_MIN_SIMILARITY,
) -> list[PossibleDuplicate]:
    """The candidates within ``radius_m`` whose name, in any language, is similar to one of
    ``wanted`` (normalised names), most similar first."""
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

    Usable by any write path (the staff create API reports its result as a warning; imports
    check a whole batch at once with :class:`BatchDuplicates`). Nothing is merged: the
    caller reports.
    """
    wanted = _wanted(names)
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
    return score_duplicates(
        lat, lon, wanted, candidates, radius_m=radius_m, min_similarity=min_similarity
    )


@dataclass(frozen=True, slots=True)
class BatchPoint:
    """One point of a batch of writes, in the order they are written.

    ``probe``: a new point, to compare with the points already there; ``written``: it is
    written before the batch's later points (so they are compared with it); ``replaces``:
    the database id of the existing point it changes."""

    public_id: str
    lat: float
    lon: float
    categories: Sequence[str]
    names: Sequence[str]
    probe: bool = False
    written: bool = False
    replaces: int | None = None


class BatchDuplicates:
    """Possible duplicates of each new point of a batch, as :func:`find_possible_duplicates`
    would find them if the batch's points were written one by one: compared with the
    database as it was before the batch (one query for the whole batch), and with the
    batch's earlier written points (in memory), which stand in for the rows they change."""

    def __init__(
        self,
        session: Session,
        *,
        organization_id: str,
        radius_m: float = DUPLICATE_RADIUS_M,
        min_similarity: float = DUPLICATE_MIN_SIMILARITY,
        across_batches: bool = False,
    ) -> None:
        self.session = session
        # Earlier batches not written to the database (a staged import) are kept here.
        self._earlier = _ByLatitude() if across_batches else None
        self._replaced: set[int] = set()
        self.organization_id = organization_id
        self.radius_m = radius_m
        self.min_similarity = min_similarity

    def check(self, batch: Sequence[BatchPoint]) -> list[list[PossibleDuplicate]]:
        """For each point of ``batch``, its possible duplicates (none unless a probe)."""
        wanted = [_wanted(p.names) if p.probe and p.categories else [] for p in batch]
        boxes = [
            (n, box)
            for n, p in enumerate(batch)
            if wanted[n]
            for box in repository.boxes_around(p.lat, p.lon, self.radius_m)
        ]
        stored: dict[int, list[tuple[Nearby, frozenset[str]]]] = {}
        for n, nearby, codes in repository.nearby_many(
            self.session,
            boxes,
            categories={c for i, _ in boxes for c in batch[i].categories},
            organization_id=self.organization_id,
        ):
            stored.setdefault(n, []).append((nearby, codes))
        found: list[list[PossibleDuplicate]] = []
        earlier = self._earlier if self._earlier is not None else _ByLatitude()
        replaced = self._replaced if self._earlier is not None else set()
        for n, point in enumerate(batch):
            result: list[PossibleDuplicate] = []
            if wanted[n]:
                mine = set(point.categories)
                candidates = [
                    nearby
                    for nearby, codes in stored.get(n, [])
                    if nearby.id not in replaced and codes & mine
                ][: repository.NEARBY_LIMIT]
                candidates += [
                    Nearby(0, e.public_id, e.lat, e.lon, list(e.names))
                    for e in earlier.inside(
                        repository.boxes_around(point.lat, point.lon, self.radius_m)
                    )
                    if mine.intersection(e.categories)
                ]
                result = score_duplicates(
                    point.lat,
                    point.lon,
                    wanted[n],
                    candidates,
                    radius_m=self.radius_m,
                    min_similarity=self.min_similarity,
                )
            found.append(result)
            if point.written:
                earlier.add(point)
                if point.replaces is not None:
                    replaced.add(point.replaces)
        return found


class _ByLatitude:
    """Points kept sorted by latitude, for box queries over a batch."""

    def __init__(self) -> None:
        self._lats: list[float] = []
        self._points: list[BatchPoint] = []

    def add(self, point: BatchPoint) -> None:
        at = bisect.bisect_right(self._lats, point.lat)
        self._lats.insert(at, point.lat)
        self._points.insert(at, point)

    def inside(self, boxes: Sequence[Box]) -> Iterator[BatchPoint]:
        """The points inside any of ``boxes`` (which share their latitudes)."""
        south, north = boxes[0][0], boxes[0][1]
        start = bisect.bisect_left(self._lats, south)
        end = bisect.bisect_right(self._lats, north)
        for point in self._points[start:end]:
            if any(w <= point.lon <= e for _, _, w, e in boxes):
                yield point
