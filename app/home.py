"""``GET /``: where to go from the root of the service.

A small index of links, as JSON (the default) or as an HTML page when the client prefers
``text/html`` (a browser). The relations are RFC 8631's (``service-desc`` for the OpenAPI
document, ``service-doc`` for the human documentation) and plain names for the rest. It is
not part of the API contract (outside ``/openapi.json``), and cacheable like any public GET
(``Vary: Accept``).
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from app.responses import CompactJSONResponse

__all__ = ["prefers_html", "router"]

router = APIRouter(include_in_schema=False)

MAX_ACCEPT_ITEMS = 32

# (relation, path, media type, title); documentation links come first and are only listed
# when the application serves them.
_API_LINKS = (
    ("console", "/console", "text/html", "Staff console: keep the data (log in)"),
    ("points", "/v1/points", "application/json", "Service points: near, in a viewport, by text"),
    ("categories", "/v1/categories", "application/json", "Categories of service points"),
    ("audiences", "/v1/audiences", "application/json", "Who a service is for"),
    ("languages", "/v1/languages", "application/json", "Languages of the service"),
    ("countries", "/v1/countries", "application/json", "Country information and entry rules"),
    ("where", "/v1/where", "application/json", "Where am I: country, time zone, emergency"),
    ("feedback-tags", "/v1/feedback-tags", "application/json", "Tags of travellers' feedback"),
    ("sync", "/v1/sync", "application/json", "Offline: snapshot and changes of a country"),
    ("keys", "/v1/keys", "application/json", "Public keys signing bundles and sync pages"),
    ("hsds", "/hsds/", "application/json", "Open Referral HSDS 3.1 API"),
    ("health", "/healthz", "application/json", "Liveness probe"),
    ("ready", "/readyz", "application/json", "Readiness probe"),
)


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type``: its most specific range wins
    (``type/subtype`` over ``type/*`` over ``*/*``); 0 when none matches."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for item in accept.split(",")[:MAX_ACCEPT_ITEMS]:
        media_range, *params = (part.strip().lower() for part in item.split(";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range)
        if specificity is None or specificity < best[0]:
            continue
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = min(max(float(param[2:]), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        best = (specificity, quality)
    return best[1]


def prefers_html(accept: str | None) -> bool:
    """Whether the client would rather have ``text/html`` than ``application/json``
    (ties go to JSON, the API's language)."""
    if not accept:
        return False
    return _quality(accept, "text/html") > _quality(accept, "application/json")


def _links(request: Request) -> list[dict[str, str]]:
    app = request.app
    links: list[dict[str, str]] = []
    if app.openapi_url:
        links.append(
            {
                "rel": "service-desc",
                "href": app.openapi_url,
                "type": "application/vnd.oai.openapi+json;version=3.1",
                "title": "OpenAPI document of this API",
            }
        )
    # Swagger UI is served from local files (app/apidocs.py), not by FastAPI's docs_url.
    docs_url = app.docs_url or ("/docs" if getattr(app.state, "docs_installed", False) else None)
    if docs_url:
        links.append(
            {
                "rel": "service-doc",
                "href": docs_url,
                "type": "text/html",
                "title": "Interactive API documentation",
            }
        )
    links += [
        {"rel": rel, "href": href, "type": media_type, "title": title}
        for rel, href, media_type, title in _API_LINKS
    ]
    return links


def _html(name: str, summary: str, links: list[dict[str, str]]) -> str:
    items = "\n".join(
        f'<li><a href="{escape(link["href"])}" rel="{escape(link["rel"])}">'
        f"{escape(link['href'])}</a>: {escape(link['title'])}</li>"
        for link in links
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(name)}</title></head>\n<body>\n<h1>{escape(name)}</h1>\n"
        f"<p>{escape(summary)}</p>\n<ul>\n{items}\n</ul>\n</body>\n</html>\n"
    )


@router.get("/", operation_id="getIndex", summary="Links to the documentation and the API")
def index(request: Request) -> Response:
    app = request.app
    links = _links(request)
    summary = app.summary or ""
    headers = {"Vary": "Accept"}
    if prefers_html(request.headers.get("accept")):
        return HTMLResponse(_html(app.title, summary, links), headers=headers)
    body: dict[str, Any] = {
        "name": app.title,
        "version": app.version,
        "summary": summary,
        "links": links,
    }
    return CompactJSONResponse(body, headers=headers)
