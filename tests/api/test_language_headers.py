"""Every route of the app, walked: a cacheable answer whose body depends on the reader's
language says so with ``Vary: Accept-Language`` and a ``Content-Language``, so a shared
cache never hands one reader a body written for another (app/web/languages.py owns the
headers).

A route's body depends on language when it negotiates one (``LangDep``) or when its body
changes with ``Accept-Language``. A new GET route with a path parameter or a required query
parameter needs an example below; the test says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from app.web.languages import get_language_preference

LANGUAGES = ("fr", "es")
# Required query parameters, by route path.
QUERY_EXAMPLES: dict[str, dict[str, str]] = {
    "/v1/where": {"lat": "8.52", "lon": "-82.80"},
    "/v1/countries/{code}/entry": {"nationality": "HT"},
    "/v1/points/clusters": {"bbox": "-92,-5,-70,15", "zoom": "5"},
    "/console/api/opening-hours": {"expression": "Mo-Fr 08:00-17:00"},
}
# Path parameters: fixed values, or "list URL -> first item's id".
FIXED_PATH_EXAMPLES = {"code": "CO", "country": "PA", "format": "geojson"}
ID_SOURCES = {
    "/v1/points/{point_id}": "/v1/points?limit=1",
    "/v1/points/{point_id}/history": "/v1/points?limit=1",
    "/v1/points/{point_id}/feedback": "/v1/points?limit=1",
    "/v1/alerts/{alert_id}": "/v1/alerts",
    "/v1/area-services/{area_service_id}": "/v1/area-services",
    "/hsds/services/{id}": "/hsds/services?per_page=1",
    "/hsds/service_at_locations/{id}": "/hsds/service_at_locations?per_page=1",
    "/hsds/organizations/{id}": "/hsds/organizations?per_page=1",
    "/hsds/taxonomies/{id}": "/hsds/taxonomies?per_page=1",
    "/hsds/taxonomy_terms/{id}": "/hsds/taxonomy_terms?per_page=1",
}
# Routes that need a staff credential or a token answer 401/404 without one: never cached.
PLACEHOLDER = "0"


def _routes(routes: list[BaseRoute]) -> Iterator[Any]:
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if candidates is not None:  # FastAPI's included routers
            yield from _routes(candidates())
        else:
            yield route


def get_routes(app: FastAPI) -> list[tuple[str, Any]]:
    """Every GET route of ``app`` (path, route), static mounts aside."""
    found = []
    for route in _routes(app.routes):
        original = getattr(route, "original_route", route)
        methods = getattr(route, "methods", None) or getattr(original, "methods", None) or set()
        if "GET" in methods:
            found.append((route.path, original))
    return found


def _query_params(dependant: Any) -> list[Any]:
    found = list(dependant.query_params)
    for child in dependant.dependencies:
        found.extend(_query_params(child))
    return found


def _negotiates(route: Any) -> bool:
    if not isinstance(route, APIRoute):
        return False
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is get_language_preference:
            return True
        pending.extend(dependant.dependencies)
    return False


def _first_id(client: TestClient, url: str) -> str:
    body = client.get(url).json()
    items = (body.get("items") or body.get("contents") or []) if isinstance(body, dict) else body
    return str(items[0]["id"]) if items else PLACEHOLDER


def _urls(client: TestClient, path: str, route: Any) -> list[str]:
    url = path
    for name in [part[1:-1].split(":")[0] for part in path.split("/") if "{" in part]:
        if path in ID_SOURCES:
            value = _first_id(client, ID_SOURCES[path])
        elif name in FIXED_PATH_EXAMPLES:
            value = FIXED_PATH_EXAMPLES[name]
        elif path == "/hsds/schemas/{folder}/{name}":
            value = {"folder": "compiled", "name": "service.json"}[name]
        else:
            value = PLACEHOLDER
        url = url.replace("{" + name + "}", value).replace("{" + name + ":path}", value)
    params = dict(QUERY_EXAMPLES.get(path, {}))
    if isinstance(route, APIRoute):
        declared = _query_params(route.dependant)
        missing = [p.alias for p in declared if p.field_info.is_required()]
        assert set(missing) <= set(params), f"add an example of {missing} for {path}"
        formats = [p for p in declared if p.alias == "format"]
    else:
        formats = []
    query = "&".join(f"{k}={v}" for k, v in params.items())
    urls = [f"{url}?{query}" if query else url]
    if formats:  # each representation is its own cached answer
        urls.append(f"{url}?{query + '&' if query else ''}format=ndjson")
    return urls


def _cacheable(headers: Any) -> bool:
    control = headers.get("cache-control", "").lower()
    if "no-store" in control:
        return False
    return "public" in control or "max-age" in control or "etag" in headers


def _vary(headers: Any) -> set[str]:
    return {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}


def test_every_cacheable_language_dependent_answer_varies_on_language(
    app: FastAPI, client: TestClient
) -> None:
    checked: list[str] = []
    wrong: list[str] = []
    for path, route in get_routes(app):
        for url in _urls(client, path, route):
            answers = [client.get(url, headers={"Accept-Language": lang}) for lang in LANGUAGES]
            ok = [a for a in answers if a.status_code == 200]
            if not ok or not any(_cacheable(a.headers) for a in ok):
                continue
            depends = _negotiates(route) or len({a.content for a in ok}) > 1
            if not depends:
                continue
            checked.append(url)
            for lang, answer in zip(LANGUAGES, answers, strict=True):
                if answer.status_code != 200 or not _cacheable(answer.headers):
                    continue
                if "accept-language" not in _vary(answer.headers):
                    wrong.append(f"{url} [{lang}]: Vary {answer.headers.get('vary')!r}")
                if not answer.headers.get("content-language"):
                    wrong.append(f"{url} [{lang}]: no Content-Language")
    assert not wrong, "\n".join(wrong)
    # The walk reached the language-dependent families of the API, streams included.
    for expected in ("/v1/points", "/v1/categories", "/hsds/services?format=ndjson"):
        assert expected in checked, expected


@pytest.mark.parametrize("url", ["/hsds/services?format=ndjson", "/hsds/organizations"])
def test_a_not_modified_answer_keeps_the_language_vary(client: TestClient, url: str) -> None:
    first = client.get(url, headers={"Accept-Language": "fr"})
    etag = first.headers.get("etag")
    if etag is None:
        pytest.skip("streamed: no ETag")
    again = client.get(url, headers={"Accept-Language": "fr", "If-None-Match": etag})
    assert again.status_code == 304
    assert "accept-language" in _vary(again.headers)


def test_a_route_walk_finds_the_routers_included_by_the_app(app: FastAPI) -> None:
    paths = {path for path, _ in get_routes(app)}
    assert {"/v1/points", "/hsds/services", "/v1/sync", "/console/login"} <= paths
