"""The index imports need on ``service_point``: candidates for the duplicate check.

A B-tree on (lat, lon) finds every point in a 50 m box on both engines, drafts included;
the search backends' spatial indexes hold public points only. Declared here against the
service_point table (whose module another domain owns) so models and migrations agree.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.service_points.models import ServicePoint

__all__ = ["LAT_LON_INDEX"]

_sp = ServicePoint.__table__
LAT_LON_INDEX = Index("ix_service_point_lat_lon", _sp.c.lat, _sp.c.lon)
