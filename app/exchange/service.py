"""Imports and exports: who may, into which organisation, and what leaves the database.

- Import: a staff action. The importing principal needs the editor role (or admin) in the
  organisation that will own the points; with several such organisations it must name one.
- Export: published data for anyone; with ``include_drafts`` (authenticated staff), the
  drafts of the organisations the principal belongs to as well (all drafts for platform
  administrators and the command line).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts.models import Role
from app.audit import service as audit
from app.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from app.exchange import readers, repository, writers
from app.exchange.engine import Importer
from app.exchange.readers import Source
from app.exchange.schemas import ImportReport
from app.exchange.staging import ImportOptions, NeedsSerial, Staging, merge
from app.hsds.vocabulary import Vocabulary
from app.i18n.negotiation import LanguagePreference, negotiate
from app.metrics import count_import
from app.organizations.models import Organization
from app.service_points.models import ServicePoint

__all__ = [
    "ExportRequest",
    "ImportRejected",
    "ImportRequest",
    "StagedImport",
    "export_chunks",
    "import_organization",
    "import_staged",
    "run_import",
]

log = logging.getLogger("rumbo.import")

IMPORT_ROLES = (Role.editor,)
DRAFT_ROLES = (Role.editor, Role.translator, Role.moderator)
MEDIA_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "geojson": ("application/geo+json", "geojson"),
    "hsds": ("application/json", "hsds.json"),
}


class ImportRejected(ValidationProblem):
    """422: the file was read, and some rows (or the file) fail; nothing was saved."""

    slug, title = "import-rejected", "The import was refused; nothing was saved"

    def __init__(self, report: ImportReport) -> None:
        shown = report.errors[:100]
        errors = [
            FieldError(
                location="body", name=e.field, pointer=f"/rows/{e.row}/{e.field}", detail=e.detail
            )
            for e in shown
        ]
        summary = f"{report.failed} of {report.rows} rows fail" if report.rows else "the file fails"
        super().__init__(
            f"{summary}; see report.errors (row, field, detail)",
            errors=errors,
            report=report.model_dump(mode="json", exclude_none=True),
        )


def import_organization(session: Session, principal: Principal, key: str | None) -> Organization:
    """The organisation imported points will belong to (editor role there required)."""
    if key is not None:
        org = repository.organization_by_key(session, key)
        if org is None:
            raise NotFound(f"no organization with id {key!r}")
        authorize(principal, org.id, *IMPORT_ROLES, what="organization", ident=key)
        return org
    candidates = principal.organizations_with(*IMPORT_ROLES)
    if len(candidates) == 1:
        found = repository.organization_by_key(session, candidates[0])
        if found is not None:
            return found
    if not candidates and not principal.is_admin:
        raise Forbidden("imports need the editor role in an organisation")
    raise ValidationProblem.for_field(
        "query", "organization", "name the organisation the imported points belong to"
    )


@dataclass(frozen=True, slots=True)
class ImportRequest:
    organization: str | None
    format: str | None = None
    dry_run: bool = False
    lang: str = "es"
    default_category: str | None = None
    max_unzipped_bytes: int = 512 * 1024 * 1024


class _Borrowed(io.RawIOBase):
    """The caller's file, read through a view that closing leaves open: a staged import
    that has to be redone serially reads the same upload again."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()


def _prepare(
    session: Session,
    principal: Principal,
    request: ImportRequest,
    opener: Callable[[Vocabulary], Source] | None,
    binary: IO[bytes] | None,
) -> tuple[ImportOptions, Source]:
    org = import_organization(session, principal, request.organization)
    if (
        request.default_category is not None
        and request.default_category not in (repository.known_codes(session)[0])
    ):
        raise ValidationProblem.for_field(
            "query", "default_category", f"unknown category {request.default_category!r}"
        )
    vocab = Vocabulary.load(session, (request.lang, "en"))
    if opener is not None:
        source = opener(vocab)
    else:
        assert binary is not None
        binary.seek(0)
        source = readers.open_source(
            io.BufferedReader(_Borrowed(binary)),
            declared=request.format,
            vocab=vocab,
            max_unzipped=request.max_unzipped_bytes,
        )
    options = ImportOptions(
        organization_id=org.id,
        organization=org.slug,
        principal=principal,
        dry_run=request.dry_run,
        lang=request.lang,
        default_category=request.default_category,
    )
    return options, source


def _record(session: Session, options: ImportOptions, report: ImportReport) -> None:
    audit.record(
        session,
        actor=options.principal,
        organization_id=options.organization_id,
        entity_type="import",
        entity_id=options.organization_id,
        action="import",
        changes={
            "format": [None, report.format],
            "rows": [None, report.rows],
            "created": [None, report.created],
            "updated": [None, report.updated],
        },
    )


def _count(report: ImportReport, *, dry_run: bool) -> None:
    """Import rows in the metrics: by outcome when committed, as rejected when refused."""
    if report.committed:
        count_import(
            {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
            }
        )
    elif not dry_run:
        count_import({"rejected": report.rows})  # all or nothing: none written


def run_import(
    session: Session,
    *,
    principal: Principal,
    request: ImportRequest,
    opener: Callable[[Vocabulary], Source] | None = None,
    binary: IO[bytes] | None = None,
) -> ImportReport:
    """Read and apply one file in the caller's transaction, serially (the write lock, on
    SQLite, is held from the first batch written to the end); returns the report (which
    lists the errors when any row failed: nothing was written then)."""
    options, source = _prepare(session, principal, request, opener, binary)
    try:
        report = Importer(session, options).run(source)
    finally:
        source.close()
    if report.committed:
        _record(session, options, report)
    _count(report, dry_run=options.dry_run)
    return report


@dataclass(slots=True)
class StagedImport:
    """A file validated in a read transaction, its writes staged (:func:`stage_import`)."""

    report: ImportReport
    options: ImportOptions
    staging: Staging
    # Filled by import_staged: seconds the merge held the write transaction, and whether
    # the file had to be imported serially instead.
    merge_seconds: float = 0.0
    serial: bool = False

    @property
    def ready(self) -> bool:
        """Something to merge: no row failed and not a dry run."""
        return not self.report.errors and not self.options.dry_run


def stage_import(
    session: Session,
    *,
    principal: Principal,
    request: ImportRequest,
    opener: Callable[[Vocabulary], Source] | None = None,
    binary: IO[bytes] | None = None,
) -> StagedImport | None:
    """Validate a file and stage its writes in ``session`` (a read transaction: no write
    lock is taken); None when the file needs the serial import (:class:`NeedsSerial`)."""
    options, source = _prepare(session, principal, request, opener, binary)
    staging = Staging()
    try:
        report = Importer(session, options, staging).run(source)
    except NeedsSerial:
        staging.close()
        return None
    finally:
        source.close()
    staged = StagedImport(report=report, options=options, staging=staging)
    if not staged.ready:
        _count(report, dry_run=options.dry_run)  # refused (or a dry run): nothing to merge
    return staged


def import_staged(
    write_session: Callable[[], Session],
    staged: StagedImport | None,
    serial: Callable[[Session], ImportReport],
) -> ImportReport:
    """Merge a staged import in a write transaction of its own; when the database changed
    under it (a point edited since staging, an id taken) or it needs the serial import,
    import the file serially instead (``serial``), in one transaction as well."""
    if staged is not None:
        try:
            if not staged.ready:
                return staged.report
            try:
                with write_session() as session, session.begin():
                    started = time.perf_counter()
                    created, updated, unchanged = merge(session, staged.options, staged.staging)
                    staged.report.created += created
                    staged.report.updated += updated
                    staged.report.unchanged += unchanged
                    staged.report.committed = True
                    _record(session, staged.options, staged.report)
                    session.flush()
                staged.merge_seconds = time.perf_counter() - started
                log.info(
                    "import merged: %d points in %d batches, write transaction %.3f s",
                    staged.staging.points,
                    staged.staging.batches,
                    staged.merge_seconds,
                )
                _count(staged.report, dry_run=False)
                return staged.report
            except (Conflict, IntegrityError):
                staged.report.committed = False
                log.info("import changed under its staging: importing it serially")
        finally:
            staged.staging.close()
    with write_session() as session, session.begin():
        report = serial(session)
    if staged is not None:
        staged.serial = True
    return report


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: str
    include_drafts: bool = False
    organization: str | None = None
    country: str | None = None
    lang: str | None = None


def _draft_organizations(principal: Principal | None, include: bool) -> list[str] | None:
    if not include:
        return None
    if principal is None or principal.is_admin:
        return ["*"]
    return principal.organizations_with(*DRAFT_ROLES)


def _exact_places(principal: Principal | None) -> writers.Exactness:
    """Whose exact places an export shows: an administrator's, every point's; staff's, their
    own organisations' points'; a public export's, none (``app.service_points.precision``)."""
    if principal is None:
        return None
    if principal.is_admin:
        return lambda point: True
    own = frozenset(org for org, held in principal.roles.items() if held)
    return lambda point: point.organization_id in own


def export_chunks(
    open_session: Callable[[], Session],
    *,
    request: ExportRequest,
    principal: Principal | None,
    default_language: str,
) -> tuple[str, str, Iterator[bytes]]:
    """(media type, file name, body chunks) of an export. The body is read in a session of
    its own, opened when streaming starts (after the request's own sessions closed)."""
    organization_id = None
    if request.organization is not None:
        with open_session() as session:
            org = repository.organization_by_key(session, request.organization)
            if org is None:
                raise NotFound(f"no organization with id {request.organization!r}")
            organization_id = org.id
    where = repository.export_clause(
        draft_organizations=_draft_organizations(principal, request.include_drafts),
        organization_id=organization_id,
        country=request.country,
    )
    if request.lang:
        pref = negotiate(
            lang=request.lang,
            accept_language=None,
            default=default_language,
            supported=[request.lang],
        )
    else:  # each point in its own language (chain_for puts it first)
        pref = LanguagePreference(
            requested=(),
            chain=(default_language, "en"),
            served=default_language,
            default=default_language,
        )
    media_type, extension = MEDIA_TYPES[request.format]
    exact = _exact_places(principal)

    def body() -> Iterator[bytes]:
        session = open_session()
        try:
            points: Iterator[ServicePoint] = repository.iter_points(session, where)
            if request.format == "csv":
                languages = repository.export_languages(session, where)
                yield from writers.csv_lines(points, languages, exact)
            elif request.format == "geojson":
                yield from writers.geojson_chunks(points, exact)
            else:
                vocab = Vocabulary.load(session, pref.chain)
                yield from writers.hsds_chunks(points, vocab, pref, exact)
        finally:
            session.close()

    return media_type, f"rumbo-export.{extension}", body()
