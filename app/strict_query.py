"""Strict query parameters: a ``/v1`` GET with a parameter its route does not declare is a 422.

A typo must not pass for a filter: ``?catgory=shelter`` used to answer every point, unfiltered.
There is no allow-list to keep in step: the known names of a route are the query parameters
FastAPI collects for it, its own and those of every dependency it uses (``lang`` comes with
the language dependency, ``near``/``bbox``/... with the point query), so a parameter added
to a route is known at once. The problem names each unknown parameter in ``errors``, with
the closest known name when there is one (``catgory`` -> ``category``).

HSDS routes (``/hsds``) follow their own specification and are not checked; neither are the
console's pages (``/console``), which are not the public API.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.errors import FieldError, ValidationProblem
from app.i18n.texts import Text

__all__ = ["known_query_names", "reject_unknown_query"]

_CHECKED_METHODS = frozenset({"GET", "HEAD"})
_CACHE_ATTRIBUTE = "rumbo_query_names"


def _query_names(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params:
        yield param.alias
    for child in dependant.dependencies:
        yield from _query_names(child)


def known_query_names(route: APIRoute) -> frozenset[str]:
    """Every query parameter ``route`` declares, directly or through its dependencies."""
    # Kept on the route itself (routes compare by value, so they cannot key a dict).
    found: frozenset[str] | None = getattr(route, _CACHE_ATTRIBUTE, None)
    if found is None:
        found = frozenset(_query_names(route.dependant))
        setattr(route, _CACHE_ATTRIBUTE, found)
    return found


async def reject_unknown_query(request: Request) -> None:
    """Router dependency: 422 naming the query parameters the matched route does not know."""
    if request.method not in _CHECKED_METHODS or not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = known_query_names(route)
    unknown = sorted({name for name in request.query_params if name not in known})
    if not unknown:
        return
    errors = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        detail = Text("query.unknown_hint", hint=close[0]) if close else Text("query.unknown")
        errors.append(FieldError(location="query", name=name[:100], detail=detail))
    raise ValidationProblem(errors=errors)
