"""The hot path in front of ``GET /v1/points`` and ``GET /v1/points/{id}``.

:func:`install` wraps the two routes' ASGI apps: a request the stored documents can answer
is parsed by one function (:func:`app.documents.query.parse_query`), searched and spliced
in one thread-pool call, and answered with the bytes (``route``, ``open_now=true`` and ``at``
included: the documents hold each point's hours precomputed); every other request (an
unusual or invalid parameter, another spelling of ``open_now`` or ``at``, a
GeoJSON ``Accept``, several languages in ``Accept-Language``, documents built with another
default language or not built) goes on to the route as FastAPI declares it, which answers
exactly as before. The routes, their
parameters and the OpenAPI document are unchanged.

Whatever the hot path answers equals what the route answers (tests/documents): it sets the
same ``Content-Language``, ``Vary`` and ``Link`` headers and ``request.state.language``,
and the middleware (ETag and 304, compression, budgets, access log) sees the response as
it sees the route's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.budget import BudgetExceeded
from app.db import Database, reads_primary
from app.documents import search
from app.documents.building import built_default_language
from app.documents.query import lean_query, parse_query
from app.errors import Problem
from app.http_cache import version_etag
from app.i18n.negotiation import LanguagePreference, negotiate
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.maps.refresh import grid_of
from app.metrics import count_hot_path_handover, observe_search
from app.public_points import item as points_item
from app.public_points.hints import viewport_link
from app.public_points.service import PageOut
from app.raw_reads import lean_session
from app.responses import GEOJSON_MEDIA_TYPE

__all__ = ["install", "parse_query"]  # parse_query: app/documents/query.py

T = TypeVar("T")
_log = logging.getLogger(__name__)

_MAP_FILTERS = ("category", "audience", "spoken_language", "country", "free", "lang")
_BUILT_TTL_S = 30.0


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _preference(request: Request, lang: str | None) -> tuple[LanguagePreference, str] | None:
    """The request's languages, as the language dependency resolves them, and the stored
    documents' key for them: ``""`` for none named, the tag for one enabled language."""
    supported: frozenset[str] | None = request.app.state.languages.cached()
    if supported is None:
        return None
    tag = None
    if lang is not None:
        try:
            tag = normalise_tag(lang)
        except InvalidLanguageTag:
            return None
    accept = (_header(request.scope, b"accept-language") or "")[:1000] or None
    pref = negotiate(
        lang=tag,
        accept_language=accept,
        default=request.app.state.settings.default_language,
        supported=supported,
    )
    if not pref.requested:
        return pref, ""
    if len(pref.requested) == 1 and pref.requested[0] in supported:
        return pref, pref.requested[0]
    return None


def _built_as_configured(request: Request, session: Any) -> bool:
    """Whether the stored documents were built with this server's default language (read
    again every half minute: ``rumbo documents rebuild`` runs without a restart)."""
    state = request.app.state
    found: tuple[float, str | None] | None = getattr(state, "documents_built", None)
    now = time.monotonic()
    if found is None or now - found[0] > _BUILT_TTL_S:
        found = (now, built_default_language(session.connection()))
        state.documents_built = found
    wanted: str = state.settings.default_language
    return found[1] == wanted


def _readers(request: Request) -> anyio.CapacityLimiter:
    """The route's limiter of searches at once (shared with it: one pool of connections)."""
    limiter: anyio.CapacityLimiter = request.app.state.point_readers  # made by create_app
    return limiter


async def _in_thread(request: Request, call: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(call, limiter=_readers(request))


@contextlib.contextmanager
def _plain_session(maker: sessionmaker[Session]) -> Iterator[Session]:
    with maker() as session:
        yield session


def _stale_after(request: Request) -> dt.timedelta:
    return dt.timedelta(days=request.app.state.settings.stale_after_days)


def _headers(languages: list[str]) -> dict[str, str]:
    return {
        "Content-Language": ", ".join(languages),
        "Vary": "Accept, Accept-Language, Accept-Encoding",
    }


def _usable(scope: Scope) -> bool:
    if getattr(scope.get("app"), "state", None) is None:
        return False
    accept = _header(scope, b"accept")
    return not (accept and GEOJSON_MEDIA_TYPE in accept)


def _enabled(request: Request) -> bool:
    return getattr(request.app.state, "documents_disabled", False) is not True


async def _search(request: Request) -> Response | None:
    query = parse_query(request)
    if query is None:
        return None
    resolved = _preference(request, request.query_params.get("lang"))
    if resolved is None:
        return None
    pref, key = resolved
    database: Database = request.app.state.database
    grid = grid_of(request.app.state) if query.route is not None else None
    stale_after = _stale_after(request)
    primary = reads_primary(request)

    maker = database.reader(primary=primary)
    # A plain spatial page reads through one connection's cursor (app/raw_reads.py); on
    # SQLite, whose reads are short and never wait for a lock, on the event loop itself
    # (no hand-off to a worker thread and back).
    lean = lean_query(query) or search.lean_route(query, grid)
    sessions = lean_session if lean else _plain_session

    def run() -> PageOut | None:
        with observe_search(query.mode, database.dialect), sessions(maker) as session:
            if not _built_as_configured(request, session):
                return None
            return search.search_page(
                session,
                request.app.state.search,
                query,
                pref=pref,
                key=key,
                stale_after=stale_after,
                grid=grid,
            )

    request.state.language = pref
    # A text page stays off the event loop: a word read as its prefix (app/geo/fts_terms.py)
    # or a data version's first look at its terms may take milliseconds.
    on_loop = lean and database.dialect == "sqlite" and not query.q
    page = run() if on_loop else await _in_thread(request, run)
    if page is None:
        return None
    headers = _headers(page.languages)
    if query.bbox is not None:
        filters = [(k, v) for k, v in request.query_params.multi_items() if k in _MAP_FILTERS]
        hint = viewport_link(query.bbox, filters)
        if hint:
            headers["Link"] = hint
    return Response(page.body(), media_type="application/json", headers=headers)


async def _detail(request: Request) -> Response | None:
    public_id = request.url.path[len(_DETAIL_PREFIX) :]
    params = request.query_params
    if not public_id or len(public_id) > 36:
        return None
    if any(name != "lang" for name in params) or len(params.getlist("lang")) > 1:
        return None
    lang = params.get("lang")
    if lang is not None and len(lang) > 35:
        return None
    resolved = _preference(request, lang)
    if resolved is None:
        return None
    pref, key = resolved
    database: Database = request.app.state.database
    stale_after = _stale_after(request)
    primary = reads_primary(request)

    def run() -> points_item.PointItem | None:
        with database.reader(primary=primary)() as session:
            if not _built_as_configured(request, session):
                return None
            return search.get_item(session, public_id, pref=pref, key=key, stale_after=stale_after)

    request.state.language = pref
    item = await _in_thread(request, run)
    if item is None:
        return None
    headers = _headers([item.lang])
    headers["ETag"] = version_etag(item.version, item.body)
    return Response(item.body, media_type="application/json", headers=headers)


async def _as_handled(request: Request, exc: Exception) -> Response:
    """The app's answer to ``exc``, as its exception handlers give it for the route (this
    middleware runs outside the router's handling of exceptions)."""
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            answered: Response = await handler(request, exc)
            return answered
    raise exc


class DocumentsHotPath:
    """The innermost middleware: answers the searches and details the stored documents
    can answer, hands everything else to the app's router. A problem on the way (a bad
    cursor, an unknown category) hands the request on too: the route then answers it as it
    always has, with its own problem. A request over its time budget or a database that
    cannot answer is not tried twice: the app's handlers answer it (503) as they would the
    route's. Anything else unexpected is logged and counted, and the route answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            serve = _serving(scope["path"])
            if serve is not None and _usable(scope):
                request = Request(scope, receive)
                if _enabled(request):
                    try:
                        response = await serve(request)
                    except BudgetExceeded as exc:
                        response = await _as_handled(request, exc)
                    except DBAPIError as exc:
                        if exc.connection_invalidated or isinstance(exc, OperationalError):
                            # Down, locked or over its budget: the route would be too.
                            response = await _as_handled(request, exc)
                        else:
                            _log.warning("hot path handed %s on", scope["path"], exc_info=True)
                            count_hot_path_handover("error")
                            response = None
                    except Problem:  # the route answers it, with its own words
                        _log.debug("hot path handed %s on", scope["path"], exc_info=True)
                        count_hot_path_handover("problem")
                        response = None
                    except Exception:
                        _log.warning("hot path handed %s on", scope["path"], exc_info=True)
                        count_hot_path_handover("error")
                        response = None
                    if response is not None:
                        # What the router would have matched: metrics count by template.
                        scope["route"] = _TEMPLATES[serve]
                        await response(scope, receive, send)
                        return
        await self.app(scope, receive, send)


_SEARCH_PATH = "/v1/points"
_DETAIL_PREFIX = "/v1/points/"


def _serving(path: str) -> Callable[[Request], Any] | None:
    if path == _SEARCH_PATH:
        return _search
    if path.startswith(_DETAIL_PREFIX) and "/" not in path[len(_DETAIL_PREFIX) :]:
        return _detail
    return None


@dataclass(frozen=True, slots=True)
class _Template:
    """Stands for the route the hot path answered for (``path`` is its template)."""

    path: str


_TEMPLATES: dict[Callable[[Request], Any], _Template] = {
    _search: _Template(_SEARCH_PATH),
    _detail: _Template(_DETAIL_PREFIX + "{point_id}"),
}


def install(app: FastAPI) -> None:
    """Put the hot path in front of the point search and the point detail (call before
    any other ``add_middleware``: it must be the innermost, inside ETags, compression,
    budgets and the access log)."""
    app.add_middleware(DocumentsHotPath)
    # A switch for side-by-side measurements (bench/documents_bench.py) and for operators:
    # RUMBO_DOCUMENTS_HOT_PATH=off serves every request through the rendering path.
    app.state.documents_disabled = os.environ.get("RUMBO_DOCUMENTS_HOT_PATH", "on") == "off"
