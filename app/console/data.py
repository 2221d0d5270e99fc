"""Console glue for shared data: spreadsheet imports and curated country information.

Imports go through ``exchange.service.run_import`` (the API's rules, all or nothing): the
console only reads the uploaded form, and rolls back a check-only run or a refused file
so nothing of it stays. Country sections are translated through ``countries.staff_service``
(translators and admins, If-Match on the section's ETag).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from app.access.principal import Principal
from app.console.forms import messages_of
from app.countries import codes as country_codes
from app.countries import repository as countries_repository
from app.countries import staff_service as countries_staff
from app.countries.models import SectionKind
from app.countries.staff_schemas import SectionTranslationInput, StaffCountryRead
from app.errors import PreconditionFailed, Problem
from app.exchange import service as exchange_service
from app.exchange.schemas import ImportReport
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.settings import Settings

__all__ = [
    "CountryConflict",
    "country_list",
    "country_view",
    "import_file",
    "save_section_translation",
]

FORMATS = ("csv", "geojson", "hsds")


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _format_of(form: FormData, filename: str) -> str | None:
    chosen = _text(form, "format")
    if chosen in FORMATS:
        return chosen
    name = filename.lower()
    return "csv" if name.endswith(".csv") else "geojson" if name.endswith(".geojson") else None


def import_file(
    session: Session, principal: Principal, form: FormData, *, settings: Settings
) -> tuple[ImportReport | None, list[str]]:
    """Check (or import) an uploaded file; its row-by-row report, or why it was refused."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, ["file: choose a CSV, GeoJSON, HSDS JSON or zip file"]
    try:
        lang = normalise_tag(_text(form, "lang") or settings.default_language)
    except InvalidLanguageTag as exc:
        return None, [f"lang: {exc}"]
    request = exchange_service.ImportRequest(
        organization=_text(form, "organization"),
        format=_format_of(form, upload.filename),
        dry_run=form.get("dry_run") == "on",
        lang=lang,
        default_category=_text(form, "default_category"),
        max_unzipped_bytes=settings.import_max_unzipped_bytes,
    )
    try:
        report = exchange_service.run_import(
            session, principal=principal, request=request, binary=upload.file
        )
    except Problem as exc:
        session.rollback()
        if exc.status not in (400, 413, 415, 422):
            raise
        return None, messages_of(exc)
    if report.errors or report.dry_run:
        session.rollback()
    return report, []


def country_list(session: Session, *, lang: str) -> list[tuple[str, str]]:
    """(code, name) of every curated country (public knowledge; editing is guarded)."""
    return sorted(
        (
            (c, country_codes.country_name(c, [lang, "en"]).text)
            for c in countries_repository.curated_codes(session)
        ),
        key=lambda item: item[1],
    )


def country_view(session: Session, principal: Principal, code: str) -> StaffCountryRead:
    return countries_staff.get_country(session, principal, code.upper())


@dataclass(frozen=True, slots=True)
class CountryConflict:
    """A section translation that changed meanwhile: what is saved, what was typed."""

    saved_title: str | None
    saved_body: str | None
    typed_title: str | None
    typed_body: str | None


def save_section_translation(
    session: Session,
    principal: Principal,
    code: str,
    kind: SectionKind,
    lang: str,
    form: FormData,
) -> tuple[list[str], CountryConflict | None]:
    """Save one language of a section; the errors, or the conflict, when not saved."""
    title, body = _text(form, "title"), _text(form, "body")
    try:
        data = SectionTranslationInput.model_validate({"title": title, "body": body or ""})
    except ValidationError as exc:
        return messages_of(exc), None
    try:
        countries_staff.put_section_translation(
            session,
            principal,
            code.upper(),
            kind,
            lang,
            data,
            if_match=_text(form, "etag"),
        )
    except PreconditionFailed:
        session.rollback()
        current = country_view(session, principal, code)
        section = next(s for s in current.sections if s.kind == kind.value)
        saved = section.translations.get(lang)
        return [], CountryConflict(
            saved_title=saved.title if saved else None,
            saved_body=saved.body if saved else None,
            typed_title=title,
            typed_body=body,
        )
    except Problem as exc:
        session.rollback()
        if exc.status != 422:
            raise
        return messages_of(exc), None
    return [], None
