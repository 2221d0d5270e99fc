"""Bulk import (``POST /v1/imports``, staff) and export (``GET /v1/exports/{format}``)."""

from __future__ import annotations

import dataclasses
import functools
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from app.access.principal import Principal
from app.bulk_reads import enforce_bulk_read
from app.country_codes import InvalidCountryCode, normalise_country
from app.db import Database
from app.errors import UnsupportedMediaType, ValidationProblem
from app.exchange import service
from app.exchange.dependencies import DraftsPrincipal, ImportPrincipal
from app.exchange.schemas import ImportReport
from app.exchange.service import ImportRequest
from app.exchange.uploads import file_problem, spool
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["import and export"])

FormatParam = Literal["csv", "geojson", "hsds"]
# Content types an import accepts; anything else is refused before reading (415).
HINTS: dict[str, str | None] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.ms-excel": "csv",
    "text/plain": None,
    "application/geo+json": "geojson",
    "application/json": None,
    "application/zip": None,
    "application/x-zip-compressed": None,
    "application/octet-stream": None,
    "": None,
}


def _tag(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return normalise_tag(value)
    except InvalidLanguageTag as exc:
        raise ValidationProblem.for_field("query", name, str(exc)) from None


async def _upload(request: Request) -> tuple[IO[bytes], str | None]:
    """The uploaded file (raw body, or the ``file`` part of a form) and its format hint."""
    settings = request.app.state.settings
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise file_problem("send the file in a form field named 'file'")
        name = (part.filename or "").lower()
        hint = "csv" if name.endswith(".csv") else "geojson" if name.endswith(".geojson") else None
        return part.file, hint
    if content_type not in HINTS:
        raise UnsupportedMediaType(
            f"{content_type!r} is not an import format: send CSV, GeoJSON, HSDS JSON or a zip"
            + (" (save spreadsheets as CSV UTF-8)" if "spreadsheet" in content_type else "")
        )
    body = await spool(request.stream(), max_bytes=settings.import_max_bytes)
    return body, HINTS[content_type]


@router.post(
    "/imports",
    operation_id="importServicePoints",
    summary="Import service points from CSV, GeoJSON or HSDS 3 (all or nothing; staff)",
    response_model=ImportReport,
    response_model_exclude_none=True,
    responses={
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
        413: PROBLEM,
        415: PROBLEM,
        422: {
            "content": {"application/problem+json": {}},
            "description": "Rows fail (each one listed in `report.errors`); nothing was saved",
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/geo+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {"description": "HSDS 3 services"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
async def import_points(
    request: Request,
    principal: ImportPrincipal,
    format: Annotated[
        FormatParam | None, Query(description="csv, geojson or hsds; guessed when absent")
    ] = None,
    dry_run: Annotated[bool, Query(description="Validate only; save nothing")] = False,
    organization: Annotated[
        str | None, Query(max_length=100, description="Owner of the points (slug or id)")
    ] = None,
    lang: Annotated[
        str | None,
        Query(max_length=35, description="Language of texts given without one (`name`)"),
    ] = None,
    default_category: Annotated[
        str | None,
        Query(max_length=50, description="Category of rows that name none (HSDS imports)"),
    ] = None,
) -> ImportReport:
    """Every row is checked with the rules of the write API; the report lists each failing
    row, field and reason. A real import lands whole or not at all (422 with the report);
    importing the same file again updates the same points (by `external_id` or `id`)."""
    settings = request.app.state.settings
    import_request = service.ImportRequest(
        organization=organization,
        format=format,
        dry_run=dry_run,
        lang=_tag(lang, "lang") or settings.default_language,
        default_category=default_category,
        max_unzipped_bytes=settings.import_max_unzipped_bytes,
    )
    binary, hint = await _upload(request)
    import_request = dataclasses.replace(import_request, format=format or hint)
    database = request.app.state.database
    try:
        # Validated and staged in a read transaction: other writers go on meanwhile.
        staged = await run_in_threadpool(_stage, database, principal, import_request, binary)
        if staged is not None and not staged.ready:
            report = staged.report
        else:
            # Only the merge (or, rarely, the serial import) waits for and holds the lock.
            async with database.write_slot(merge=True):
                report = await run_in_threadpool(
                    service.import_staged,
                    database.session,
                    staged,
                    functools.partial(
                        _serial, principal=principal, request=import_request, binary=binary
                    ),
                )
    finally:
        binary.close()
    if report.errors:
        raise service.ImportRejected(report)
    return report


def _stage(
    database: Database, principal: Principal, request: ImportRequest, binary: IO[bytes]
) -> service.StagedImport | None:
    with database.staging_session() as session:
        return service.stage_import(session, principal=principal, request=request, binary=binary)


def _serial(
    session: Session, *, principal: Principal, request: ImportRequest, binary: IO[bytes]
) -> ImportReport:
    return service.run_import(session, principal=principal, request=request, binary=binary)


@router.get(
    "/exports/{format}",
    operation_id="exportServicePoints",
    summary="Export service points as CSV, GeoJSON or HSDS 3 (published; staff: drafts too)",
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/geo+json": {},
                "application/json": {},
            },
            "description": "The file, streamed",
        },
        401: PROBLEM,
        404: PROBLEM,
        422: PROBLEM,
        429: {**PROBLEM, "description": "Too many public exports from this connection"},
    },
)
def export_points(
    request: Request,
    principal: DraftsPrincipal,
    format: Annotated[FormatParam, Path(description="csv, geojson or hsds")],
    organization: Annotated[
        str | None, Query(max_length=100, description="Only this organisation (slug or id)")
    ] = None,
    country: Annotated[str | None, Query(max_length=2, description="Only this country")] = None,
    lang: Annotated[
        str | None,
        Query(max_length=35, description="HSDS: language of the texts (default: each point's)"),
    ] = None,
) -> StreamingResponse:
    """The whole export streams; importing it into another Rumbo gives back the same points."""
    include_drafts = principal is not None
    if principal is None:  # a public export: counted against the client's bulk reads
        enforce_bulk_read(request, "export")
    code = None
    if country is not None:
        try:
            code = normalise_country(country)
        except InvalidCountryCode as exc:
            raise ValidationProblem.for_field("query", "country", str(exc)) from None
    media_type, filename, chunks = service.export_chunks(
        request.app.state.database.read_sessionmaker,
        request=service.ExportRequest(
            format=format,
            include_drafts=include_drafts,
            organization=organization,
            country=code,
            lang=_tag(lang, "lang"),
        ),
        principal=principal,
        default_language=request.app.state.settings.default_language,
    )
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store" if include_drafts else "public, max-age=300",
    }
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


__all__ = ["router"]
