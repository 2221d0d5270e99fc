"""Places in a query string: a ``lat,lon`` pair and a bounding box, parsed and checked
into geometry, with every problem named as a field error (the point search, maps, alerts,
service areas and the offline bundles take them)."""

from __future__ import annotations

import math

from app.errors import FieldError
from app.geo.sphere import BBox
from app.i18n.texts import Text

__all__ = ["parse_bbox", "parse_lat_lon"]


def _finite(raw: str, name: str, errors: list[FieldError]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        errors.append(
            FieldError(location="query", name=name, detail=Text("number.invalid", value=raw[:40]))
        )
        return None
    if not math.isfinite(value):
        errors.append(FieldError(location="query", name=name, detail=Text("number.not_finite")))
        return None
    return value


def parse_lat_lon(raw: str, name: str, errors: list[FieldError]) -> tuple[float, float] | None:
    """``"lat,lon"`` in range, or None with the reasons appended to ``errors``."""
    parts = raw.split(",")
    if len(parts) != 2:
        errors.append(FieldError(location="query", name=name, detail=Text("near.format")))
        return None
    lat = _finite(parts[0], name, errors)
    lon = _finite(parts[1], name, errors)
    if lat is None or lon is None:
        return None
    if not -90 <= lat <= 90:
        errors.append(FieldError(location="query", name=name, detail=Text("near.latitude")))
    if not -180 <= lon <= 180:
        errors.append(FieldError(location="query", name=name, detail=Text("near.longitude")))
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def parse_bbox(raw: str, errors: list[FieldError]) -> BBox | None:
    """``"min_lon,min_lat,max_lon,max_lat"`` in range (west may exceed east: the box crosses
    the antimeridian), or None with the reasons appended to ``errors``."""
    parts = raw.split(",")
    if len(parts) != 4:
        errors.append(FieldError(location="query", name="bbox", detail=Text("bbox.format")))
        return None
    values = [_finite(p, "bbox", errors) for p in parts]
    if any(v is None for v in values):
        return None
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in values)  # type: ignore[arg-type]
    problems = []
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        problems.append(Text("bbox.longitudes"))
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        problems.append(Text("bbox.latitudes"))
    if min_lat > max_lat:
        problems.append(Text("bbox.lat_order"))
    for detail in problems:
        errors.append(FieldError(location="query", name="bbox", detail=detail))
    # min_lon > max_lon is allowed: the box crosses the antimeridian.
    return None if problems else BBox(min_lon, min_lat, max_lon, max_lat)
