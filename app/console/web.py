"""HTML plumbing of the console: templates, the page context, security headers, and the
route class that turns failures into pages (never a 500, never a half-written change).

``ConsoleRoute`` wraps every console handler:

- not logged in -> 303 to ``/console/login?next=...``;
- a form without its CSRF token -> 403 page;
- any ``Problem`` from a service (404 another organisation's point, 403 a missing role,
  409, 412...) or a bad query parameter -> the request's transaction is rolled back and an
  HTML page with the same status explains it in the console language;
- every response gets the console's security headers (CSP without inline code, no
  framing, no caching of pages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.types import Scope

from app.console import hours_text
from app.console.sessions import LANG_COOKIE, ConsoleUser, csrf_token
from app.console.texts import CONSOLE_LANGUAGES, Translator, choose_language, translator
from app.errors import Problem
from app.service_points import hours
from app.settings import Settings

__all__ = [
    "STATIC_DIR",
    "ConsoleRoute",
    "ConsoleStatic",
    "CsrfRejected",
    "LoginRequired",
    "Page",
    "redirect",
    "render",
    "security_headers",
    "static_url",
]

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
PAGE_CACHE_CONTROL = "private, no-store"
STATIC_CACHE_CONTROL = "public, max-age=31536000, immutable"


class LoginRequired(Exception):
    """The page needs a console session."""


class CsrfRejected(Problem):
    status, slug, title = 403, "csrf-rejected", "Form refused"


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


STATIC_VERSION = _static_version()


def static_url(name: str) -> str:
    """URL of a static file, versioned by the content of the static tree (cache forever)."""
    return f"/console/static/{name}?v={STATIC_VERSION}"


class ConsoleStatic(StaticFiles):
    """Static files with year-long immutable caching (URLs change when the files change)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = STATIC_CACHE_CONTROL
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _datetime(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def _pager_query(query: Mapping[str, str], number: int) -> str:
    """The current query string with another page number."""
    pairs = [(k, v) for k, v in query.items() if k not in ("page", "notice")]
    return urlencode([*pairs, ("page", str(number))])


@dataclass(frozen=True, slots=True)
class _HoursShown:
    lines: list[str] | None = None
    raw: str | None = None
    error: str | None = None


def _hours_preview(expression: str, lang: str) -> _HoursShown:
    """The editor's first rendering of the hours preview (the script keeps it live)."""
    if not expression.strip():
        return _HoursShown()
    try:
        preview = hours_text.describe(expression, lang)
    except hours.InvalidOpeningHours as exc:
        return _HoursShown(error=str(exc))
    return _HoursShown(lines=preview.lines, raw=None if preview.lines else preview.expression)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
_env.globals["static_url"] = static_url
_env.globals["console_languages"] = CONSOLE_LANGUAGES
_env.globals["pager_query"] = _pager_query
_env.globals["hours_preview"] = _hours_preview
_env.filters["datetime"] = _datetime


@dataclass
class Page:
    """What every console page knows: who, in which language, with which CSRF token."""

    request: Request
    settings: Settings
    lang: str
    user: ConsoleUser | None
    login_nonce: str | None = None
    new_login_nonce: bool = False
    notices: list[str] = field(default_factory=list)

    @property
    def t(self) -> Translator:
        return translator(self.lang)

    @property
    def csrf(self) -> str:
        return csrf_token(
            self.settings,
            session_id=self.user.session_id if self.user else None,
            login_nonce=self.login_nonce,
        )

    @property
    def staff(self) -> ConsoleUser:
        if self.user is None:
            raise LoginRequired
        return self.user


def render(
    page: Page, template: str, *, status: int = 200, title: str = "", **context: Any
) -> HTMLResponse:
    """An HTML page from ``templates/<template>`` in the page's language."""
    html = _env.get_template(template).render(
        page=page, t=page.t, user=page.user, csrf=page.csrf, title=title, **context
    )
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """303 See Other to a console URL (after a POST, or to the login page)."""
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None) -> str:
    """Only console paths are followed after login (no open redirect)."""
    if not value or len(value) > 500:
        return "/console/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console") or "\\" in value:
        return "/console/"
    return value


def _origin(url: str) -> str | None:
    parts = urlsplit(url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings) -> str:
    tiles = _origin(settings.console_tile_url) if settings.console_tile_url else None
    images = "'self' data:" + (f" {tiles}" if tiles else "")
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def security_headers(response: Response, settings: Settings) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(settings)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
    headers["Cache-Control"] = PAGE_CACHE_CONTROL
    return response


def _rollback(request: Request) -> None:
    session = getattr(request.state, "console_db", None)
    if session is not None:
        session.rollback()


def _error_page(request: Request, status: int, detail: str, errors: list[str]) -> Response:
    page: Page | None = getattr(request.state, "console_page", None)
    if page is None:
        settings = request.app.state.settings
        lang = choose_language(
            request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
            settings.default_language,
        )
        page = Page(request=request, settings=settings, lang=lang, user=None)
    key = f"error.{status}"
    return render(
        page,
        "error.html",
        status=status,
        title=page.t(key) if page.t.has(key) else page.t("error.other"),
        status_code=status,
        detail=detail,
        errors=errors,
    )


def _field_messages(errors: list[Mapping[str, Any]]) -> list[str]:
    out = []
    for err in errors[:20]:
        loc = [str(p) for p in err.get("loc", ())]
        name = ".".join(loc[1:]) or ".".join(loc)
        out.append(f"{name}: {err.get('msg', 'invalid')}")
    return out


class ConsoleRoute(APIRoute):
    """An APIRoute whose failures become console pages (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            try:
                response = await handler(request)
            except LoginRequired:
                _rollback(request)
                target = request.url.path
                if request.method == "GET" and request.url.query:
                    target += "?" + request.url.query
                response = redirect("/console/login?next=" + quote(target, safe="/"))
            except Problem as exc:
                _rollback(request)
                messages = [f"{e.name}: {e.detail}" for e in exc.errors or []]
                detail = exc.message()
                response = _error_page(request, exc.status, detail, messages)
                for name, value in exc.headers.items():
                    if name.lower() == "retry-after":
                        response.headers[name] = value
            except RequestValidationError as exc:
                _rollback(request)
                response = _error_page(request, 422, "", _field_messages(list(exc.errors())))
            except StarletteHTTPException as exc:  # e.g. a malformed multipart body (400)
                _rollback(request)
                response = _error_page(request, exc.status_code, str(exc.detail), [])
            return security_headers(response, settings)

        return console_handler
