"""PostgreSQL text pages: the ids of a ``q=`` page from the plan that fits its words.

A page lists the matches in id order past the cursor. Two plans give exactly those ids:

- the **walk**: the primary key in id order, each row's ``tsvector`` tested, until the page
  is full. It costs the rows it passes (about 0.4 µs each with the vector kept in the row,
  migration ``pgtext_0001``): few for a common word, the whole table past the cursor for a
  word that no point holds;
- the **bitmap**: the GIN index's matches of the query's rare words, each row then tested
  against the whole query, sorted by id (top-N). It costs every posting of the words it
  reads (a prefix is merged whole, about 0.2 µs a posting) and a heap row per match (about
  1.5 µs): little for a rare word, tens of milliseconds for a common one.

PostgreSQL's planner picks the walk for every word (it under-costs ``@@`` and assumes the
matches are spread evenly), so the choice is made here, from statistics read cheaply: the
most common lexemes of the column and their frequencies (``pg_stats``, refreshed by
ANALYZE) and the table's row count, read once per ``STATS_TTL_S`` per process. A word
matches the lexemes that start with it: its frequency is the sum of theirs. A word that
starts no common lexeme (a plain one) is rarer than the rarest of them (``minfreq``): it is
read by the bitmap, whose cost that bounds, where the walk might pass the whole table. The
other words are compared by the costs above, the query's frequency taken as its rarest
word's (the walk's most hopeful case). With no statistics (a table never analysed), the
walk.

A filtered page (categories, countries ...) whose words the choice gives to the bitmap
reads it too, the filters tested on its rows: a rare word with a filter no longer walks the
table. Other filtered pages are left to the planner, which uses the filters' indexes.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session

from app.geo.compiled import Compiled
from app.geo.results import SpatialTable
from app.raw_reads import is_lean, reads_of

__all__ = ["STATS_TTL_S", "TextPages", "WordStats", "prefix_tsquery"]

# Seconds a process keeps the statistics it read (ANALYZE changes them seldom).
STATS_TTL_S = 600.0
# Cost units (about µs) of a row the walk passes, a posting the bitmap merges, a match it
# reads from the heap.
_WALK_ROW = 0.4
_POSTING = 0.2
_HEAP_ROW = 1.5
_PLAIN = re.compile(r"[0-9a-z]+")
# The share of rows a filtered page's filters are assumed to keep (a country, a category).
# Words and filters go together (a town's name and its country), so a walk may pass the
# whole table: at 1M points a town's name (2.5 % of the points) asked with another
# country took the planner's walk 1.3-2.2 s and the bitmap 20-190 ms, where a common word
# (over 20 %) with a filter stays ~10 ms walked and would cost its bitmap ~0.4-0.9 s.
_FILTER_SHARE = 0.001


def prefix_tsquery(tokens: Sequence[str]) -> str:
    """Every word as a prefix, all of them."""
    return " & ".join(f"{t}:*" for t in tokens)


@dataclass(frozen=True)
class WordStats:
    """The column's most common lexemes (sorted) with their frequencies, the least
    frequency a lexeme needs to be among them, and the table's rows."""

    lexemes: tuple[str, ...]
    freqs: tuple[float, ...]
    minfreq: float
    rows: float

    def frequency(self, token: str) -> float | None:
        """The share of rows holding a lexeme that starts with ``token`` (summed over the
        common lexemes, at most 1), or None when it starts none of them (rarer than
        ``minfreq``)."""
        i = bisect.bisect_left(self.lexemes, token)
        total, found = 0.0, False
        while i < len(self.lexemes) and self.lexemes[i].startswith(token):
            total, found = total + self.freqs[i], True
            i += 1
        return min(total, 1.0) if found else None

    def rare_words(self, tokens: Sequence[str], limit: int, *, filtered: bool = False) -> list[str]:
        """The words the bitmap should read (empty: walk). A ``filtered`` page's walk is
        costed as if its filters kept ``_FILTER_SHARE`` of the rows (it passes the rows the
        filters drop too)."""
        found = {t: self.frequency(t) for t in tokens}
        # Only a plain word is read alone (``to_tsquery`` might find no lexeme in another:
        # an empty query, which would match nothing where the whole query drops it).
        unknown = [t for t, f in found.items() if f is None and _PLAIN.fullmatch(t)]
        if unknown:
            return unknown
        known = {t: f for t, f in found.items() if f is not None}
        if not known:
            return []
        rarest = min(known, key=lambda t: known[t])
        share = max(known[rarest], 1.0 / max(self.rows, 1.0))
        kept = share * (_FILTER_SHARE if filtered else 1.0)
        walk = min(self.rows, (limit + 1) / kept) * _WALK_ROW
        bitmap = self.rows * (share * (_POSTING + _HEAP_ROW))
        return [rarest] if bitmap < walk else []


_STATS_SQL = (
    "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
    "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
    "AND s.tablename = c.relname AND s.attname = %(column)s "
    "WHERE c.oid = to_regclass(%(table)s)"
)


def _word_stats(row: Any) -> WordStats | None:
    if row is None or row[0] is None or row[1] is None:
        return None
    lexemes, freqs = list(row[0]), [float(f) for f in row[1]]
    # After the lexemes' frequencies: the least and the greatest (ts_typanalyze).
    if len(freqs) < len(lexemes) + 2 or not lexemes:
        return None
    ordered = sorted(zip(lexemes, freqs[: len(lexemes)], strict=True))
    return WordStats(
        lexemes=tuple(str(lexeme) for lexeme, _ in ordered),
        freqs=tuple(f for _, f in ordered),
        minfreq=freqs[len(lexemes)],
        rows=max(float(row[2] or 0.0), 0.0),
    )


class TextPages:
    """The text-page statements of one searched table and the choice between them."""

    # Tests set these: "walk", "bitmap" (every word read by the index) or "first" (the
    # first word read by the index, the others tested on its rows) for every page, or
    # None to choose.
    forced: str | None = None
    ttl_s = STATS_TTL_S

    def __init__(self, spatial: SpatialTable, search_vector: ColumnElement[Any]) -> None:
        self._spatial = spatial
        self._vector = search_vector
        sid = spatial.id
        full = func.to_tsquery("simple", bindparam("tsquery"))
        # The walk: the primary key in id order (``after`` -1 on a first page), the query
        # tested as a function, which no index answers and the planner does not estimate:
        # no plan but the walk, planned in a fraction of the time ``@@`` takes (its
        # estimate reads the column's statistics each time) and kept once prepared.
        self.walk: Select[Any] = (
            select(sid)
            .where(spatial.searchable, func.ts_match_vq(search_vector, full))
            .where(sid > bindparam("after"))
            .order_by(sid)
            .limit(bindparam("n"))
        )
        # The bitmap: the index reads the rare words (``@@``) and the whole query is tested
        # on their rows; ``id + 0`` keeps the primary key out of the plan (neither walked
        # for the order nor and-ed as a bitmap of every id past the cursor).
        rare = search_vector.op("@@")(func.to_tsquery("simple", bindparam("rare")))
        shifted = sid + 0
        self.bitmap: Select[Any] = (
            select(sid)
            .where(spatial.searchable, rare, func.ts_match_vq(search_vector, full))
            .where(shifted > bindparam("after"))
            .order_by(shifted)
            .limit(bindparam("n"))
        )
        dialect = psycopg_dialect()  # type: ignore[no-untyped-call]
        self._compiled = {id(s): Compiled(s, dialect) for s in (self.walk, self.bitmap)}
        self._lock = threading.Lock()
        self._stats: weakref.WeakKeyDictionary[Engine, tuple[float, WordStats | None]] = (
            weakref.WeakKeyDictionary()
        )

    def plan(
        self, session: Session, tokens: Sequence[str], limit: int, *, filtered: bool = False
    ) -> list[str]:
        """The words the bitmap reads for a page of ``limit`` (empty: the walk)."""
        if self.forced is not None:
            return {"walk": [], "bitmap": list(tokens), "first": list(tokens[:1])}[self.forced]
        stats = self.stats(session)
        return [] if stats is None else stats.rare_words(tokens, limit, filtered=filtered)

    def stats(self, session: Session) -> WordStats | None:
        """The column's statistics, read at most once per ``ttl_s`` per database."""
        key = session.get_bind().engine
        now = time.monotonic()
        with self._lock:
            kept = self._stats.get(key)
        if kept is not None and now - kept[0] < self.ttl_s:
            return kept[1]
        table = self._spatial.table
        params = {"column": self._vector.name, "table": getattr(table, "name", "")}
        if is_lean(session):
            rows = reads_of(session).rows(_STATS_SQL, params)
        else:
            rows = list(session.connection().exec_driver_sql(_STATS_SQL, params).all())
        found = _word_stats(rows[0] if rows else None)
        with self._lock:
            self._stats[key] = (now, found)
        return found

    def filtered_ids(
        self,
        session: Session,
        tokens: Sequence[str],
        rare: Sequence[str],
        *,
        where: Sequence[ColumnElement[bool]],
        after: int,
        limit: int,
    ) -> list[int]:
        """A filtered page from the bitmap of ``rare`` (from :meth:`plan`), ``where``
        tested on its rows: the same ids as the planner's statement."""
        params = {
            "tsquery": prefix_tsquery(tokens),
            "rare": prefix_tsquery(rare),
            "after": after,
            "n": limit,
        }
        found = session.connection().execute(self.bitmap.where(*where), params)
        return [row[0] for row in found]

    def ids(self, session: Session, tokens: Sequence[str], *, after: int, limit: int) -> list[int]:
        """The ids of the page: the matches of every word (as a prefix) past ``after``, in
        id order, at most ``limit``; the same from either plan."""
        rare = self.plan(session, tokens, limit)
        stmt = self.bitmap if rare else self.walk
        params: dict[str, Any] = {"tsquery": prefix_tsquery(tokens), "after": after, "n": limit}
        if rare:
            params["rare"] = prefix_tsquery(rare)
        if is_lean(session):
            found = self._compiled[id(stmt)].rows(reads_of(session), params, search=False)
        else:
            found = list(session.connection().execute(stmt, params).all())
        return [row[0] for row in found]
