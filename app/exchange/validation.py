"""Validating an import's records into new points and changes: the write API's own models
(ServicePointCreate, ServicePointUpdate, TranslationInput) and state rules
(app.service_points.state), then the checks a form cannot make: known categories and
audiences, the point inside its country, the status change allowed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from pydantic import ValidationError

from app.audit import service as audit
from app.exchange import checks
from app.exchange.columns import Parsed, column_of
from app.exchange.readers import SourceRecord
from app.exchange.repository import KeyMatch
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_points import bulk, state
from app.service_points.bulk_repository import Loaded
from app.service_points.inputs import (
    ServicePointCreate,
    ServicePointUpdate,
    Status,
    TranslationInput,
)
from app.service_points.models import PointStatus
from app.service_points.state import ALLOWED_TRANSITIONS

__all__ = ["NEEDS_KEY", "Errors", "Keys", "Row", "Validator", "pydantic_errors"]

Errors = list[tuple[str, str]]
NEEDS_KEY = (
    "each row needs an external_id (or the Rumbo id) so that importing the file again "
    "updates the point instead of adding it twice"
)
STATUSES = set(get_args(Status))


def pydantic_errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> Errors:
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
class Row:
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


class Validator:
    """Validates the records of one import (``countries``: the current batch's located
    points, set per batch)."""

    def __init__(
        self, *, lang: str, default_category: str | None, categories: set[str], audiences: set[str]
    ) -> None:
        self.lang = lang
        self.default_category = default_category
        self.categories = categories
        self.audiences = audiences
        self.countries = checks.CountryChecks(())

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

    def _country(self, row: Row, lat: float, lon: float, country: str) -> Errors:
        result = self.countries.check(lat, lon, country)
        if result.ok and result.warning and result.detail:
            row.warnings.append(("lat", result.detail))
        return [] if result.ok else [("lat", result.detail or "outside its country")]

    def validate(self, row: Row, *, writing: bool) -> None:
        """Validate a record into its new state and write (``writing``: the import still
        writes, no record failed before it)."""
        if row.match is None:
            row.errors += self._create(row, writing)
        else:
            row.errors += self._update(row, row.match, writing)

    # -- create -------------------------------------------------------------------------
    def _create(self, row: Row, writing: bool) -> Errors:
        data = _compact(row.parsed.payload)
        bare = data.pop("_bare_texts", None)
        lang = data.get("original_language") or self.lang
        if bare:
            texts = data.setdefault("translations", {}).setdefault(lang, {})
            for key, value in bare.items():
                texts.setdefault(key, value)
        if "original_language" not in data:
            langs = list(data.get("translations") or {})
            data["original_language"] = langs[0] if len(langs) == 1 else self.lang
        if "categories" not in data and self.default_category:
            data["categories"] = [self.default_category]
        try:
            model = ServicePointCreate.model_validate(data)
        except ValidationError as exc:
            return pydantic_errors(exc)
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
            written=writing,
        )
        if writing:
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
                errors += pydantic_errors(exc, ("translations", lang))
        return out, errors

    def _update(self, row: Row, point: Loaded, writing: bool) -> Errors:
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
            errors += pydantic_errors(exc)
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
        if not writing:
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


class Keys:
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
