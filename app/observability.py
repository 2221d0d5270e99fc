"""Logging that never records who or where a user is.

The access log keeps method, route, status and duration. Query strings are logged through
one rule table (``QUERY_RULES``) that gives every query parameter of every router (``/v1``,
``/hsds``, the console) a kind:

- ``PLAIN``: paging, filters and switches, logged as sent (cut to 64 characters);
- ``AREA``: search centres and viewports (``near``, ``bbox``, HSDS ``proximity``),
  coarsened to one decimal (about 11 km);
- ``POSITION``: a user's own position (``lat``/``lon`` of "where am I?", a postcode): hidden;
- ``PERSON``: what says who the user is (``nationality``, the ``audience`` they belong to):
  hidden;
- ``TEXT``: free text (``q``, ``search``, ...) and secrets: replaced by its length.

A parameter missing from the table is logged as ``TEXT`` (its length only): a new parameter
stays private until someone decides it is not. Client addresses are never logged.

A route (``route``) is hidden like a position, and vector tiles above zoom 10 are logged as
their zoom-10 parent (a tile at zoom 15 is a few city blocks).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.request_id import RequestIdFilter

__all__ = [
    "QUERY_RULES",
    "AccessLog",
    "JsonFormatter",
    "Kind",
    "configure_logging",
    "redact_path",
    "redact_query",
]

log = logging.getLogger("rumbo.access")


class Kind(enum.Enum):
    PLAIN = "plain"
    AREA = "area"
    POSITION = "position"
    PERSON = "person"
    TEXT = "text"


QUERY_RULES: dict[str, Kind] = {
    **dict.fromkeys(("near", "bbox", "proximity"), Kind.AREA),
    **dict.fromkeys(("lat", "lon", "postcode", "route"), Kind.POSITION),
    **dict.fromkeys(("nationality", "audience"), Kind.PERSON),
    **dict.fromkeys(
        (
            "q",
            "search",
            "expression",
            "comment",
            "token",
            "password",
            "api_key",
            "refresh_token",
            "code",
            "email",
            "next",
        ),
        Kind.TEXT,
    ),
    **dict.fromkeys(
        (
            "actor",
            "at",
            "category",
            "corridor",
            "country",
            "curated",
            "cursor",
            "default_category",
            "dry_run",
            "entity",
            "format",
            "free",
            "full",
            "full_service",
            "has_comment",
            "held",
            "include_deleted",
            "include_drafts",
            "kind",
            "lang",
            "limit",
            "minimal",
            "modified_after",
            "open_now",
            "organization",
            "organization_id",
            "other_languages",
            "page",
            "parent_id",
            "per_page",
            "point",
            "radius",
            "scope",
            "since",
            "spoken_language",
            "status",
            "tag",
            "taxonomy_id",
            "taxonomy_term_id",
            "top_only",
            "v",
            "verified_since",
            "view",
            "zoom",
        ),
        Kind.PLAIN,
    ),
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _coarsen(value: str) -> str:
    return _NUMBER.sub(lambda m: f"{round(float(m.group()), 1):.1f}", value)


def _logged(kind: Kind, value: str) -> str:
    if kind is Kind.PLAIN:
        return value[:64]
    if kind is Kind.AREA:
        return _coarsen(value)[:64]
    if kind is Kind.TEXT:
        return f"<{len(value)} chars>"
    return "<hidden>"


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
    """A query string safe to log, by ``QUERY_RULES`` (see the module docstring)."""
    if not query:
        return ""
    pairs = [
        # An unknown parameter's name may be free text too: only known names are logged.
        (key if key in QUERY_RULES else "_", _logged(QUERY_RULES.get(key, Kind.TEXT), value))
        for key, value in parse_qsl(query, keep_blank_values=True)[:32]
    ]
    return urlencode(pairs, safe=",<> ")


# Attributes every LogRecord has: what is not among them was passed with ``extra=``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the
    structured fields of the record (the access log's method, path, query, status...)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(level: str, fmt: str = "text") -> None:
    """Root logging in ``text`` (one readable line) or ``json`` (one object per line)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Uvicorn's own access log prints raw query strings and client addresses: off.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every URL it calls at INFO (push services' endpoints are capabilities;
    # a test client's URLs are a traveller's query strings): warnings only.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


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
            method, path = scope.get("method", ""), redact_path(scope.get("path", ""))
            log.info(
                "%s %s%s %s %.1fms",
                method,
                path,
                f"?{query}" if query else "",
                status,
                elapsed_ms,
                extra={
                    "method": method,
                    "path": path,
                    "query": query,
                    "status": status,
                    "duration_ms": round(elapsed_ms, 1),
                },
            )
