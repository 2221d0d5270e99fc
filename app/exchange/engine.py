"""The import engine: every record validated and written, all or nothing, in batches.

Records are read as a stream and handled ``batch_size`` at a time (memory holds one batch,
plus the index of the ids the file used). For each batch:

1. every record is read (app.exchange.columns) and its ids claimed: each ``id`` and
   ``external_id`` once in the file;
2. the points the batch names are looked up in one query, and those it changes loaded in
   a few more (app.service_points.bulk_repository);
3. each record, in file order, is validated into ServicePointCreate (a new point) or
   ServicePointUpdate + TranslationInput (an existing one, found by ``external_id`` or
   ``id``): the write API's own rules. Then the checks a form cannot make: known
   categories and audiences, the point inside its country (the batch's points located in
   one vectorised lookup), the status change allowed, the ids not used by another
   organisation. Its new state comes from
   app.service_points.state, the rules every write uses;
4. new points are compared with the points nearby to flag possible duplicates (reported,
   never merged): one query for the batch, and the batch's earlier points in memory;
5. the batch is written in a few statements (app.service_points.bulk), with one audit event
   per point (its before/after, like a staff edit) and the offline sync log.

After the first failing record nothing more is written (later records are still
validated, so the report lists every problem); the whole import runs in one SAVEPOINT,
rolled back at the end when anything failed or on a dry run. A record that would change
nothing is not written and counts as unchanged, so a re-import of the same file bumps no
version and sends nothing to offline clients.

The outcome is the one writing record by record would give: a record that names a point
an earlier record of the same batch changes is moved to the next batch, which is looked up
after the earlier one is written.

Staged imports (what the API and ``rumbo import`` run): the whole file is validated in a
read transaction, holding no write lock, and each batch's writes (step 5) are kept in a
:class:`Staging` file instead of written. :func:`merge` then writes them in the write
transaction, the only time other writers wait. The merge writes what staging saw: a point
changed meanwhile fails the merge (its version is checked), and so does a record naming a
point an earlier batch of the same file changes (:class:`NeedsSerial`, rare); the caller
then imports the file the serial way, whole, under the write lock.
"""

from __future__ import annotations

import gc
import pickle
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.principal import Principal
from app.audit import service as audit
from app.errors import Conflict
from app.exchange import checks, repository
from app.exchange.columns import Parsed, column_of, parse_record
from app.exchange.readers import FileProblem, Source, SourceRecord
from app.exchange.repository import KeyMatch
from app.exchange.schemas import MAX_MESSAGES, ImportReport, RowDuplicate
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_areas import imports as area_imports
from app.service_areas import repository as area_repository
from app.service_points import bulk, bulk_repository, state, writing
from app.service_points.bulk_repository import Loaded
from app.service_points.inputs import (
    ServicePointCreate,
    ServicePointUpdate,
    Status,
    TranslationInput,
)
from app.service_points.models import PointStatus
from app.service_points.state import ALLOWED_TRANSITIONS, ENTITY

__all__ = ["BATCH_ROWS", "ImportOptions", "Importer", "NeedsSerial", "Staging", "merge"]

# Records validated and written together: larger batches mean fewer statements, more memory.
BATCH_ROWS = 1000

Errors = list[tuple[str, str]]
NEEDS_KEY = (
    "each row needs an external_id (or the Rumbo id) so that importing the file again "
    "updates the point instead of adding it twice"
)
STATUSES = set(get_args(Status))


@dataclass(frozen=True, slots=True)
class ImportOptions:
    organization_id: str
    organization: str
    principal: Principal
    dry_run: bool = False
    lang: str = "es"
    default_category: str | None = None
    batch_size: int | None = None  # BATCH_ROWS when None


def _pydantic_errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> Errors:
    out: Errors = []
    for err in exc.errors():
        loc = (*prefix, *err.get("loc", ()))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if tuple(loc) == ("translations",):
            out.append(("name", "a name is required (a name or name:<language> column)"))
            continue
        out.append((column_of(loc), message))
    return out


def _compact(value: Any) -> Any:
    """Drop empty cells (``None``) at every level: a new point has no value to clear."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None}
    return value


@dataclass(slots=True)
class _Row:
    """One record of a batch, from reading to reporting."""

    item: SourceRecord
    parsed: Parsed = field(default_factory=Parsed)
    external_id: str | None = None
    errors: Errors = field(default_factory=list)
    warnings: Errors = field(default_factory=list)
    match: Loaded | None = None
    # What the record does once validated: a new point, or a change to write.
    write: bulk.NewPoint | bulk.PointChange | None = None
    audit: dict[str, Any] = field(default_factory=dict)
    probe: checks.BatchPoint | None = None
    outcome: str = "failed"  # created, updated, unchanged, skipped or failed


class NeedsSerial(Exception):
    """A staged import cannot stand in for the serial one (see the module docstring)."""


class Staging:
    """The validated writes of an import, batch by batch, in a temporary file (memory holds
    one batch, as while importing). Written and read back by this process only."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        self.batches = 0
        self.points = 0
        self.area_records: list[area_imports.AreaRecord] = []  # few: kept in memory

    def add(
        self, writes: Sequence[bulk.NewPoint | bulk.PointChange], events: Sequence[audit.Change]
    ) -> None:
        if writes:
            pickle.dump((list(writes), list(events)), self._file, pickle.HIGHEST_PROTOCOL)
            self.batches += 1
            self.points += len(writes)

    def __iter__(
        self,
    ) -> Iterator[tuple[list[bulk.NewPoint | bulk.PointChange], list[audit.Change]]]:
        self._file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self._file)  # noqa: S301  (our own temporary file)

    def close(self) -> None:
        self._file.close()


def merge(session: Session, options: ImportOptions, staging: Staging) -> tuple[int, int, int]:
    """Write a staged import in ``session``'s transaction (raises ``Conflict`` when a point
    changed since it was staged); returns the area services created, updated, unchanged."""
    writer = bulk.BulkWriter(
        session,
        organization_id=options.organization_id,
        categories=writing.category_texts(session),
    )
    for writes, events in staging:
        writer.write(writes)
        audit.record_many(session, actor=options.principal, events=events)
    if not staging.area_records:
        return 0, 0, 0
    created, updated, unchanged, errors = area_imports.write(
        session, options.principal, options.organization_id, staging.area_records
    )
    if errors:
        raise Conflict("an area service of the file changed since it was checked")
    return created, updated, unchanged


class Importer:
    def __init__(
        self, session: Session, options: ImportOptions, staging: Staging | None = None
    ) -> None:
        self.session = session
        self.options = options
        self.staging = staging
        # Points changed by the staged batches so far (not in the database yet).
        self.staged_changes: set[int] = set()
        self.batch_size = options.batch_size or BATCH_ROWS
        self.categories, self.audiences = repository.known_codes(session)
        # The id index: the row that used each id and each external id (what grows with
        # the file: the keys themselves and a row number).
        self.seen: dict[str, dict[str, int]] = {"id": {}, "external_id": {}}
        self.writing = True
        self.area_records: list[area_imports.AreaRecord] = []
        self.problem: FileProblem | None = None
        self.countries = checks.CountryChecks(())
        self.report = ImportReport(
            format="", organization=options.organization, dry_run=options.dry_run
        )
        self.writer = bulk.BulkWriter(
            session,
            organization_id=options.organization_id,
            categories=writing.category_texts(session),
        )
        self.duplicates = checks.BatchDuplicates(
            session,
            organization_id=options.organization_id,
            # Staged batches are not in the database: later batches compare with them here.
            across_batches=staging is not None,
        )

    # -- the run ------------------------------------------------------------------------
    def run(self, source: Source) -> ImportReport:
        report = self.report
        savepoint = self.session.begin_nested()
        try:
            # Nothing goes through the ORM's unit of work: lookups need not flush first.
            with self.session.no_autoflush, _collect_young_only():
                pending: list[_Row] = []
                for item in self._records(source.records):
                    if not item.skip and area_imports.is_area_record(item.record):
                        self._area_service(item)
                        continue
                    pending.append(self._read(item))
                    if len(pending) >= self.batch_size:
                        pending = self._batch(pending)
                while pending:
                    pending = self._batch(pending)
        except BaseException:
            savepoint.rollback()
            raise
        if self.problem is not None:
            report.error(self.problem.row, self.problem.field, self.problem.detail)
        report.format, report.encoding, report.delimiter = (
            source.format,
            source.encoding,
            source.delimiter,
        )
        report.notes = list(source.notes)
        report.ignored = sorted(source.ignored)
        if self.area_records and not report.errors and not self.options.dry_run:
            if self.staging is not None:  # counted when merged
                self.staging.area_records = self.area_records
            else:
                self._write_area_services()
        elif self.area_records:
            self._count_area_services()
        if report.errors or self.options.dry_run or self.staging is not None:
            savepoint.rollback()  # staged: nothing was written, merge() writes
        else:
            savepoint.commit()
            report.committed = True
        return report

    # -- area services (app.service_areas.imports) --------------------------------------
    def _area_service(self, item: SourceRecord) -> None:
        """A record with an area: an area service, checked now and written at the end."""
        report = self.report
        report.rows += 1
        parsed = parse_record(item.record)
        external_id = parsed.payload.get("external_id")
        errors: Errors = [*item.errors, *parsed.errors]
        errors += self._claim(
            item.number, parsed.public_id, external_id if isinstance(external_id, str) else None
        )
        if parsed.public_id:
            parsed.payload["id"] = parsed.public_id
        record, problems = area_imports.prepare(
            self.session,
            item.number,
            parsed.payload,
            self.options.lang,
            self.options.default_category,
        )
        errors += problems
        for name, detail in item.warnings:
            report.warn(item.number, name, detail, item.ref)
        if errors or record is None:
            report.failed += 1
            for name, detail in errors:
                report.error(item.number, name, detail, item.ref)
            return
        self.area_records.append(record)

    def _count_area_services(self) -> None:
        """Created or updated, as the merge will find them (a staged or dry run)."""
        for rec in self.area_records:
            exists = (
                rec.public_id is not None
                and area_repository.by_public_id(self.session, rec.public_id) is not None
            ) or (
                rec.data.external_id is not None
                and area_repository.by_external_id(self.session, rec.data.external_id) is not None
            )
            if exists:
                self.report.updated += 1
            else:
                self.report.created += 1

    def _write_area_services(self) -> None:
        created, updated, unchanged, errors = area_imports.write(
            self.session, self.options.principal, self.options.organization_id, self.area_records
        )
        report = self.report
        report.created += created
        report.updated += updated
        report.unchanged += unchanged
        report.failed += len(errors)
        for number, name, detail in errors:
            report.error(number, name, detail)

    def _records(self, records: Iterator[SourceRecord]) -> Iterator[SourceRecord]:
        """The records, until the file cannot be read on (the problem is kept)."""
        try:
            yield from records
        except FileProblem as exc:
            self.problem = exc

    def _batch(self, rows: list[_Row]) -> list[_Row]:
        """Validate, check and write a batch; returns the rows left for the next batch."""
        gc.freeze()  # see _collect_young_only
        keys = _Keys(self._lookup(rows))
        loaded = bulk_repository.load(
            self.session,
            [
                m.id
                for m in keys.matches
                if m.organization_id == self.options.organization_id and not m.deleted
            ],
        )
        self.countries = checks.CountryChecks(
            (lat, lon)
            for row in rows
            if isinstance(lat := row.parsed.payload.get("lat"), float)
            and isinstance(lon := row.parsed.payload.get("lon"), float)
        )
        changed: set[int] = set()
        for index, row in enumerate(rows):
            if row.item.skip:
                row.outcome = "skipped"
                continue
            if not row.errors:
                by_id, by_ext = keys.of(row.parsed.public_id, row.external_id)
                if {m.id for m in (by_id, by_ext) if m} & self.staged_changes:
                    raise NeedsSerial(f"row {row.item.number} names a point changed above")
                if self.writing and {m.id for m in (by_id, by_ext) if m} & changed:
                    # Written one by one, this record would meet an earlier record's change:
                    # write the batch so far and look it up again.
                    return self._finish(rows[:index]) + rows[index:]
                row.match, problems = self._existing(by_id, by_ext, loaded)
                row.errors += problems
            if not row.errors:
                self._validate(row)
            if row.errors:
                self.writing = False
            elif isinstance(row.write, bulk.PointChange):
                changed.add(row.write.point.id)
        return self._finish(rows)

    def _finish(self, rows: Sequence[_Row]) -> list[_Row]:
        """Report the rows (in file order) and write those to write."""
        duplicates = self.duplicates.check([r.probe for r in rows if r.probe is not None])
        found = iter(duplicates)
        report = self.report
        for row in rows:
            number, ref = row.item.number, row.item.ref
            report.rows += 1
            if row.outcome == "skipped":
                report.skipped += 1
                report.warn(number, "row", f"skipped: {row.item.skip}", ref)
                continue
            for name, detail in (*row.item.warnings, *row.warnings):
                report.warn(number, name, detail, ref)
            if row.probe is not None:
                self._report_duplicates(number, next(found))
            if row.errors:
                report.failed += 1
                for name, detail in row.errors:
                    report.error(number, name, detail, ref)
            else:
                setattr(report, row.outcome, getattr(report, row.outcome) + 1)
        written = [r for r in rows if r.write is not None]
        writes = [r.write for r in written if r.write is not None]
        events = [
            audit.Change(
                organization_id=self.options.organization_id,
                entity_type=ENTITY,
                entity_id=_public_id(r.write),
                action="create" if isinstance(r.write, bulk.NewPoint) else "update",
                changes=r.audit,
            )
            for r in written
            if r.write is not None
        ]
        if self.staging is not None:
            self.staging.add(writes, events)
            self.staged_changes.update(
                w.point.id for w in writes if isinstance(w, bulk.PointChange)
            )
        else:
            self.writer.write(writes)
            audit.record_many(self.session, actor=self.options.principal, events=events)
        return []

    # -- reading and identity -----------------------------------------------------------
    def _read(self, item: SourceRecord) -> _Row:
        row = _Row(item=item)
        if item.skip:
            return row
        row.parsed = parsed = parse_record(item.record)
        row.errors = [*item.errors, *parsed.errors]
        external_id = parsed.payload.get("external_id")
        row.external_id = external_id if isinstance(external_id, str) else None
        if not (
            parsed.public_id
            or row.external_id
            or item.errors
            or any(f == "id" for f, _ in row.errors)
        ):
            row.errors.append(("external_id", NEEDS_KEY))
        row.errors += self._claim(item.number, parsed.public_id, row.external_id)
        return row

    def _claim(self, number: int, public_id: str | None, external_id: str | None) -> Errors:
        errors: Errors = []
        for name, key in (("id", public_id), ("external_id", external_id)):
            if not key:
                continue
            seen = self.seen[name]
            if key in seen:
                errors.append((name, f"{key[:60]!r} is also on row {seen[key]}"))
            else:
                seen[key] = number
        return errors

    def _lookup(self, rows: Sequence[_Row]) -> list[KeyMatch]:
        """The points the batch's valid rows name, by public id or external id."""
        keyed = [r for r in rows if not r.errors and not r.item.skip]
        return repository.points_by_keys(
            self.session,
            [r.parsed.public_id for r in keyed if r.parsed.public_id],
            [r.external_id for r in keyed if r.external_id],
        )

    def _existing(
        self, by_id: KeyMatch | None, by_ext: KeyMatch | None, loaded: dict[int, Loaded]
    ) -> tuple[Loaded | None, Errors]:
        """The point a record names (by external id, else by id), if it may change it."""
        if by_id is not None and by_ext is not None and by_id.id != by_ext.id:
            return None, [("external_id", "names another point than the row's id")]
        match = by_ext or by_id
        if match is None:
            return None, []
        name = "external_id" if by_ext is not None else "id"
        if match.organization_id != self.options.organization_id:
            return None, [(name, "is used by a point of another organisation")]
        if match.deleted:
            return None, [(name, "names a deleted point")]
        return loaded[match.id], []

    # -- checks -------------------------------------------------------------------------
    def _codes(self, categories: Iterable[str] | None, audiences: Iterable[str] | None) -> Errors:
        errors: Errors = [
            ("categories", f"unknown category {c!r}")
            for c in categories or ()
            if c not in self.categories
        ]
        errors += [
            ("audiences", f"unknown audience {a!r}")
            for a in audiences or ()
            if a not in self.audiences
        ]
        return errors

    def _country(self, row: _Row, lat: float, lon: float, country: str) -> Errors:
        result = self.countries.check(lat, lon, country)
        if result.ok and result.warning and result.detail:
            row.warnings.append(("lat", result.detail))
        return [] if result.ok else [("lat", result.detail or "outside its country")]

    def _validate(self, row: _Row) -> None:
        if row.match is None:
            row.errors += self._create(row)
        else:
            row.errors += self._update(row, row.match)

    # -- create -------------------------------------------------------------------------
    def _create(self, row: _Row) -> Errors:
        data = _compact(row.parsed.payload)
        bare = data.pop("_bare_texts", None)
        lang = data.get("original_language") or self.options.lang
        if bare:
            texts = data.setdefault("translations", {}).setdefault(lang, {})
            for key, value in bare.items():
                texts.setdefault(key, value)
        if "original_language" not in data:
            langs = list(data.get("translations") or {})
            data["original_language"] = langs[0] if len(langs) == 1 else self.options.lang
        if "categories" not in data and self.options.default_category:
            data["categories"] = [self.options.default_category]
        try:
            model = ServicePointCreate.model_validate(data)
        except ValidationError as exc:
            return _pydantic_errors(exc)
        errors = self._codes(model.categories, model.audiences)
        errors += self._country(row, model.lat, model.lon, model.country)
        if errors:
            return errors
        new = state.created(model)
        public_id = row.parsed.public_id or str(uuid.uuid4())
        row.outcome = "created"
        row.probe = checks.BatchPoint(
            public_id=public_id,
            lat=new.lat,
            lon=new.lon,
            categories=new.categories,
            names=[t.name for t in model.translations.values()],
            probe=True,
            written=self.writing,
        )
        if self.writing:
            row.write = bulk.NewPoint(public_id, new)
            row.audit = audit.diff({}, state.snapshot(new))
        return []

    # -- update -------------------------------------------------------------------------
    def _translations(
        self, current: state.PointState, texts: dict[str, dict[str, Any]]
    ) -> tuple[dict[str, TranslationInput], Errors]:
        out: dict[str, TranslationInput] = {}
        errors: Errors = []
        for raw_lang, fields in texts.items():
            try:
                lang = normalise_tag(raw_lang)
            except InvalidLanguageTag as exc:
                errors.append((f"name:{raw_lang}", str(exc)))
                continue
            merged = {**current.translations.get(lang, {}), **fields}
            try:
                out[lang] = TranslationInput.model_validate(merged)
            except ValidationError as exc:
                errors += _pydantic_errors(exc, ("translations", lang))
        return out, errors

    def _update(self, row: _Row, point: Loaded) -> Errors:
        before = point.state
        payload = dict(row.parsed.payload)
        bare = payload.pop("_bare_texts", None)
        texts = payload.pop("translations", None) or {}
        status = payload.pop("status", None)
        if bare:
            lang = payload.get("original_language") or before.original_language
            texts.setdefault(lang, {}).update(bare)
        if isinstance(payload.get("source"), dict):
            current = {
                "title": before.source_title,
                "url": before.source_url,
                "publisher": before.source_publisher,
                "as_of": before.source_as_of,
            }
            payload["source"] = {**current, **payload["source"]}
        errors: Errors = []
        change: ServicePointUpdate | None = None
        try:
            change = ServicePointUpdate.model_validate(payload)
        except ValidationError as exc:
            errors += _pydantic_errors(exc)
        translations, problems = self._translations(before, texts)
        errors += problems
        if status is not None and status not in STATUSES:
            errors.append(("status", f"{status!r} is not one of {', '.join(sorted(STATUSES))}"))
        elif status is not None and status != before.status:
            allowed = ALLOWED_TRANSITIONS[PointStatus(before.status)]
            if PointStatus(status) not in allowed:
                errors.append(("status", f"a {before.status} point cannot become {status}"))
        if change is None or errors:
            return errors
        after = before
        for lang, text in translations.items():
            after = state.with_texts(after, lang, text)
        problem = state.update_problem(after, change)
        if problem is not None:
            errors.append((problem.field, problem.detail))
        after = state.updated(after, change)
        errors += self._codes(change.categories, change.audiences)
        if after.place != before.place:
            errors += self._country(row, after.lat, after.lon, after.country)
        if errors:
            return errors
        if not self.writing:
            row.outcome = "updated"
            return []
        if status is not None:
            after = replace(after, status=status)
        changes = audit.diff(state.snapshot(before), state.snapshot(after))
        if not changes:
            row.outcome = "unchanged"
            return []
        row.outcome = "updated"
        row.write = bulk.PointChange(point, after, frozenset(translations))
        row.audit = changes
        row.probe = checks.BatchPoint(
            public_id=point.public_id,
            lat=after.lat,
            lon=after.lon,
            categories=after.categories,
            names=after.names(),
            written=True,
            replaces=point.id,
        )
        return []

    def _report_duplicates(self, number: int, found: Sequence[checks.PossibleDuplicate]) -> None:
        for dup in found:
            if len(self.report.possible_duplicates) >= MAX_MESSAGES:
                self.report.truncated = True
                return
            self.report.possible_duplicates.append(
                RowDuplicate(
                    row=number,
                    point_id=dup.point_id,
                    name=dup.name,
                    distance_m=dup.distance_m,
                    similarity=dup.similarity,
                )
            )


@contextmanager
def _collect_young_only() -> Iterator[None]:
    """Keep the garbage collector to what a batch allocates.

    A batch allocates hundreds of thousands of short-lived objects, and each full
    collection then walks every object alive: the application's modules, the country and
    time zone data, phone metadata. Freezing what is alive when a batch starts (``gc.freeze``;
    objects are still freed by reference counting) halves the time per row; the frozen
    objects are handed back to the collector when the import ends."""
    try:
        yield
    finally:
        gc.unfreeze()


class _Keys:
    """The points a batch names, by public id and by external id."""

    def __init__(self, matches: Sequence[KeyMatch]) -> None:
        self.matches = matches
        self._public = {m.public_id: m for m in matches}
        self._external = {m.external_id: m for m in matches if m.external_id}

    def of(
        self, public_id: str | None, external_id: str | None
    ) -> tuple[KeyMatch | None, KeyMatch | None]:
        return (
            self._public.get(public_id) if public_id else None,
            self._external.get(external_id) if external_id else None,
        )


def _public_id(write: bulk.NewPoint | bulk.PointChange) -> str:
    return write.public_id if isinstance(write, bulk.NewPoint) else write.point.public_id
