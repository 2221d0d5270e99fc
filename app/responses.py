"""Compact JSON responses (orjson) used by every public route."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

__all__ = ["GEOJSON_MEDIA_TYPE", "CompactJSONResponse", "GeoJSONResponse", "dump_json"]

GEOJSON_MEDIA_TYPE = "application/geo+json"


def dump_json(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class CompactJSONResponse(JSONResponse):
    """JSON without insignificant whitespace."""

    def render(self, content: Any) -> bytes:
        return dump_json(content)


class GeoJSONResponse(CompactJSONResponse):
    media_type = GEOJSON_MEDIA_TYPE
