"""The layers of ``app``: each top-level package or module, and the layer it sits in.

A package imports only from lower layers, or from packages of its own layer as long as no
cycle forms. ``tests/architecture/test_layers.py`` reads this table and checks every import
of ``app`` against it; ``docs/architecture.md`` explains it. A new package gets a row here
before its first import.
"""

from __future__ import annotations

__all__ = ["LAYERS", "LAYER_NAMES"]

LAYER_NAMES = (
    "foundation",
    "reference and identity",
    "core domain",
    "point domains",
    "faces and integrations",
    "composition",
)

LAYERS: dict[str, int] = {
    # 0 foundation: plumbing every domain may use; imports no domain.
    "layers": 0,
    "sqlite": 0,
    "settings": 0,
    "errors": 0,
    "budget": 0,
    "i18n": 0,
    "db": 0,
    "pool_ping": 0,
    "raw_reads": 0,
    "web": 0,
    "http_cache": 0,
    "responses": 0,
    "limits": 0,
    "observability": 0,
    "metrics": 0,
    "request_id": 0,
    "telemetry": 0,
    "ratelimit": 0,
    "client_address": 0,
    "hosts": 0,
    "compression": 0,
    "jsondepth": 0,
    "strict_query": 0,
    "security_headers": 0,
    "connection_guard": 0,
    "health": 0,
    "country_codes": 0,
    "schema": 0,
    "bulk_reads": 0,
    "journal": 0,
    "versioned_cache": 0,
    "geo": 0,
    # 1 reference and identity: who acts, and the reference data points refer to.
    "access": 1,
    "languages": 1,
    "organizations": 1,
    "taxonomy": 1,
    "signing": 1,
    "audit": 1,
    "countries": 1,
    "accounts": 1,
    # 2 core domain: a service point, its state, its writes and its visibility rules.
    "service_points": 2,
    # 3 point domains: what hangs off points.
    "tasks": 3,
    "feedback": 3,
    "alerts": 3,
    "service_areas": 3,
    # 4 faces and integrations: HTTP faces and exchange formats composed of the domains.
    "public_points": 4,
    "staff_points": 4,
    "where": 4,
    "staff_countries": 4,
    "sync": 4,
    "hsds": 4,
    "exchange": 4,
    "maps": 4,
    "console": 4,
    "backups": 4,
    "documents": 4,
    # 5 composition: the application, its entry points and registries.
    "main": 5,
    "cli": 5,
    "asgi": 5,
    "models": 5,
    "seed": 5,
    "home": 5,
    "apidocs": 5,
    "openapi": 5,
}
