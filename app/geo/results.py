"""What a search takes and gives back: the table it searches, its candidates and cursors.

Below both the backend interface (``app.geo.base``) and the corridor walk
(``app.geo.corridor``), so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause

__all__ = [
    "AlongCursor",
    "Candidate",
    "NearestCursor",
    "PostFilter",
    "RouteCandidate",
    "SearchDidNotEnd",
    "SpatialTable",
]

# Keeps the ids whose rows pass a test the database cannot evaluate (e.g. opening hours).
PostFilter = Callable[[Sequence[int]], set[int]]


@dataclass(frozen=True, slots=True)
class SpatialTable:
    """The table a backend searches, described by the domain that owns it: geo knows no
    domain. ``lat``/``lon`` are the coordinates searches may see (NULL when hidden);
    ``searchable`` keeps the rows a search may return. The names are the engine-side
    indexes kept beside the table: SQLite's R*Tree (``id``, ``min_lat``..``max_lon``,
    ``lat``, ``lon``) and FTS5 table (``rowid`` = id, ``search_text``), PostGIS's
    geography and ``tsvector`` columns on the table itself."""

    table: FromClause
    lat: Any
    lon: Any
    searchable: ColumnElement[bool]
    rtree: str
    fts: str
    geography: str
    search_vector: str

    @property
    def id(self) -> Any:
        return self.table.c.id


class SearchDidNotEnd(RuntimeError):
    """A search loop reached its hard cap on rounds. Each loop proves it ends well before
    (see the backends); this is the belt and braces, answered as a 500 with a correlation
    id rather than a thread spinning."""


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class NearestCursor:
    """Keyset position in a nearest-first listing: after (distance, id). ``span_m``, when
    known, is how far the previous page reached (last distance less first): a hint of where
    the next page ends, never needed for a right answer."""

    distance_m: float
    id: int
    span_m: float | None = None


@dataclass(frozen=True, slots=True)
class AlongCursor:
    """Keyset position along a route: after (along_m, id)."""

    along_m: float
    id: int


@dataclass(frozen=True, slots=True)
class RouteCandidate(Candidate):
    along_m: float = 0.0
    off_route_m: float = 0.0
