"""Per-client limits on bulk public reads: exports, sync pages, country bundles and HSDS
listings.

Each of them hands out many points at once; without a limit, harvesting every point's
place and contacts is one loop. Limits are per client network (an IPv4 address, an IPv6
/64), in ``limits`` notation (``;`` separates several, e.g. ``"30/hour;100/day"``), one
setting per kind (``RUMBO_EXPORT_LIMIT_PER_CLIENT``...). Past a limit the answer is 429
problem+json with ``Retry-After``. Key parts are hashed by the limiter: no address is
stored in clear.

Usage: ``dependencies=[BulkRead("sync")]`` on a route, or ``enforce_bulk_read(request,
"export")`` where only some requests count (public exports, not staff ones).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from fastapi import Depends, Request

from app.errors import TooManyRequests
from app.i18n.texts import Text
from app.ratelimit import limiter_for

__all__ = ["BulkRead", "Kind", "client_network", "enforce_bulk_read"]

Kind = Literal["export", "sync", "bundle", "hsds"]

_SETTING: dict[str, str] = {
    "export": "export_limit_per_client",
    "sync": "sync_limit_per_client",
    "bundle": "bundle_limit_per_client",
    "hsds": "hsds_list_limit_per_client",
}


def client_network(request: Request) -> str:
    """The unit one client owns: its IPv4 address, or the /64 of its IPv6 address."""
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)


def enforce_bulk_read(request: Request, kind: Kind) -> None:
    """Count one bulk read of ``kind`` for the client; 429 once over a limit."""
    setting: str = getattr(request.app.state.settings, _SETTING[kind])
    limiter = limiter_for(request.app)
    network = client_network(request)
    for limit in (part.strip() for part in setting.split(";")):
        if not limit:
            continue
        decision = limiter.hit(limit, "bulk", kind, network)
        if not decision.allowed:
            raise TooManyRequests(
                Text("bulk_read.too_many", limit=limit), retry_after=decision.retry_after
            )


def BulkRead(kind: Kind) -> Any:
    """A route dependency counting one bulk read of ``kind`` per request."""

    def limit(request: Request) -> None:
        enforce_bulk_read(request, kind)

    return Depends(limit)
