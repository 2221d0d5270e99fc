"""The console's JSON helpers (``/console/api``), for its own pages' scripts.

They answer problem+json like the rest of the API and need a console session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from app.console import hours_text
from app.console.sessions import LANG_COOKIE, ConsoleUser, cookie_names, user_from_cookie
from app.console.texts import CONSOLE_LANGUAGES, choose_language
from app.db import ReadSessionDep
from app.errors import Unauthorized, ValidationProblem
from app.service_points.hours import InvalidOpeningHours
from app.web.problems import PROBLEM

__all__ = ["HoursPreviewRead", "router"]

router = APIRouter(prefix="/console/api", tags=["staff console"])


def _console_user(request: Request, session: ReadSessionDep) -> ConsoleUser:
    names = cookie_names(request.app.state.settings)
    user = user_from_cookie(session, request.cookies.get(names.session))
    if user is None:
        raise Unauthorized(
            "log in to the console first",
            headers={"WWW-Authenticate": 'Cookie realm="rumbo-console"'},
        )
    return user


ConsoleUserDep = Annotated[ConsoleUser, Depends(_console_user)]


class HoursPreviewRead(BaseModel):
    expression: str = Field(description="The expression as sent, trimmed")
    normalized: str = Field(description="The canonical form of the expression")
    lines: list[str] | None = Field(
        description="A plain description, one line per rule; null when the expression uses "
        "features the console does not describe (show the expression itself then)"
    )
    lang: str


@router.get(
    "/opening-hours",
    operation_id="previewOpeningHours",
    summary="Validate an opening_hours expression and describe it (console session)",
    response_model=HoursPreviewRead,
    responses={401: PROBLEM, 422: PROBLEM},
)
def preview_opening_hours(
    request: Request,
    response: Response,
    _user: ConsoleUserDep,
    expression: Annotated[str, Query(max_length=500, description="OSM opening_hours syntax")],
    lang: Annotated[
        str | None, Query(description="es, en or fr (default: the console language)")
    ] = None,
) -> HoursPreviewRead:
    if lang is not None and lang not in CONSOLE_LANGUAGES:
        raise ValidationProblem.for_field("query", "lang", "the console speaks es, en and fr")
    chosen = lang or choose_language(
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        request.app.state.settings.default_language,
    )
    try:
        preview = hours_text.describe(expression, chosen)
    except InvalidOpeningHours as exc:
        raise ValidationProblem.for_field("query", "expression", str(exc)) from None
    response.headers["Cache-Control"] = "private, no-store"
    return HoursPreviewRead(
        expression=preview.expression,
        normalized=preview.normalized,
        lines=preview.lines,
        lang=chosen,
    )
