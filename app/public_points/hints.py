"""A hint for clients that page through wide viewports on ``/v1/points``: clusters or tiles
answer a zoomed-out map in one request, where points come 200 at a time."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from app.geo.sphere import BBox
from app.geo.tilegrid import MAX_ZOOM

__all__ = ["WIDE_VIEWPORT_DEG", "viewport_link", "zoom_for"]

# A viewport wider or taller than this (degrees, about 110 km) is a zoomed-out map.
WIDE_VIEWPORT_DEG = 1.0


def _width(box: BBox) -> float:
    return (box.max_lon - box.min_lon) % 360.0 or (360.0 if box.min_lon != box.max_lon else 0.0)


def zoom_for(box: BBox) -> int:
    """The zoom at which the box spans about four 256-pixel tiles across (a phone screen)."""
    span = max(_width(box), box.max_lat - box.min_lat, 1e-9)
    return max(0, min(MAX_ZOOM, math.floor(math.log2(360.0 / span)) + 1))


def viewport_link(box: BBox, filters: list[tuple[str, str]]) -> str | None:
    """A ``Link`` header value pointing at the clusters of a wide viewport and at the tiles,
    or None for a viewport a list of points serves well."""
    if _width(box) <= WIDE_VIEWPORT_DEG and box.max_lat - box.min_lat <= WIDE_VIEWPORT_DEG:
        return None
    bbox = f"{box.min_lon},{box.min_lat},{box.max_lon},{box.max_lat}"
    query = urlencode([("bbox", bbox), ("zoom", str(zoom_for(box))), *filters], safe=",")
    return (
        f'</v1/points/clusters?{query}>; rel="alternate"; title="clusters", '
        '</v1/tiles.json>; rel="alternate"; type="application/json"; title="vector tiles"'
    )
