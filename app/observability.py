"""Logging that never records who or where a user is.

The access log keeps method, route, status and duration. Query strings are logged only
with search centres and viewports coarsened to one decimal (about 11 km), a user's own
position (``lat``/``lon``, e.g. "where am I?") and a route (``route``) dropped entirely,
free text replaced by its length, and vector tiles above zoom 10 logged as their zoom-10
parent (a tile at zoom 15 is a few city blocks); client addresses are never logged.
"""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "configure_logging", "redact_path", "redact_query"]

log = logging.getLogger("rumbo.access")

_COORD_KEYS = {"near", "bbox"}
_DROPPED_KEYS = {"lat", "lon", "route"}
_TEXT_KEYS = {"q", "comment", "token", "password", "api_key", "refresh_token", "code"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _coarsen(value: str) -> str:
    return _NUMBER.sub(lambda m: f"{round(float(m.group()), 1):.1f}", value)


_TILE = re.compile(r"^/v1/tiles/(\d{1,8})/(\d{1,8})/(\d{1,8})\.mvt$")
_MAX_LOGGED_TILE_ZOOM = 10


def redact_path(path: str) -> str:
    """A path safe to log: a tile above zoom 10 becomes its zoom-10 parent."""
    found = _TILE.match(path)
    if found is None:
        return path
    z, x, y = (int(g) for g in found.groups())
    if z <= _MAX_LOGGED_TILE_ZOOM:
        return path
    shift = z - _MAX_LOGGED_TILE_ZOOM
    return f"/v1/tiles/{_MAX_LOGGED_TILE_ZOOM}/{x >> shift}/{y >> shift}.mvt"


def redact_query(query: str) -> str:
    """A query string safe to log: coordinates coarsened, free text and secrets hidden."""
    if not query:
        return ""
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True)[:32]:
        if key in _DROPPED_KEYS:
            pairs.append((key, "<hidden>"))
        elif key in _COORD_KEYS:
            pairs.append((key, _coarsen(value)[:64]))
        elif key in _TEXT_KEYS:
            pairs.append((key, f"<{len(value)} chars>"))
        else:
            pairs.append((key, value[:64]))
    return urlencode(pairs, safe=",<> ")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    # Uvicorn's own access log prints raw query strings and client addresses: off.
    logging.getLogger("uvicorn.access").disabled = True


class AccessLog:
    """Pure ASGI access log (method, path, redacted query, status, duration): it adds no
    task, stream or copy to a request, and costs nothing when INFO is off."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before it starts a response

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            log.info(
                "%s %s%s %s %.1fms",
                scope.get("method", ""),
                redact_path(scope.get("path", "")),
                f"?{query}" if query else "",
                status,
                elapsed_ms,
            )
