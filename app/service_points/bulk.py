"""Writing many service points at once (imports): what ``writing.py`` writes, in a few
statements per batch instead of a dozen per point.

A batch is a list of :class:`NewPoint` and :class:`PointChange` in the order they were
read, each already validated, its state computed by :mod:`app.service_points.state` (the
rules ``writing.py`` uses too). :meth:`BulkWriter.write`:

1. takes the transaction's change sequence number first (the counter lock is every
   writer's first lock, as with ORM writes);
2. inserts the new points (their ids taken first) and their texts, categories, audiences
   and spoken languages; updates the changed points (every column, ``updated_at``, the
   version bumped by one, checked against the version read: a point changed meanwhile by
   someone else fails the batch, as the ORM's optimistic lock would) and rewrites the
   lists and texts that changed;
3. records one change row per point in the journal, plus its old place when it moved:
   the rows the ORM listener (``app.sync.tracking``) records for the same writes, through
   the same :func:`app.journal.record`.

Search documents come from the same :func:`~app.service_points.state.search_document`,
with the category words loaded once; time zones were found when the states were built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app import journal
from app.db import utcnow
from app.errors import Conflict
from app.journal import ChangeRow
from app.service_points import bulk_repository
from app.service_points.bulk_repository import Loaded
from app.service_points.state import CategoryTexts, PointState, point_columns, search_document

__all__ = ["BATCH_HOOKS", "BulkWriter", "NewPoint", "PointChange", "Written", "WrittenBatch"]


@dataclass(frozen=True, slots=True)
class Written:
    """A point as a batch wrote it: its id, public id, new version and state."""

    id: int
    public_id: str
    version: int
    state: PointState
    created: bool


@dataclass(frozen=True, slots=True)
class WrittenBatch:
    """What one batch wrote, for what keeps derived data current (:data:`BATCH_HOOKS`): the
    points of ``organization_id``, each as written, all stamped ``updated_at``."""

    organization_id: str
    updated_at: dt.datetime
    points: list[Written]


# Called with the session and what each batch wrote, in its transaction. Filled by whoever
# installs the write listeners (``app.sync.tracking.install``: the app, the command line,
# the test harness), never at import.
BatchHook = Callable[[Session, WrittenBatch], None]
BATCH_HOOKS: list[BatchHook] = []

LISTS = ("categories", "audiences", "spoken_languages")


@dataclass(frozen=True, slots=True)
class NewPoint:
    public_id: str
    state: PointState


@dataclass(frozen=True, slots=True)
class PointChange:
    point: Loaded
    after: PointState
    # Languages whose texts the change wrote: their rows are rewritten (``updated_at`` moves).
    texts: frozenset[str] = field(default_factory=frozenset)


class BulkWriter:
    """Writes batches of new and changed points of one organisation."""

    def __init__(
        self, session: Session, *, organization_id: str, categories: CategoryTexts
    ) -> None:
        self.session = session
        self.organization_id = organization_id
        self.categories = categories

    def write(self, items: Sequence[NewPoint | PointChange]) -> None:
        if not items:
            return
        journal.take_seq(self.session)
        now = utcnow()
        new_ids = self._insert([i for i in items if isinstance(i, NewPoint)], now)
        changes = [i for i in items if isinstance(i, PointChange)]
        self._update(changes, now)
        # What keeps derived data current (the read model's documents): one call per batch,
        # with the states just written (nothing to read back).
        if BATCH_HOOKS:
            batch = WrittenBatch(self.organization_id, now, _written(items, new_ids))
            for hook in BATCH_HOOKS:
                hook(self.session, batch)
        rows = list(_change_rows(items))
        # A new point is written once; a changed one may be changed again by a later batch.
        journal.record(
            self.session,
            [row for row, _ in rows],
            remember=[row for row, change in rows if change],
        )

    def _columns(self, state: PointState, now: dt.datetime) -> dict[str, Any]:
        return {
            **point_columns(state),
            "search_text": search_document(state, self.categories),
            "updated_at": now,
        }

    def _insert(self, items: Sequence[NewPoint], now: dt.datetime) -> list[int]:
        if not items:
            return []
        ids = bulk_repository.new_ids(self.session, len(items))
        bulk_repository.insert_points(
            self.session,
            [
                {
                    **self._columns(item.state, now),
                    "id": point_id,
                    "public_id": item.public_id,
                    "organization_id": self.organization_id,
                    "created_at": now,
                    "version": 1,
                }
                for point_id, item in zip(ids, items, strict=True)
            ],
        )
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in bulk_repository.CHILD_TABLES}
        for point_id, item in zip(ids, items, strict=True):
            rows["translations"].extend(_text_rows(point_id, item.state.translations, now))
            for relation in LISTS:
                rows[relation].extend(_list_rows(relation, point_id, getattr(item.state, relation)))
        for relation, values in rows.items():
            bulk_repository.insert_children(self.session, relation, values)
        return list(ids)

    def _update(self, items: Sequence[PointChange], now: dt.datetime) -> None:
        if not items:
            return
        matched = bulk_repository.update_points(
            self.session,
            [(i.point.id, i.point.version, self._columns(i.after, now)) for i in items],
        )
        if matched != len(items):
            raise Conflict(
                "a point of this import was changed by someone else while it ran; "
                "import the file again"
            )
        stale: dict[str, set[int]] = {name: set() for name in LISTS}
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in bulk_repository.CHILD_TABLES}
        texts: list[tuple[int, str]] = []
        for item in items:
            before, after, point_id = item.point.state, item.after, item.point.id
            for relation in LISTS:
                old, new = getattr(before, relation), getattr(after, relation)
                if (old != new) if relation == "categories" else (sorted(old) != sorted(new)):
                    stale[relation].add(point_id)
                    rows[relation].extend(_list_rows(relation, point_id, new))
            written = {lang: after.translations[lang] for lang in sorted(item.texts)}
            texts.extend((point_id, lang) for lang in written)
            rows["translations"].extend(_text_rows(point_id, written, now))
        bulk_repository.delete_translations(self.session, texts)
        for relation, point_ids in stale.items():
            bulk_repository.delete_children(self.session, relation, point_ids)
        for relation, values in rows.items():
            bulk_repository.insert_children(self.session, relation, values)


def _written(items: Sequence[NewPoint | PointChange], new_ids: Sequence[int]) -> list[Written]:
    ids = iter(new_ids)
    return [
        Written(next(ids), i.public_id, 1, i.state, True)
        if isinstance(i, NewPoint)
        else Written(i.point.id, i.point.public_id, i.point.version + 1, i.after, False)
        for i in items
    ]


def _text_rows(
    point_id: int, translations: dict[str, dict[str, str | None]], now: dt.datetime
) -> Iterator[dict[str, Any]]:
    for lang, texts in translations.items():
        yield {"point_id": point_id, "lang": lang, **texts, "updated_at": now}


def _list_rows(relation: str, point_id: int, values: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Rows of one list of a point: categories keep their order (``position``)."""
    if relation == "categories":
        for position, code in enumerate(values):
            yield {"point_id": point_id, "category_code": code, "position": position}
        return
    column = "audience_code" if relation == "audiences" else "lang"
    for value in values:
        yield {"point_id": point_id, column: value}


def _change_rows(items: Sequence[NewPoint | PointChange]) -> Iterator[tuple[ChangeRow, bool]]:
    """The sync rows of a batch, in its order: each point where it is, and where it was
    when it moved (with whether it is a change of an existing point), by their public
    location (``app.service_points.precision``)."""
    for item in items:
        if isinstance(item, NewPoint):
            yield ChangeRow("point", item.public_id, *item.state.public_place), False
            continue
        before, after = item.point.state.public_place, item.after.public_place
        if before != after:
            yield ChangeRow("point", item.point.public_id, *before), True
        yield ChangeRow("point", item.point.public_id, *after), True
