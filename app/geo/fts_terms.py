"""SQLite text searches as the FTS5 index's own terms: ``"albergue"*`` is read as
``("albergue" OR "albergues")``, the same rows in the same (rowid) order.

A search matches each word of the query as a prefix. The FTS5 table has no ``prefix=``
index (changing it would rebuild the stored index), and FTS5 answers a prefix query by
merging, before it returns a first row, the whole doclist of every term that starts with
it: a common word costs in proportion to the points that hold it (a few milliseconds at
100,000 points, tens at a million), whether the page wants 21 rows or all of them. The
same word as an OR of the index's terms that start with it is read lazily in rowid order,
and ``LIMIT`` stops the read after the page.

The terms of a prefix come from an ``fts5vocab`` table over the index, made in the
connection's ``temp`` schema (nothing is stored in the database), read in the request's
own transaction (on its cursor: :func:`app.raw_reads.reads_of`) and kept by data version
(:mod:`app.versioned_cache`): every write of a point's text advances the version, so a
kept list is never missing a term of the index the transaction sees (a term left over from
a deleted text only matches nothing). Reading the terms costs what one prefix query
costs, once per prefix and data version.

A word keeps its prefix form when it is not plain ASCII letters and digits (FTS5's
tokenizer might split it differently from :func:`app.geo.text.query_tokens`), when more
than ``MAX_TERMS`` terms start with it (``a``, ``de``: an OR that wide costs more per row),
or when fewer than ``MIN_DOCS`` points hold them: merging a short list costs less than
looking each term up, which a correlated check (``near=`` with ``q=``, HSDS) does per row.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from app.geo.text import query_tokens
from app.raw_reads import reads_of
from app.versioned_cache import VersionedCache

__all__ = ["MAX_TERMS", "MIN_DOCS", "PrefixTerms", "prefix_expression"]

# The most terms a word is read as; past it the word stays a prefix query.
MAX_TERMS = 128
# Fewer points than this hold the word's terms: it stays a prefix query (about the point
# where looking its terms up costs as much as merging their lists, measured at 100,000).
MIN_DOCS = 1000
_PLAIN = re.compile(r"[0-9a-z]+")


def prefix_expression(query: str) -> str:
    """The query as FTS5 prefix words: each word quoted (no FTS syntax can be injected)
    and matched as a prefix, all of them."""
    return " AND ".join(f'"{t}"*' for t in query_tokens(query))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class PrefixTerms:
    """The MATCH expression of a query over the FTS5 table ``fts``, its words read as the
    index's terms where that is exact and bounded (see the module)."""

    max_terms = MAX_TERMS
    min_docs = MIN_DOCS

    def __init__(
        self, fts: str, *, max_terms: int | None = None, min_docs: int | None = None
    ) -> None:
        if max_terms is not None:
            self.max_terms = max_terms
        if min_docs is not None:
            self.min_docs = min_docs
        vocab = f"{fts}_terms"
        self._create = (
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{vocab} USING fts5vocab(main, {fts}, 'row')"
        )
        # Bounded: at most one term past the cap is read (and counted).
        self._terms = f"SELECT term, doc FROM temp.{vocab} WHERE term >= ? AND term < ? LIMIT ?"  # noqa: S608
        self._cache: VersionedCache[str | None] = VersionedCache(max_entries=4096)

    def expression(self, session: Session, query: str) -> str:
        """The MATCH expression of ``query``: the same rows as :func:`prefix_expression`."""
        return " AND ".join(self._word(session, t) for t in query_tokens(query))

    def _word(self, session: Session, token: str) -> str:
        if not _PLAIN.fullmatch(token):
            return f'"{token}"*'
        found = self._cache.get(session, token, lambda: self._read(session, token))
        return f'"{token}"*' if found is None else found

    def _read(self, session: Session, token: str) -> str | None:
        """``("t1" OR "t2" ...)`` for the terms starting with ``token``, or None past the cap
        or under ``min_docs``. No term: the word itself, which matches nothing, as its
        prefix would."""
        # Through the cursor of the request's own transaction: the snapshot its search reads.
        reads = reads_of(session)
        reads.rows(self._create, ())
        upper = token[:-1] + chr(ord(token[-1]) + 1)
        rows = reads.rows(self._terms, (token, upper, self.max_terms + 1))
        found = [(str(term), int(docs)) for term, docs in rows if str(term).startswith(token)]
        terms = [term for term, _ in found]
        if len(rows) > self.max_terms or (terms and sum(d for _, d in found) < self.min_docs):
            return None
        if not terms:
            return _quoted(token)
        return "(" + " OR ".join(_quoted(t) for t in terms) + ")"
