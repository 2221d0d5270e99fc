"""The application factory: ``create_app(settings)`` builds everything, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import schema
from app.db import Database
from app.errors import install_error_handlers
from app.geo import backend_for
from app.health import router as health_router
from app.languages.router import router as languages_router
from app.languages.service import LanguageCatalog
from app.limits import RequestLimits
from app.observability import access_log_middleware, configure_logging
from app.responses import CompactJSONResponse
from app.service_points.router import router as points_router
from app.settings import Settings, get_settings
from app.taxonomy.router import router as taxonomy_router

__all__ = ["create_app"]

DESCRIPTION = """
Rumbo gives people on the move truthful, timely and safe information: where the nearest
shelter, health post, migration office, legal aid or water point is, whether it is open now,
and what other travellers report. Every text is translatable; every answer says the language
it was served in. Errors are RFC 9457 `application/problem+json`.
"""

ROUTERS = [
    health_router,
    points_router,
    taxonomy_router,
    languages_router,
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production_ready()
    configure_logging(settings.log_level)
    database = Database(settings.database_url, settings.read_replica_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(
        title="Rumbo API",
        version="1.0.0",
        summary="Service points, country information and feedback for people on the move",
        description=DESCRIPTION,
        default_response_class=CompactJSONResponse,
        lifespan=lifespan,
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    app.state.settings = settings
    app.state.database = database
    app.state.search = backend_for(database.dialect)
    app.state.languages = LanguageCatalog()
    app.state.expected_heads = schema.expected_heads()
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.middleware("http")(access_log_middleware)
    app.add_middleware(GZipMiddleware, minimum_size=512)
    app.add_middleware(RequestLimits, max_query_bytes=4096, max_body_bytes=settings.max_body_bytes)
    return app
