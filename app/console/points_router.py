"""Console pages of service points: the list, the editor, translations, status, history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from app.accounts.models import Role
from app.console import editing, service
from app.console.dependencies import ConsoleDb, FormDep, StaffPageDep
from app.console.repository import SORTS, PointFilters
from app.console.router import Notice, stale_after, with_notice
from app.console.web import ConsoleRoute, Page, redirect, render
from app.country_codes import CountryCode
from app.errors import Forbidden
from app.service_points.inputs import Code, LanguageTag
from app.staff_points import service as staff_service

__all__ = ["router"]

router = APIRouter(prefix="/console/points", route_class=ConsoleRoute, include_in_schema=False)

PointId = Annotated[str, Path(max_length=36)]
Status = Literal["draft", "published", "temporarily_closed", "permanently_closed"]
Sort = Literal["updated", "name", "status", "verified", "created"]
assert set(SORTS) == set(Sort.__args__)  # type: ignore[attr-defined]


def _editor(
    page: Page, db: ConsoleDb, state: editing.EditorState, *, status: int = 200
) -> Response:
    principal = page.staff.principal
    options = service.form_options(db, principal, lang=page.lang)
    point = state.point
    rights = service.rights_on(db, principal, point) if point else None
    title = point.name if point else page.t("editor.new_title")
    names = dict(options.languages)
    original_choices = (
        [(tag, names.get(tag, tag)) for tag in sorted(point.translations)]
        if point
        else options.languages
    )
    return render(
        page,
        "editor.html",
        status=status,
        title=title,
        state=state,
        options=options,
        rights=rights,
        transitions=service.transitions(point) if point else [],
        original_choices=original_choices,
        languages=service.language_status(point, options.languages) if point else [],
    )


@router.get("", operation_id="consolePointList", summary="Console: list of points")
def point_list(
    page: StaffPageDep,
    db: ConsoleDb,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Status | None = None,
    category: Annotated[Code | None, Query()] = None,
    country: Annotated[CountryCode | None, Query()] = None,
    organization: Annotated[str | None, Query(max_length=100)] = None,
    stale: bool = False,
    missing: Annotated[LanguageTag | None, Query()] = None,
    sort: Sort = "updated",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    notice: Notice = None,
) -> Response:
    filters = PointFilters(
        q=q,
        status=status,
        category=category,
        country=country,
        stale=stale,
        missing=missing,
        sort=sort,
    )
    listing = service.point_list(
        db,
        page.staff.principal,
        filters=filters,
        organization=organization,
        page=page_number,
        stale_after=stale_after(page),
    )
    options = service.form_options(db, page.staff.principal, lang=page.lang)
    return render(
        with_notice(page, notice),
        "points.html",
        title=page.t("points.title"),
        listing=listing,
        filters=filters,
        organization=organization or "",
        options=options,
        sorts=SORTS,
    )


@router.get("/new", operation_id="consoleNewPoint", summary="Console: new point form")
def new_point(page: StaffPageDep, db: ConsoleDb) -> Response:
    if not page.staff.principal.has_any(Role.editor):
        raise Forbidden(page.t("error.needs_editor"))
    values = {"original_language": page.lang, "categories": [], "audiences": []}
    state = editing.EditorState(point=None, values=values, base=values, etag=None)
    return _editor(page, db, state)


@router.post("/new", operation_id="consoleCreatePoint", summary="Console: create a point")
def create_point(page: StaffPageDep, form: FormDep, db: ConsoleDb) -> Response:
    organization = form.get("organization")
    state = editing.create_point(
        db,
        page.staff.principal,
        form,
        organization=organization if isinstance(organization, str) and organization else None,
        stale_after=stale_after(page),
    )
    if state.saved is not None:
        return redirect(f"/console/points/{state.saved.id}?notice=created")
    return _editor(page, db, state, status=422)


@router.get("/{point_id}", operation_id="consoleEditPoint", summary="Console: point editor")
def edit_point(
    page: StaffPageDep, db: ConsoleDb, point_id: PointId, notice: Notice = None
) -> Response:
    point = staff_service.get_point(
        db, page.staff.principal, point_id, stale_after=stale_after(page)
    )
    return _editor(with_notice(page, notice), db, editing.editor_state(point))


@router.post("/{point_id}", operation_id="consoleSavePoint", summary="Console: save a point")
def save_point(page: StaffPageDep, form: FormDep, db: ConsoleDb, point_id: PointId) -> Response:
    state = editing.save_point(
        db, page.staff.principal, point_id, form, stale_after=stale_after(page)
    )
    if state.saved is not None:
        return redirect(f"/console/points/{point_id}?notice=saved")
    if state.unchanged:
        return redirect(f"/console/points/{point_id}?notice=unchanged")
    return _editor(page, db, state, status=409 if state.conflict else 422)


@router.post(
    "/{point_id}/status", operation_id="consolePointStatus", summary="Console: publish or close"
)
def change_status(page: StaffPageDep, form: FormDep, db: ConsoleDb, point_id: PointId) -> Response:
    done = editing.change_status(
        db,
        page.staff.principal,
        point_id,
        status=str(form.get("status") or ""),
        etag=_etag(form.get("etag")),
        stale_after=stale_after(page),
    )
    return redirect(
        f"/console/points/{point_id}?notice={'status_changed' if done else 'changed_meanwhile'}"
    )


@router.post("/{point_id}/verify", operation_id="consoleVerifyPoint", summary="Console: verify")
def verify_point(page: StaffPageDep, form: FormDep, db: ConsoleDb, point_id: PointId) -> Response:
    done = editing.verify_point(
        db,
        page.staff.principal,
        point_id,
        etag=_etag(form.get("etag")),
        stale_after=stale_after(page),
    )
    return redirect(
        f"/console/points/{point_id}?notice={'verified' if done else 'changed_meanwhile'}"
    )


def _etag(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _translations(
    page: Page, db: ConsoleDb, state: editing.EditorState, lang: str, *, status: int = 200
) -> Response:
    point = state.point
    assert point is not None
    options = service.form_options(db, page.staff.principal, lang=page.lang)
    return render(
        page,
        "translations.html",
        status=status,
        title=f"{page.t('translations.title')} · {point.name}",
        state=state,
        lang=lang,
        languages=service.language_status(point, options.languages),
        original=point.translations.get(point.original_language),
        rights=service.rights_on(db, page.staff.principal, point),
    )


@router.get(
    "/{point_id}/translations", operation_id="consoleTranslations", summary="Console: translations"
)
def translations(
    page: StaffPageDep,
    db: ConsoleDb,
    point_id: PointId,
    lang: Annotated[LanguageTag | None, Query()] = None,
    notice: Notice = None,
) -> Response:
    point = staff_service.get_point(
        db, page.staff.principal, point_id, stale_after=stale_after(page)
    )
    options = service.form_options(db, page.staff.principal, lang=page.lang)
    if lang is None:
        states = service.language_status(point, options.languages)
        lang = next((tag for tag, _, s in states if s in ("missing", "outdated")), None) or next(
            (tag for tag, _, s in states if s != "original"), point.original_language
        )
    return _translations(
        with_notice(page, notice), db, editing.translation_state(point, lang), lang
    )


@router.post(
    "/{point_id}/translations/{lang}",
    operation_id="consoleSaveTranslation",
    summary="Console: save a translation",
)
def save_translation(
    page: StaffPageDep,
    form: FormDep,
    db: ConsoleDb,
    point_id: PointId,
    lang: Annotated[LanguageTag, Path()],
) -> Response:
    state = editing.save_translation(
        db, page.staff.principal, point_id, lang, form, stale_after=stale_after(page)
    )
    if state.saved is not None or state.unchanged:
        notice = "translation_saved" if state.saved is not None else "unchanged"
        return redirect(f"/console/points/{point_id}/translations?lang={lang}&notice={notice}")
    return _translations(page, db, state, lang, status=409 if state.conflict else 422)


@router.get("/{point_id}/history", operation_id="consolePointHistory", summary="Console: history")
def history(
    page: StaffPageDep,
    db: ConsoleDb,
    point_id: PointId,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    principal = page.staff.principal
    point = staff_service.get_point(db, principal, point_id, stale_after=stale_after(page))
    entries = staff_service.history(db, principal, point_id, limit=50, cursor=cursor)
    return render(
        page,
        "history.html",
        title=f"{page.t('history.title')} · {point.name}",
        point=point,
        entries=entries,
    )
