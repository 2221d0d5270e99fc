"""``/docs``: the interactive API reference, served entirely from this server.

Swagger UI's files come from the ``fastapi-offline`` package (MIT; it ships Swagger UI's
``swagger-ui-bundle.js`` and ``swagger-ui.css``, Apache-2.0), so the page loads nothing from
a CDN; FastAPI's own ``/docs`` and ``/redoc`` (CDN scripts, inline script) are turned off.
The page runs under a strict Content-Security-Policy: scripts and styles from this origin
only, no inline script, no framing.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["CSP", "install_docs"]

ASSETS = Path(fastapi_offline.__file__).parent / "static"
PREFIX = "/docs/assets"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rumbo API</title>
<link rel="icon" type="image/png" href="{PREFIX}/favicon.png">
<link rel="stylesheet" href="{PREFIX}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{PREFIX}/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""

_START = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> Response:
    return Response(
        _PAGE,
        media_type="text/html",
        headers={
            "Content-Security-Policy": CSP,
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/docs/start.js")
def start_script() -> Response:
    return Response(_START, media_type="text/javascript")


def install_docs(app: FastAPI) -> None:
    """``/docs`` and its assets (the app is created with ``docs_url=None, redoc_url=None``)."""
    app.include_router(router)
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")
    app.state.docs_installed = True  # the index (app/home.py) links to it
