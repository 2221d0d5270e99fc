"""Reading the stored documents: one indexed statement for a page's points (spliced by
:mod:`app.documents.splicing`).

What a stored document leaves open is filled in here, from stored values and the request:
``lang_fallback`` (from the language served and the request's preference), ``distance_m``
(from the search), ``open_now`` (looked up in the point's precomputed changes of state,
:mod:`app.service_points.opening_weeks`; evaluated from its hours outside their horizon),
``verification.stale`` (from the stored ``fresh_since`` and the server's threshold), the
warnings of open verification tasks (an ``EXISTS`` in the same statement; their texts only
for the few flagged points) and the ids of the active alerts covering the point.

The statement is plain SQL written once per engine, the page's ids one parameter (a JSON
array on SQLite, an array on PostgreSQL), so nothing is compiled per request; rows come
back as tuples, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.documents.rows import FORMAT_SETTING, current_format
from app.public_points.rendering import PointView
from app.raw_reads import is_lean, reads_of

__all__ = [
    "Document",
    "DocumentsRider",
    "by_public_id",
    "carry_documents",
    "documents_for",
    "offline_records",
]


_COLUMNS = (
    "d.point_id, d.lang, d.served, d.head, d.tail, d.verification, d.published, "
    "d.opening_hours, d.timezone, d.country, d.fresh_since_us, d.location_precision, "
    "d.lat, d.lon, d.version, d.hours, d.hours_until, "
    "EXISTS (SELECT 1 FROM verification_task t WHERE t.status = 'open' "
    "AND t.point_id = d.point_id)"
)


def _select(where: str) -> str:
    """A statement over the documents (constant text: values are bound parameters)."""
    return " ".join(("SELECT", _COLUMNS, "FROM point_document d", where))


_BY_IDS = {
    # One row per point (its language's own where there is one: the one ``_documents``
    # keeps), found in the index first: the other is never read (a page read per row of
    # a table larger than the memory map).
    "sqlite": " ".join(
        (
            "SELECT",
            _COLUMNS,
            "FROM json_each(?) j JOIN point_document d ON d.point_id = j.value AND d.view = ?",
            "AND d.lang = coalesce((SELECT x.lang FROM point_document x WHERE",
            "x.point_id = j.value AND x.view = ? AND x.lang = ?), '')",
        )
    ),
    "postgresql": _select(
        "WHERE d.point_id = ANY(%(ids)s) AND d.view = %(view)s AND d.lang IN ('', %(lang)s)"
    ),
}
_BY_PUBLIC_ID = {
    "sqlite": _select("WHERE d.public_id = ? AND d.view = 'full' AND d.lang IN ('', ?)"),
    "postgresql": _select(
        "WHERE d.public_id = %(public_id)s AND d.view = 'full' AND d.lang IN ('', %(lang)s)"
    ),
}

# A search statement carrying the documents of its candidates (PostgreSQL: one round trip
# for both; :class:`DocumentsRider`): each candidate's row in the language's own document
# where there is one (the one ``_documents`` keeps), else in the plain one.
# Only the first ``rumbo_n`` candidates in the search's order (a page's worth) carry theirs:
# a document is looked up one at a time here, dearer than in a batch by ids.
_CARRYING = "WITH k (k_id, k_lat, k_lon) AS ("
_CARRIED = (
    "), r AS (SELECT k.*, row_number() OVER () AS k_rank FROM k) "  # noqa: S608
    "SELECT r.k_id, r.k_lat, r.k_lon, d.* FROM r LEFT JOIN LATERAL (SELECT "
    + _COLUMNS
    + " FROM point_document d WHERE r.k_rank <= %(rumbo_n)s AND d.point_id = r.k_id "
    "AND d.view = %(rumbo_view)s AND d.lang IN ('', %(rumbo_lang)s) "
    "ORDER BY d.lang DESC LIMIT 1) d ON true"
)

# The stored offline records (view ``sync``: ``app.service_points.offline.stored_parts``).
_OFFLINE = {
    "sqlite": "SELECT point_id, served, head, tail FROM point_document WHERE point_id IN "
    "(SELECT value FROM json_each(?)) AND view = 'sync' AND lang = ''",
    "postgresql": "SELECT point_id, served, head, tail FROM point_document WHERE "
    "point_id = ANY(%(ids)s) AND view = 'sync' AND lang = ''",
}


@dataclass(slots=True)
class Document:
    """One stored document as read (the columns of ``_COLUMNS``, in order; not frozen:
    a frozen dataclass of 18 fields costs 7 µs to make, a page reads 20 to 40)."""

    point_id: int
    lang: str
    served: str
    head: bytes
    tail: bytes
    verification: bytes
    published: bool
    opening_hours: str | None
    timezone: str | None
    country: str
    fresh_since_us: int | None
    location_precision: str
    lat: float | None
    lon: float | None
    version: int
    hours: bytes | None
    hours_until: int | None
    open_task: bool


def _documents(rows: Sequence[Any]) -> dict[int, Document]:
    """One document per point: the language's own row where there is one."""
    out: dict[int, Document] = {}
    for row in rows:
        if row[1] or row[0] not in out:
            out[row[0]] = Document(
                row[0],
                row[1],
                row[2],
                bytes(row[3]),
                bytes(row[4]),
                bytes(row[5]),
                bool(row[6]),
                row[7],
                row[8],
                row[9],
                row[10],
                row[11],
                row[12],
                row[13],
                row[14],
                None if row[15] is None else bytes(row[15]),
                row[16],
                bool(row[17]),
            )
    return out


class DocumentsRider:
    """The stored documents of a search's candidates, read by the search statement itself
    (:meth:`app.raw_reads.RawReads.carry`): on PostgreSQL the page's documents then cost
    no round trip of their own. A page whose points were not all among them (a search of
    several rounds) reads them as usual."""

    __slots__ = ("carried", "key", "params", "view")

    def __init__(self, view: PointView, key: str, wanted: int) -> None:
        self.view = view
        self.key = key
        self.params: dict[str, Any] = {"rumbo_view": view, "rumbo_lang": key, "rumbo_n": wanted}
        self.carried: dict[int, Any] = {}

    def wrap(self, sql: str) -> str:
        return _CARRYING + sql + _CARRIED

    def keep(self, rows: list[Any]) -> list[Any]:
        carried = self.carried
        for row in rows:
            if row[3] is not None:
                carried[row[0]] = row[3:]
        return [row[:3] for row in rows]

    def documents(self, ids: Sequence[int], view: PointView, key: str) -> dict[int, Document]:
        """The documents of ``ids`` if all of them were carried, else {}."""
        carried = self.carried
        if view != self.view or key != self.key or not all(i in carried for i in ids):
            return {}
        return _documents([carried[i] for i in ids])


def carry_documents(
    session: Session, view: PointView, key: str, wanted: int
) -> DocumentsRider | None:
    """Have the search's statement carry the documents of its first ``wanted`` candidates
    (PostgreSQL, lean sessions: see :class:`DocumentsRider`); the rider, to give
    :func:`documents_for`."""
    if not is_lean(session):
        return None
    reads = reads_of(session)
    if reads.dialect != "postgresql":
        return None
    rider = DocumentsRider(view, key, wanted)
    reads.carry(rider)
    return rider


def documents_for(
    session: Session,
    ids: Sequence[int],
    *,
    view: PointView,
    key: str,
    carried: DocumentsRider | None = None,
) -> dict[int, Document]:
    """The stored documents of ``ids`` in ``view`` for language key ``key`` (one statement,
    or none when the search's statement carried them all)."""
    if not ids:
        return {}
    if carried is not None:
        found = carried.documents(ids, view, key)
        if found:
            return found
    reads = reads_of(session)
    dialect = reads.dialect
    params: Any = (
        (orjson.dumps(list(ids)).decode(), view, view, key)
        if dialect == "sqlite"
        else {"ids": list(ids), "view": view, "lang": key}
    )
    return _documents(reads.rows(_BY_IDS[dialect], params))


_FORMAT_SQL = {
    "sqlite": "SELECT value FROM point_document_setting WHERE name = ?",
    "postgresql": "SELECT value FROM point_document_setting WHERE name = %(name)s",
}


def offline_records(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, bytes, bytes]]:
    """The stored offline records of ``ids`` that have one: (original language, head, tail)
    by point id (one statement, on the cursor of the session's connection); none when the
    stored rows are of another release's format."""
    if not ids:
        return {}
    reads = reads_of(session)
    setting: Any = (FORMAT_SETTING,) if reads.dialect == "sqlite" else {"name": FORMAT_SETTING}
    found = reads.rows(_FORMAT_SQL[reads.dialect], setting)
    if not current_format(found[0][0] if found else None):
        return {}  # an older release's rows: the caller renders the records
    dialect = reads.dialect
    params: Any = (orjson.dumps(list(ids)).decode(),) if dialect == "sqlite" else {"ids": list(ids)}
    return {
        row[0]: (row[1], bytes(row[2]), bytes(row[3]))
        # Binary rows on PostgreSQL: a page's records are 0.6 MB of ``bytea`` (twice that
        # as hex text, decoded by the client).
        for row in reads.rows(_OFFLINE[dialect], params, binary=True)
    }


def by_public_id(session: Session, public_id: str, *, key: str) -> Document | None:
    """The stored full document of the point with this public id, or None."""
    reads = reads_of(session)
    dialect = reads.dialect
    params: Any = (public_id, key) if dialect == "sqlite" else {"public_id": public_id, "lang": key}
    found = _documents(reads.rows(_BY_PUBLIC_ID[dialect], params))
    return next(iter(found.values()), None)
