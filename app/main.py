"""The application factory: ``create_app(settings)`` builds everything, nothing at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import Depends, FastAPI

from app import schema
from app.accounts.audit_router import router as audit_router
from app.accounts.lifecycle_router import router as lifecycle_router
from app.accounts.router import router as accounts_router
from app.alerts.router import router as alerts_router
from app.apidocs import install_docs
from app.budget import BudgetPlan, RequestBudget, overrun
from app.compression import Compression
from app.console.mount import install_console
from app.countries import location
from app.countries.router import router as countries_router
from app.db import Database
from app.documents.route import install as install_documents
from app.errors import install_error_handlers
from app.exchange.router import router as exchange_router
from app.feedback.moderation_router import router as moderation_router
from app.feedback.router import router as feedback_router
from app.geo import backend_for
from app.health import router as health_router
from app.home import router as home_router
from app.hosts import AllowedHosts
from app.hsds.router import router as hsds_router
from app.http_cache import HttpCache
from app.languages.router import router as languages_router
from app.languages.service import LanguageCatalog
from app.limits import RequestLimits
from app.maps import refresh as maps_refresh
from app.maps.router import router as maps_router
from app.metrics import HttpMetrics, track_pool
from app.metrics import router as metrics_router
from app.observability import AccessLog, configure_logging
from app.openapi import document_problems
from app.public_points import service as points_service
from app.public_points.rendering import RenderCache
from app.public_points.router import router as points_router
from app.ratelimit import make_limiter
from app.request_id import RequestId
from app.responses import CompactJSONResponse
from app.security_headers import NoSniff
from app.service_areas.router import router as area_services_router
from app.service_points.visibility import SEARCH_TABLE
from app.settings import Settings, get_settings
from app.signing.keyring import Keyring
from app.signing.router import router as keys_router
from app.staff_countries import router as staff_countries_router
from app.staff_points.router import router as staff_points_router
from app.strict_query import reject_unknown_query
from app.sync import tracking
from app.sync.router import router as sync_router
from app.tasks.router import router as tasks_router
from app.taxonomy.router import router as taxonomy_router
from app.web.deps import AppState
from app.web.languages import LanguageHeaders
from app.where.router import router as where_router

__all__ = ["create_app"]

DESCRIPTION = """
Rumbo gives people on the move truthful, timely and safe information: where the nearest
shelter, health post, migration office, legal aid or water point is, whether it is open now,
and what other travellers report. Every text is translatable; every answer says the language
it was served in (`Content-Language` lists the languages of the body). Errors are RFC 9457
`application/problem+json`, written in Spanish, English or French after `lang` or
`Accept-Language`. A `/v1` GET with a query parameter it does not declare answers 422 naming
it. What may change within `/v1`: `docs/api-compatibility.md`.
"""

ROUTERS = [
    home_router,
    health_router,
    maps_router,  # before points_router: /v1/points/clusters is not a point id
    points_router,
    taxonomy_router,
    languages_router,
    countries_router,
    where_router,  # /v1/where: countries, alerts and area services together
    accounts_router,
    lifecycle_router,
    audit_router,
    staff_points_router,
    staff_countries_router,
    hsds_router,
    exchange_router,
    feedback_router,
    moderation_router,
    tasks_router,
    sync_router,
    keys_router,
    alerts_router,
    area_services_router,
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production_ready()
    configure_logging(settings.log_level, settings.log_format)
    tracking.install()  # every ORM write of synced data goes to the change journal
    database = Database(
        settings.database_url,
        settings.read_replica_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        sqlite_synchronous=settings.sqlite_synchronous,
        request_budget_s=settings.request_budget_s,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Boundaries, land grid and time zones: read once at start-up, not on a request.
        await asyncio.to_thread(location.load)
        # The map endpoints' grid index, built in the background (app/maps/refresh.py).
        if settings.map_index_background:
            maps_refresh.start_build(app.state)
        yield
        database.dispose()

    app = FastAPI(
        title="Rumbo API",
        version="1.0.0",
        summary="Service points, country information and feedback for people on the move",
        description=DESCRIPTION,
        default_response_class=CompactJSONResponse,
        lifespan=lifespan,
        docs_url=None,  # app.apidocs serves /docs without a CDN
        redoc_url=None,
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    # Everything a request reads from the app, built here, once (app/web/deps.py).
    app.state = AppState(
        settings=settings,
        database=database,
        search=backend_for(database.dialect, SEARCH_TABLE),
        languages=LanguageCatalog(),
        rate_limiter=make_limiter(settings),
        expected_heads=schema.expected_heads(),
        # Development and tests create a signing key on first use; production needs
        # `rumbo keys`.
        keyring=Keyring(settings.keys_dir, create_missing=settings.environment != "production"),
        # The public point reads: as many searches at once as the read pool holds
        # connections, and the cache of rendered points (app/public_points/reads.py).
        point_readers=anyio.CapacityLimiter(points_service.read_slots(database)),
        point_renderings=RenderCache(),
    )
    track_pool(database.engine, "primary")
    if database.read_engine is not database.engine:
        track_pool(database.read_engine, "replica")
    install_error_handlers(app, overrun=overrun)
    document_problems(app)
    for router in ROUTERS:
        # Every /v1 GET refuses query parameters its route does not declare (HSDS aside).
        strict = [Depends(reject_unknown_query)] if router.prefix.startswith("/v1") else []
        app.include_router(router, dependencies=strict)
    install_documents(app)  # read model (#15): the stored documents' hot path for /v1/points
    install_console(app)  # /console: server-rendered staff pages and their static files
    app.include_router(metrics_router)  # 404 unless RUMBO_METRICS_TOKEN is set
    install_docs(app)  # /docs: Swagger UI from local files, under a strict CSP
    # Innermost: Vary/Content-Language of the negotiated language (app/web/languages.py).
    app.add_middleware(LanguageHeaders)
    app.add_middleware(HttpCache, max_age=settings.cache_max_age)
    app.add_middleware(AccessLog)
    app.add_middleware(Compression, minimum_size=settings.compression_min_bytes)
    app.add_middleware(AllowedHosts, allowed=settings.allowed_hosts)
    app.add_middleware(
        RequestLimits,
        max_query_bytes=8192,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        # Imports check their own cap while spooling (a clean 413); this outer one has slack.
        path_limits={
            "/v1/imports": settings.import_max_bytes + (1 << 20),
            "/console/imports": settings.import_max_bytes + (1 << 20),
        },
    )
    app.add_middleware(HttpMetrics)  # every answer counts, 413s and 500s too
    app.add_middleware(NoSniff)
    # A request's time budget runs from its arrival (app/budget.py).
    app.add_middleware(
        RequestBudget,
        plan=BudgetPlan(
            default_s=settings.request_budget_s,
            export_s=settings.export_budget_s,
            sync_s=settings.sync_budget_s,
            import_s=settings.import_budget_s,
        ),
    )
    # Outermost: the id is set before anything can answer, so every answer carries it.
    app.add_middleware(RequestId, trusted=settings.forwarded_allow_ips)
    if settings.otel_exporter_otlp_endpoint:
        from app.telemetry import install_tracing  # only when tracing is wanted

        install_tracing(app, database, endpoint=settings.otel_exporter_otlp_endpoint)
    return app
