"""Console pages: log in, log out, the language switch and the dashboard.

Every console route is HTML, rendered on the server, outside the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.client_address import client_address
from app.console import service, sessions
from app.console.dependencies import ConsoleDb, FormDep, PageDep, StaffPageDep
from app.console.texts import CONSOLE_LANGUAGES
from app.console.web import ConsoleRoute, Page, redirect, render, safe_next
from app.errors import TooManyRequests, Unauthorized
from app.ratelimit import RateLimiterDep

__all__ = ["Notice", "router", "set_cookie", "stale_after"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

Notice = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")]


def stale_after(page: Page) -> dt.timedelta:
    return dt.timedelta(days=page.settings.stale_after_days)


def set_cookie(page: Page, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=sessions.cookie_names(page.settings).path,
        secure=page.settings.console_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def with_notice(page: Page, notice: str | None) -> Page:
    """Show a known notice (``?notice=saved``); unknown keys are ignored, never echoed."""
    if notice and page.t.has(f"notice.{notice}"):
        page.notices.append(page.t(f"notice.{notice}"))
    return page


def _login_page(
    page: Page, *, status: int = 200, error: str | None = None, next_url: str = "/console/"
) -> Response:
    response = render(
        page,
        "login.html",
        status=status,
        title=page.t("login.title"),
        error=error,
        next_url=next_url,
    )
    if page.new_login_nonce and page.login_nonce:
        set_cookie(
            page,
            response,
            sessions.cookie_names(page.settings).login,
            page.login_nonce,
            sessions.LOGIN_NONCE_SECONDS,
        )
    return response


@router.get("/login", operation_id="consoleLoginPage", summary="Console: the login form")
def login_page(
    page: PageDep, notice: Notice = None, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    if page.user is not None:
        return redirect(safe_next(next))
    return _login_page(with_notice(page, notice), next_url=safe_next(next))


@router.post("/login", operation_id="consoleLogin", summary="Console: log in")
def login(
    request: Request, page: PageDep, form: FormDep, db: ConsoleDb, limiter: RateLimiterDep
) -> Response:
    email, password = form.get("email"), form.get("password")
    next_url = safe_next(str(form.get("next") or ""))
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        return _login_page(page, status=422, error=page.t("login.missing"), next_url=next_url)
    try:
        value, expires = sessions.open_session(
            db,
            page.settings,
            limiter,
            email=email[:254],
            password=password[:256],
            client_address=client_address(request),
        )
    except TooManyRequests as exc:
        response = _login_page(page, status=429, error=page.t("login.throttled"), next_url=next_url)
        response.headers.update(exc.headers)
        return response
    except Unauthorized:
        return _login_page(page, status=401, error=page.t("login.failed"), next_url=next_url)
    response = redirect(next_url)
    max_age = max(1, int((expires - dt.datetime.now(dt.UTC)).total_seconds()))
    names = sessions.cookie_names(page.settings)
    set_cookie(page, response, names.session, value, max_age)
    response.delete_cookie(names.login, path=names.path, secure=page.settings.console_cookie_secure)
    return response


@router.post("/logout", operation_id="consoleLogout", summary="Console: log out")
def logout(page: StaffPageDep, form: FormDep, db: ConsoleDb) -> Response:
    sessions.end_session(db, page.staff)
    response = redirect("/console/login?notice=logged_out")
    names = sessions.cookie_names(page.settings)
    response.delete_cookie(
        names.session, path=names.path, secure=page.settings.console_cookie_secure
    )
    return response


@router.post("/language", operation_id="consoleLanguage", summary="Console: switch language")
def switch_language(page: PageDep, form: FormDep) -> Response:
    lang = form.get("lang")
    response = redirect(safe_next(str(form.get("next") or "")))
    if lang in CONSOLE_LANGUAGES:
        set_cookie(page, response, sessions.LANG_COOKIE, str(lang), 365 * 24 * 3600)
    return response


@router.get("/", operation_id="consoleDashboard", summary="Console: dashboard")
def dashboard(page: StaffPageDep, db: ConsoleDb, notice: Notice = None) -> Response:
    board = service.dashboard(db, page.staff.principal, stale_after=stale_after(page))
    return render(
        with_notice(page, notice), "dashboard.html", title=page.t("dashboard.title"), board=board
    )
