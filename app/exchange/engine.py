"""The import engine: every record validated and written, all or nothing.

For each record, in file order:

1. read into ServicePointCreate (a new point) or ServicePointUpdate + TranslationInput
   (an existing one, found by ``external_id`` or ``id``): the write API's own rules;
2. checked: known categories and audiences, the point inside its country, the status
   change allowed, its ids used once in the file and not by another organisation;
3. written through app.service_points.writing, audited like a staff edit, and compared
   with the points nearby to flag possible duplicates (reported, never merged).

The whole import runs in one SAVEPOINT: after the first failing record nothing more is
written (later records are still validated, so the report lists every problem), and at
the end the savepoint is rolled back when anything failed or on a dry run. An update that
changes nothing is rolled back too and counted as unchanged, so a re-import of the same
file bumps no version and sends nothing to offline clients. Objects are released from the
session every ``batch_size`` records, keeping memory flat on large files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.principal import Principal
from app.audit import service as audit
from app.exchange import checks, repository
from app.exchange.columns import column_of, parse_record
from app.exchange.readers import FileProblem, Source, SourceRecord
from app.exchange.schemas import MAX_MESSAGES, ImportReport, RowDuplicate
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_points import staff_service, writing
from app.service_points.inputs import (
    ServicePointCreate,
    ServicePointUpdate,
    Status,
    TranslationInput,
)
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus, ServicePoint

__all__ = ["ImportOptions", "Importer"]

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
    batch_size: int = 500


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


class Importer:
    def __init__(self, session: Session, options: ImportOptions) -> None:
        self.session = session
        self.options = options
        self.categories, self.audiences = repository.known_codes(session)
        self.seen: dict[str, int] = {}
        self.writing = True
        self.report = ImportReport(
            format="", organization=options.organization, dry_run=options.dry_run
        )

    # -- the run ------------------------------------------------------------------------
    def run(self, source: Source) -> ImportReport:
        report = self.report
        savepoint = self.session.begin_nested()
        try:
            # Each write flushes itself; lookups need not flush first (fewer round trips).
            with self.session.no_autoflush:
                for count, item in enumerate(source.records, start=1):
                    self._row(item)
                    if count % self.options.batch_size == 0:
                        self.session.flush()
                        self.session.expunge_all()
        except FileProblem as exc:
            report.error(exc.row, exc.field, exc.detail)
        except BaseException:
            savepoint.rollback()
            raise
        report.format, report.encoding, report.delimiter = (
            source.format,
            source.encoding,
            source.delimiter,
        )
        report.notes = list(source.notes)
        report.ignored = sorted(source.ignored)
        if report.errors or self.options.dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
            report.committed = True
        return report

    def _row(self, item: SourceRecord) -> None:
        report, number = self.report, item.number
        report.rows += 1
        if item.skip:
            report.skipped += 1
            report.warn(number, "row", f"skipped: {item.skip}", item.ref)
            return
        for field, detail in item.warnings:
            report.warn(number, field, detail, item.ref)
        parsed = parse_record(item.record)
        errors: Errors = [*item.errors, *parsed.errors]
        external_id = parsed.payload.get("external_id")
        if not (
            parsed.public_id or external_id or item.errors or any(f == "id" for f, _ in errors)
        ):
            errors.append(("external_id", NEEDS_KEY))
        errors += self._claim(number, parsed.public_id, external_id)
        point: ServicePoint | None = None
        if not errors:
            point, problems = self._existing(parsed.public_id, external_id)
            errors += problems
        if not errors:
            if point is None:
                errors = self._create(item, parsed.payload, parsed.public_id)
            else:
                errors = self._update(item, point, parsed.payload)
        if errors:
            report.failed += 1
            self.writing = False
            for field, detail in errors:
                report.error(number, field, detail, item.ref)

    # -- identity -----------------------------------------------------------------------
    def _claim(self, number: int, public_id: str | None, external_id: str | None) -> Errors:
        errors: Errors = []
        for field, key in (("id", public_id), ("external_id", external_id)):
            if not key:
                continue
            slot = f"{field}:{key}"
            if slot in self.seen:
                errors.append((field, f"{key[:60]!r} is also on row {self.seen[slot]}"))
            else:
                self.seen[slot] = number
        return errors

    def _existing(
        self, public_id: str | None, external_id: str | None
    ) -> tuple[ServicePoint | None, Errors]:
        found = repository.points_by_keys(self.session, public_id, external_id)
        by_id = next((m for m in found if public_id and m.public_id == public_id), None)
        by_ext = next((m for m in found if external_id and m.external_id == external_id), None)
        if by_id is not None and by_ext is not None and by_id.id != by_ext.id:
            return None, [("external_id", "names another point than the row's id")]
        match = by_ext or by_id
        if match is None:
            return None, []
        field = "external_id" if by_ext is not None else "id"
        if match.organization_id != self.options.organization_id:
            return None, [(field, "is used by a point of another organisation")]
        if match.deleted:
            return None, [(field, "names a deleted point")]
        return repository.load_point(self.session, match.id), []

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

    def _country(self, item: SourceRecord, lat: float, lon: float, country: str) -> Errors:
        result = checks.check_country(lat, lon, country)
        if result.ok and result.warning and result.detail:
            self.report.warn(item.number, "lat", result.detail, item.ref)
        return [] if result.ok else [("lat", result.detail or "outside its country")]

    def _duplicates(self, item: SourceRecord, data: ServicePointCreate) -> None:
        found = checks.find_possible_duplicates(
            self.session,
            lat=data.lat,
            lon=data.lon,
            categories=data.categories,
            names=[t.name for t in data.translations.values()],
            organization_id=self.options.organization_id,
        )
        for dup in found:
            if len(self.report.possible_duplicates) >= MAX_MESSAGES:
                self.report.truncated = True
                return
            self.report.possible_duplicates.append(
                RowDuplicate(
                    row=item.number,
                    point_id=dup.point_id,
                    name=dup.name,
                    distance_m=dup.distance_m,
                    similarity=dup.similarity,
                )
            )

    # -- create -------------------------------------------------------------------------
    def _create(self, item: SourceRecord, payload: dict[str, Any], public_id: str | None) -> Errors:
        data = _compact(payload)
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
        errors += self._country(item, model.lat, model.lon, model.country)
        if errors:
            return errors
        self._duplicates(item, model)
        self.report.created += 1
        if self.writing:
            point = writing.create_point(
                self.session,
                model,
                organization_id=self.options.organization_id,
                public_id=public_id,
            )
            self._audit(point, "create", audit.diff({}, staff_service.snapshot(point)))
        return []

    # -- update -------------------------------------------------------------------------
    def _translations(
        self, point: ServicePoint, texts: dict[str, dict[str, Any]]
    ) -> tuple[dict[str, TranslationInput], Errors]:
        current = {
            t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in point.translations
        }
        out: dict[str, TranslationInput] = {}
        errors: Errors = []
        for raw_lang, fields in texts.items():
            try:
                lang = normalise_tag(raw_lang)
            except InvalidLanguageTag as exc:
                errors.append((f"name:{raw_lang}", str(exc)))
                continue
            merged = {**current.get(lang, {}), **fields}
            try:
                out[lang] = TranslationInput.model_validate(merged)
            except ValidationError as exc:
                errors += _pydantic_errors(exc, ("translations", lang))
        return out, errors

    def _update(self, item: SourceRecord, point: ServicePoint, payload: dict[str, Any]) -> Errors:
        payload = dict(payload)
        bare = payload.pop("_bare_texts", None)
        texts = payload.pop("translations", None) or {}
        status = payload.pop("status", None)
        if bare:
            lang = payload.get("original_language") or point.original_language
            texts.setdefault(lang, {}).update(bare)
        if isinstance(payload.get("source"), dict):
            current = {
                "title": point.source_title,
                "url": point.source_url,
                "publisher": point.source_publisher,
            }
            payload["source"] = {**current, **payload["source"]}
        errors: Errors = []
        change: ServicePointUpdate | None = None
        try:
            change = ServicePointUpdate.model_validate(payload)
        except ValidationError as exc:
            errors += _pydantic_errors(exc)
        translations, problems = self._translations(point, texts)
        errors += problems
        if status is not None and status not in STATUSES:
            errors.append(("status", f"{status!r} is not one of {', '.join(sorted(STATUSES))}"))
        elif status is not None and status != point.status:
            allowed = staff_service.ALLOWED_TRANSITIONS[PointStatus(point.status)]
            if PointStatus(status) not in allowed:
                errors.append(("status", f"a {point.status} point cannot become {status}"))
        if change is None or errors:
            return errors
        if change.original_language and change.original_language not in (
            {t.lang for t in point.translations} | set(translations)
        ):
            errors.append(("original_language", "no translation exists in that language"))
        errors += self._codes(change.categories, change.audiences)
        lat, lon = (
            change.lat if change.lat is not None else point.lat,
            change.lon if change.lon is not None else point.lon,
        )
        country = change.country or point.country
        if (lat, lon, country) != (point.lat, point.lon, point.country):
            errors += self._country(item, lat, lon, country)
        if errors:
            return errors
        if not self.writing:
            self.report.updated += 1
            return []
        before = staff_service.snapshot(point)
        savepoint = self.session.begin_nested()
        for lang, text in translations.items():
            writing.put_translation(self.session, point, lang, text)
        if change.model_fields_set:
            writing.update_point(self.session, point, change)
        if status is not None and status != point.status:
            writing.set_status(self.session, point, PointStatus(status))
        changes = audit.diff(before, staff_service.snapshot(point))
        if not changes:
            savepoint.rollback()
            self.report.unchanged += 1
            return []
        savepoint.commit()
        self._audit(point, "update", changes)
        self.report.updated += 1
        return []

    def _audit(self, point: ServicePoint, action: str, changes: dict[str, Any]) -> None:
        audit.record(
            self.session,
            actor=self.options.principal,
            organization_id=point.organization_id,
            entity_type=staff_service.ENTITY,
            entity_id=point.public_id,
            action=action,
            changes=changes,
        )
