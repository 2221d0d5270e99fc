"""Who may see a point: the three rules, named once, and used by every site that asks.

- **searchable**: a search (the public list, maps, the offline bundles, the spatial and
  text indexes) returns the point: published or temporarily closed, not deleted.
- **readable**: the public may read the point by its id (``/v1/points/{id}``, feedback,
  tasks): any status but a draft, not deleted; a permanently closed point still answers so
  travellers learn it closed.
- **HSDS-visible**: the HSDS API and exports list the point: published, temporarily or
  permanently closed (:data:`~app.service_points.models.PUBLIC_STATUSES`), not deleted;
  the same set as *readable*, spelled as a list of statuses.

Each rule is a SQL clause over a given table (the ``service_point`` table by default, or
an alias of it) and a predicate over a loaded point.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause

from app.geo.results import SpatialTable
from app.service_points.models import PUBLIC_STATUSES, PointStatus, ServicePoint

__all__ = [
    "HSDS_STATUSES",
    "SEARCHABLE_STATUSES",
    "SEARCH_TABLE",
    "hsds_visible",
    "is_hsds_visible",
    "is_readable",
    "is_searchable",
    "readable",
    "searchable",
]

_sp = ServicePoint.__table__
SEARCHABLE_STATUSES: tuple[str, ...] = (
    PointStatus.published.value,
    PointStatus.temporarily_closed.value,
)
HSDS_STATUSES: tuple[str, ...] = tuple(s.value for s in PUBLIC_STATUSES)
_DRAFT = PointStatus.draft.value


def searchable(table: FromClause = _sp) -> ColumnElement[bool]:
    """Points a search returns: published or temporarily closed, not deleted."""
    return table.c.status.in_(SEARCHABLE_STATUSES) & table.c.deleted_at.is_(None)


def readable(table: FromClause = _sp) -> ColumnElement[bool]:
    """Points the public may read by id: not a draft, not deleted."""
    return (table.c.status != _DRAFT) & table.c.deleted_at.is_(None)


def hsds_visible(table: FromClause = _sp) -> ColumnElement[bool]:
    """Points HSDS shows: published, temporarily or permanently closed; never drafts."""
    return table.c.status.in_(HSDS_STATUSES) & table.c.deleted_at.is_(None)


def is_searchable(point: Any) -> bool:
    """:func:`searchable` for a loaded point (anything with ``status`` and ``deleted_at``)."""
    return point.deleted_at is None and point.status in SEARCHABLE_STATUSES


def is_readable(point: Any) -> bool:
    """:func:`readable` for a loaded point."""
    return point.deleted_at is None and point.status != _DRAFT


def is_hsds_visible(point: Any) -> bool:
    """:func:`hsds_visible` for a loaded point."""
    return point.deleted_at is None and point.status in HSDS_STATUSES


# What the spatial and text backends search (``app.geo``): the public coordinates (NULL
# when hidden, ``app.service_points.precision``) of the searchable points, and the indexes
# the migrations keep beside the table.
SEARCH_TABLE = SpatialTable(
    table=_sp,
    lat=_sp.c.public_lat,
    lon=_sp.c.public_lon,
    searchable=searchable(),
    rtree="service_point_rtree",
    fts="service_point_fts",
    geography="geog",
    search_vector="search_vector",
)
