"""Mounting the staff console on the application: static files, pages, JSON helpers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response

from app.console import (
    accounts_router,
    admin_router,
    alerts_router,
    api_router,
    data_router,
    points_router,
    router,
    work_router,
)
from app.console.dependencies import PageDep
from app.console.web import STATIC_DIR, ConsoleRoute, ConsoleStatic, render

__all__ = ["install_console"]

_fallback = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@_fallback.get("/{path:path}", operation_id="consoleNotFound", summary="Console: no such page")
def not_found(page: PageDep, path: str) -> Response:
    return render(
        page,
        "error.html",
        status=404,
        title=page.t("error.404"),
        status_code=404,
        detail=page.t("error.no_page"),
        errors=[],
    )


def install_console(app: FastAPI) -> None:
    """Serve the console under ``/console`` (after the API routers, before nothing else)."""
    app.mount("/console/static", ConsoleStatic(directory=STATIC_DIR), name="console-static")
    for module in (
        router,
        points_router,
        work_router,
        admin_router,
        accounts_router,
        data_router,
        api_router,
        alerts_router,
    ):
        app.include_router(module.router)
    app.include_router(_fallback)
