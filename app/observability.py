"""Logging that never records who or where a user is.

The access log keeps method, route, status and duration. Query strings are logged only
with search centres and viewports coarsened to one decimal (about 11 km), a user's own
position (``lat``/``lon``, e.g. "where am I?") dropped entirely, and free text replaced by
its length; client addresses are never logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["access_log_middleware", "configure_logging", "redact_query"]

log = logging.getLogger("rumbo.access")

_COORD_KEYS = {"near", "bbox"}
_DROPPED_KEYS = {"lat", "lon"}
_TEXT_KEYS = {"q", "comment", "token", "password", "api_key", "refresh_token", "code"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _coarsen(value: str) -> str:
    return _NUMBER.sub(lambda m: f"{round(float(m.group()), 1):.1f}", value)


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


async def access_log_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    if log.isEnabledFor(logging.INFO):
        elapsed_ms = (time.perf_counter() - started) * 1000
        query = redact_query(request.url.query)
        log.info(
            "%s %s%s %s %.1fms",
            request.method,
            request.url.path,
            f"?{query}" if query else "",
            response.status_code,
            elapsed_ms,
        )
    return response
