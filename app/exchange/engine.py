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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.exchange import areas as area_imports
from app.exchange import checks, repository
from app.exchange.columns import parse_record
from app.exchange.readers import FileProblem, Source, SourceRecord
from app.exchange.repository import KeyMatch
from app.exchange.schemas import MAX_MESSAGES, ImportReport, RowDuplicate
from app.exchange.staging import ImportOptions, NeedsSerial, Staging, merge
from app.exchange.validation import NEEDS_KEY, Errors, Keys, Row, Validator
from app.service_points import bulk, bulk_repository, writing
from app.service_points.bulk_repository import Loaded
from app.service_points.state import ENTITY

__all__ = ["BATCH_ROWS", "ImportOptions", "Importer", "NeedsSerial", "Staging", "merge"]

# Records validated and written together: larger batches mean fewer statements, more memory.
BATCH_ROWS = 1000


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
        categories, audiences = repository.known_codes(session)
        self.validator = Validator(
            lang=options.lang,
            default_category=options.default_category,
            categories=categories,
            audiences=audiences,
        )
        # The id index: the row that used each id and each external id (what grows with
        # the file: the keys themselves and a row number).
        self.seen: dict[str, dict[str, int]] = {"id": {}, "external_id": {}}
        self.writing = True
        self.area_records: list[area_imports.AreaRecord] = []
        self.problem: FileProblem | None = None
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
                pending: list[Row] = []
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

    # -- area services (app.exchange.areas) --------------------------------------
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
        existing = area_imports.count_existing(self.session, self.area_records)
        self.report.updated += existing
        self.report.created += len(self.area_records) - existing

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

    def _batch(self, rows: list[Row]) -> list[Row]:
        """Validate, check and write a batch; returns the rows left for the next batch."""
        gc.freeze()  # see _collect_young_only
        keys = Keys(self._lookup(rows))
        loaded = bulk_repository.load(
            self.session,
            [
                m.id
                for m in keys.matches
                if m.organization_id == self.options.organization_id and not m.deleted
            ],
        )
        self.validator.countries = checks.CountryChecks(
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
                self.validator.validate(row, writing=self.writing)
            if row.errors:
                self.writing = False
            elif isinstance(row.write, bulk.PointChange):
                changed.add(row.write.point.id)
        return self._finish(rows)

    def _finish(self, rows: Sequence[Row]) -> list[Row]:
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
    def _read(self, item: SourceRecord) -> Row:
        row = Row(item=item)
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

    def _lookup(self, rows: Sequence[Row]) -> list[KeyMatch]:
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


def _public_id(write: bulk.NewPoint | bulk.PointChange) -> str:
    return write.public_id if isinstance(write, bulk.NewPoint) else write.point.public_id
