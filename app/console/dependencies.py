"""FastAPI dependencies of the console: its unit of work, the page context, checked forms.

- ``ConsoleDb``: the request's session. It commits when the handler returns and *before*
  the response is sent (``scope="function"``), so the page a redirect leads to already
  sees the change; ``ConsoleRoute`` rolls it back when a handler fails.
- ``PageDep``: language, the staff member (or None) and the CSRF token of this request.
- ``StaffPageDep``: the same, for pages that need a session (otherwise: login page).
- ``FormDep``: the posted form, refused (403) unless it carries this session's CSRF token;
  ``UploadFormDep`` the same with one file (imports).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.console.sessions import (
    LANG_COOKIE,
    cookie_names,
    csrf_matches,
    from_this_origin,
    new_login_nonce,
    user_from_cookie,
)
from app.console.texts import choose_language
from app.console.web import CsrfRejected, LoginRequired, Page
from app.db import SessionDep
from app.settings import Settings

__all__ = ["ConsoleDb", "FormDep", "PageDep", "StaffPageDep", "UploadFormDep"]

MAX_FORM_FIELDS = 400
MAX_FIELD_BYTES = 64 * 1024


def _console_db(request: Request, session: SessionDep) -> Session:
    request.state.console_db = session
    return session


ConsoleDb = Annotated[Session, Depends(_console_db)]


def _page(request: Request, db: ConsoleDb) -> Page:
    settings: Settings = request.app.state.settings
    names = cookie_names(settings)
    user = user_from_cookie(db, request.cookies.get(names.session))
    lang = choose_language(
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        settings.default_language,
    )
    page = Page(request=request, settings=settings, lang=lang, user=user)
    if user is None:
        nonce = request.cookies.get(names.login)
        if not nonce or len(nonce) > 100:
            nonce, page.new_login_nonce = new_login_nonce(), True
        page.login_nonce = nonce
    request.state.console_page = page
    return page


PageDep = Annotated[Page, Depends(_page)]


def _staff_page(page: PageDep) -> Page:
    if page.user is None:
        raise LoginRequired
    return page


StaffPageDep = Annotated[Page, Depends(_staff_page)]


async def _checked(request: Request, page: Page, *, max_files: int) -> FormData:
    if not from_this_origin(request.headers, request.headers.get("host")):
        raise CsrfRejected(page.t("error.csrf"))
    form = await request.form(
        max_files=max_files, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
    )
    sent = form.get("csrf_token")
    if not csrf_matches(
        page.settings,
        sent if isinstance(sent, str) else None,
        session_id=page.user.session_id if page.user else None,
        login_nonce=None if page.user or page.new_login_nonce else page.login_nonce,
    ):
        raise CsrfRejected(page.t("error.csrf"))
    return form


async def _form(request: Request, page: PageDep) -> FormData:
    return await _checked(request, page, max_files=0)


async def _upload_form(request: Request, page: PageDep) -> FormData:
    return await _checked(request, page, max_files=1)


FormDep = Annotated[FormData, Depends(_form)]
UploadFormDep = Annotated[FormData, Depends(_upload_form)]
