"""Staged imports: the validated writes of a file kept aside, then merged in the write
transaction (see :mod:`app.exchange.engine`)."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.audit import service as audit
from app.errors import Conflict
from app.exchange import areas as area_imports
from app.service_points import bulk, writing

__all__ = ["ImportOptions", "NeedsSerial", "Staging", "merge"]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    organization_id: str
    organization: str
    principal: Principal
    dry_run: bool = False
    lang: str = "es"
    default_category: str | None = None
    batch_size: int | None = None  # BATCH_ROWS when None


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
