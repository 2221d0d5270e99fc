"""The one interface both engines implement (the httpx transport pattern).

A backend is built for one :class:`~app.geo.results.SpatialTable` (the table it searches,
described by its owner); filters arrive as SQLAlchemy boolean clauses over that table, and a
backend only adds the spatial and text parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.geo.results import (
    AlongCursor,
    Candidate,
    NearestCursor,
    PostFilter,
    RouteCandidate,
    SearchDidNotEnd,
    SpatialTable,
)
from app.geo.route import Route
from app.geo.sphere import BBox

__all__ = [
    "Candidate",
    "NearestCursor",
    "PostFilter",
    "SearchBackend",
    "SearchDidNotEnd",
    "SpatialTable",
]


class SearchBackend(Protocol):
    """Spatial and full-text search over the rows of one table."""

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

    def text_match(self, session: Session, query: str) -> ColumnElement[bool]:
        """A clause true for points whose search document matches ``query`` (for a
        statement of ``session``'s transaction)."""
        ...

    def text_filter(self, session: Session, query: str) -> ColumnElement[bool]:
        """:meth:`text_match` for a statement that reads the whole table (HSDS lists, their
        counts): the matches found once, where :meth:`text_match` checks row by row."""
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
