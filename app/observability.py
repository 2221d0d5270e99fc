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
"""

from __future__ import annotations

import enum
import logging
import re
import time
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["QUERY_RULES", "AccessLog", "Kind", "configure_logging", "redact_query"]

log = logging.getLogger("rumbo.access")


class Kind(enum.Enum):
    PLAIN = "plain"
    AREA = "area"
    POSITION = "position"
    PERSON = "person"
    TEXT = "text"


QUERY_RULES: dict[str, Kind] = {
    **dict.fromkeys(("near", "bbox", "proximity"), Kind.AREA),
    **dict.fromkeys(("lat", "lon", "postcode"), Kind.POSITION),
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
            "verified_since",
            "view",
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
                scope.get("path", ""),
                f"?{query}" if query else "",
                status,
                elapsed_ms,
            )
