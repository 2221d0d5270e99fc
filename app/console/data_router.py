"""Console pages of shared data: imports with their row-by-row report, country information."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.accounts.models import Role
from app.console import data, service
from app.console.data import CountryConflict
from app.console.dependencies import ConsoleDb, FormDep, StaffPageDep, UploadFormDep
from app.console.router import Notice, with_notice
from app.console.web import ConsoleRoute, Page, redirect, render
from app.countries.models import SectionKind
from app.errors import Forbidden
from app.exchange.schemas import ImportReport
from app.service_points.inputs import LanguageTag

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

CountryCode = Annotated[str, Path(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]


def _imports(
    page: Page,
    db: ConsoleDb,
    *,
    report: ImportReport | None = None,
    errors: list[str] | None = None,
    code: int = 200,
) -> Response:
    principal = page.staff.principal
    if not principal.has_any(Role.editor):
        raise Forbidden(page.t("error.needs_editor"))
    options = service.form_options(db, principal, lang=page.lang)
    return render(
        page,
        "imports.html",
        status=code,
        title=page.t("imports.title"),
        options=options,
        report=report,
        errors=errors or [],
    )


@router.get("/imports", operation_id="consoleImports", summary="Console: import a file")
def imports(page: StaffPageDep, db: ConsoleDb) -> Response:
    return _imports(page, db)


@router.post("/imports", operation_id="consoleRunImport", summary="Console: check or import")
def run_import(page: StaffPageDep, form: UploadFormDep, db: ConsoleDb) -> Response:
    report, errors = data.import_file(db, page.staff.principal, form, settings=page.settings)
    failed = bool(errors) or (report is not None and bool(report.errors))
    return _imports(page, db, report=report, errors=errors, code=422 if failed else 200)


@router.get("/countries", operation_id="consoleCountries", summary="Console: countries")
def countries(page: StaffPageDep, db: ConsoleDb) -> Response:
    return render(
        page,
        "countries.html",
        title=page.t("countries.title"),
        countries=data.country_list(db, lang=page.lang),
    )


def _country(
    page: Page,
    db: ConsoleDb,
    code: str,
    lang: str,
    *,
    errors: list[str] | None = None,
    conflict: tuple[str, CountryConflict] | None = None,
    status: int = 200,
) -> Response:
    country = data.country_view(db, page.staff.principal, code)
    options = service.form_options(db, page.staff.principal, lang=page.lang)
    return render(
        page,
        "country.html",
        status=status,
        title=f"{page.t('countries.title')} · {code.upper()}",
        country=country,
        lang=lang,
        languages=options.languages,
        errors=errors or [],
        conflict=conflict,
    )


@router.get("/countries/{code}", operation_id="consoleCountry", summary="Console: a country")
def country(
    page: StaffPageDep,
    db: ConsoleDb,
    code: CountryCode,
    lang: Annotated[LanguageTag | None, Query()] = None,
    notice: Notice = None,
) -> Response:
    return _country(with_notice(page, notice), db, code, lang or page.lang)


@router.post(
    "/countries/{code}/{kind}/{lang}",
    operation_id="consoleSaveCountryText",
    summary="Console: save a section translation",
)
def save_country_text(
    page: StaffPageDep,
    form: FormDep,
    db: ConsoleDb,
    code: CountryCode,
    kind: SectionKind,
    lang: Annotated[LanguageTag, Path()],
) -> Response:
    errors, conflict = data.save_section_translation(
        db, page.staff.principal, code, kind, lang, form
    )
    if conflict is not None:
        return _country(page, db, code, lang, conflict=(kind.value, conflict), status=409)
    if errors:
        return _country(page, db, code, lang, errors=errors, status=422)
    return redirect(f"/console/countries/{code.upper()}?lang={lang}&notice=saved#{kind.value}")
