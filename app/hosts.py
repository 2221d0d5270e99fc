"""Which host names the API answers to, and the base of the absolute URLs it writes.

Absolute URLs in responses (the HSDS metadata, profile and OpenAPI document) are built from
``RUMBO_PUBLIC_URL``, never from the request's ``Host`` header: those responses are cached
publicly, and a cache keyed on the path alone would hand a body written for
``Host: attacker.example`` to everyone. Without a public URL (development) they follow the
request and say ``Vary: Host``.

With ``RUMBO_ALLOWED_HOSTS`` set (comma-separated names, ``*.example.org`` for subdomains),
a request for any other host is answered 421 Misdirected Request (problem+json); health
checks (``/healthz``, ``/readyz``) are answered whatever the host, as orchestrators probe
by address.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import Problem, problem_response

__all__ = ["AllowedHosts", "public_base"]

_ALWAYS = ("/healthz", "/readyz")


class MisdirectedRequest(Problem):
    status, slug, title = 421, "misdirected-request", "Misdirected request"


def public_base(request: Request, response: Response) -> str:
    """The base URL of absolute links (no trailing slash); marks ``response`` ``Vary: Host``
    when it has to come from the request."""
    configured: str | None = request.app.state.settings.public_url
    if configured:
        return configured
    response.headers.append("Vary", "Host")
    return str(request.base_url).rstrip("/")


def _host_name(raw: bytes) -> str:
    host = raw.decode("latin-1").strip().lower()
    if host.startswith("["):  # [2001:db8::1]:8000
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class AllowedHosts:
    """421 for a ``Host`` not in ``allowed`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, allowed: str) -> None:
        self.app = app
        names = [h.strip().lower() for h in allowed.split(",") if h.strip()]
        self.exact = frozenset(n for n in names if not n.startswith("*."))
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))  # ".example.org"

    def allows(self, raw: bytes | None) -> bool:
        if raw is None:
            return False
        host = _host_name(raw)
        return host in self.exact or any(host.endswith(s) for s in self.suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not (self.exact or self.suffixes)
            or scope.get("path", "") in _ALWAYS
        ):
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope.get("headers", []) if k == b"host"), None)
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        problem = MisdirectedRequest("this server does not answer for that host name")
        path = scope.get("path", "")
        await problem_response(problem.body(path), problem.status)(scope, receive, send)
