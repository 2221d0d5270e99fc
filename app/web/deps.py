"""Typed dependencies every router shares: the settings, the app's state, the session.

- :class:`AppState`: what ``create_app`` builds once at start-up and keeps on
  ``app.state`` (settings, database, search backend, language catalogue, rate limiter,
  migration heads; a few packages keep objects of their own next to them, built there too).
  Nothing is created lazily by a request.
- ``SettingsDep`` / ``StateDep``: the settings and the state, typed.
- ``SessionDep``: the request's one transaction on the primary (commits when the handler
  returns, before the response is sent; app/db.py). ``ReadSessionDep``: the read-only
  session (the replica when one is configured). No route opens a session by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Protocol, cast

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session
from starlette.datastructures import State

from app.db import Database, ReadSessionDep, SessionDep
from app.ratelimit import RateLimiter
from app.settings import Settings

if TYPE_CHECKING:
    from app.geo.base import SearchBackend

__all__ = [
    "AppState",
    "LanguageSource",
    "ReadSessionDep",
    "SessionDep",
    "SettingsDep",
    "StateDep",
    "app_state",
]


class LanguageSource(Protocol):
    """The enabled content languages (app/languages/service.py ``LanguageCatalog``)."""

    def cached(self) -> frozenset[str] | None: ...

    def supported(self, session: Session) -> frozenset[str]: ...

    def invalidate(self) -> None: ...


class AppState(State):
    """``app.state``, typed: every member is set by ``create_app`` before the first request."""

    settings: Settings
    database: Database
    search: SearchBackend
    languages: LanguageSource
    rate_limiter: RateLimiter
    expected_heads: set[str]

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        search: SearchBackend,
        languages: LanguageSource,
        rate_limiter: RateLimiter,
        expected_heads: set[str],
        **more: Any,
    ) -> None:
        super().__init__(
            {
                "settings": settings,
                "database": database,
                "search": search,
                "languages": languages,
                "rate_limiter": rate_limiter,
                "expected_heads": expected_heads,
                **more,
            }
        )


def app_state(app: FastAPI) -> AppState:
    """The typed state of an app made by ``create_app``."""
    return cast(AppState, app.state)


def _state(request: Request) -> AppState:
    return app_state(request.app)


def _settings(request: Request) -> Settings:
    return app_state(request.app).settings


StateDep = Annotated[AppState, Depends(_state)]
SettingsDep = Annotated[Settings, Depends(_settings)]
