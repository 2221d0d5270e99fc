"""The one interface both engines implement (the httpx transport pattern).

Filters arrive as SQLAlchemy boolean clauses over the ``service_point`` table, built by
the service points repository; a backend only adds the spatial and text parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.geo.sphere import BBox

if TYPE_CHECKING:
    from app.geo.corridor import AlongCursor, RouteCandidate
    from app.geo.route import Route

__all__ = ["Candidate", "NearestCursor", "PostFilter", "SearchBackend", "SearchDidNotEnd"]

# Keeps the ids whose rows pass a test the database cannot evaluate (e.g. opening hours).
PostFilter = Callable[[Sequence[int]], set[int]]


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


class SearchBackend(Protocol):
    """Spatial and full-text search over public service points."""

    name: str

    def nearest(
        self,
        session: Session,
        *,
        lat: float,
        lon: float,
        radius_m: float,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: NearestCursor | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[Candidate]:
        """Up to ``limit`` points within ``radius_m``, nearest first (ties by id)."""
        ...

    def within(
        self,
        session: Session,
        *,
        bbox: BBox,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: NearestCursor | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[Candidate]:
        """Up to ``limit`` points inside ``bbox``, nearest to its centre first (ties by id):
        the middle of the map first, and every page costs what a nearest search costs."""
        ...

    def along(
        self,
        session: Session,
        *,
        route: Route,
        corridor_m: float,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: AlongCursor | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[RouteCandidate]:
        """Up to ``limit`` points within ``corridor_m`` of ``route``, in order along it
        (ties by id); see ``app.geo.corridor``."""
        ...

    def text_match(self, query: str) -> ColumnElement[bool]:
        """A clause true for points whose search document matches ``query``."""
        ...

    def text_ids(
        self,
        session: Session,
        query: str,
        *,
        where: Sequence[ColumnElement[bool]],
        after_id: int | None,
        limit: int,
    ) -> list[int]:
        """Up to ``limit`` visible points matching ``query`` (and ``where``), by id."""
        ...
