"""Text searches (``q=``): every word of the query matches a word of the point's texts as
a prefix, and the matches are listed by id, page after page.

On SQLite each word is read as the FTS5 index's own terms (app/geo/fts_terms.py) instead
of a prefix query: the same pages (items, order, cursors) as the prefix query gives, and
new words written after a search are found by the next.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.geo.fts_terms import PrefixTerms, prefix_expression
from tests.service_points.helpers import (
    add_named_points,
    all_pages,
    text_matches,
)

ORIGIN = (-70.0, 10.0)

# Made-up words no seed text holds, sharing prefixes.
_TEXTS = [
    "Qzxalbergue Norte",
    "Qzxalbergues del río",
    "Comedor qzxalbergueria",
    "Qzxsalud mental",
    "Centro qzxalbergue qzxsalud",
    "Qzxniños y qzxniñas",
    "Punto qzxdeagua",
    "Qzxde qzxdel qzxdesde qzxdefensa",
    "Refugio sin palabras buscadas",
    "Qzxalbergue qzxdel norte",
]
_QUERIES = [
    "qzxalbergue",
    "qzxalbergues",
    "qzxalb",
    "qzxsalud qzxalb",
    "qzxniñ",
    "QZXNIÑAS",
    "qzxde",
    "qzxdel qzxalbergue",
    "qzxnada",
    "qzx",
]


@pytest.fixture(params=["terms", "floor"])
def every_word_as_terms(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Words held by few points read as their terms too (``terms``), or as the app does."""
    if request.param == "terms":
        monkeypatch.setattr(PrefixTerms, "min_docs", 0)


@pytest.mark.parametrize("limit", [1, 2, 50])
@pytest.mark.usefixtures("every_word_as_terms")
def test_words_match_as_prefixes_in_id_order(client: TestClient, db: Session, limit: int) -> None:
    made = add_named_points(db, _TEXTS, origin=ORIGIN)
    for query in _QUERIES:
        found = [i["id"] for i in all_pages(client, {"q": query, "limit": limit})]
        assert found == text_matches(made, query), query


@pytest.mark.usefixtures("every_word_as_terms")
def test_a_new_word_is_found_after_a_search(client: TestClient, db: Session) -> None:
    first = add_named_points(db, ["Qzxalbergue uno"], origin=ORIGIN)
    assert [i["id"] for i in all_pages(client, {"q": "qzxalb"})] == list(first)
    # A term the index did not hold when the search above read its terms.
    second = add_named_points(db, ["Qzxalbergueria dos", "Qzxalbaricoque tres"], origin=ORIGIN)
    found = [i["id"] for i in all_pages(client, {"q": "qzxalb", "limit": 1})]
    assert found == [*first, *second]
    assert [i["id"] for i in all_pages(client, {"q": "qzxalbaricoques"})] == []


def _prefix_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The searches as they were: every word a FTS5 prefix query."""
    monkeypatch.setattr(
        PrefixTerms, "expression", lambda self, session, query: prefix_expression(query)
    )


# Seed words, common and rare, short prefixes (many terms) and several words.
_SEED_SEARCHES: list[dict[str, Any]] = [
    {"q": "albergue", "limit": 200},
    {"q": "salud", "limit": 200},
    {"q": "de", "limit": 200},
    {"q": "refug", "limit": 100},
    {"q": "casa del migrante", "limit": 20},
    {"q": "hébergement", "limit": 100, "lang": "fr"},
    {"q": "santé", "limit": 100, "lang": "en", "view": "summary"},
    {"q": "comedor", "limit": 7, "country": "PA"},
    {"q": "salud", "limit": 30, "category": "health", "free": "true"},
    {"q": "albergue", "limit": 5, "near": "8.4265,-76.7848", "radius": 200000},
    {"q": "agua", "limit": 10, "bbox": "-80,5,-70,12"},
    {"q": "niños", "limit": 50, "open_now": "true", "at": "2026-03-02T10:00:00-05:00"},
]


def _pages(client: TestClient, params: dict[str, Any]) -> list[tuple[int, bytes]]:
    """Every page of a search, as bytes (items, order and cursors)."""
    out = []
    query = dict(params)
    for _ in range(200):
        response = client.get("/v1/points", params=query)
        out.append((response.status_code, response.content))
        body = response.json()
        if response.status_code != 200 or "next_cursor" not in body:
            return out
        query = {**params, "cursor": body["next_cursor"]}
    raise AssertionError("pagination did not end")


def _hsds(client: TestClient) -> list[bytes]:
    """HSDS service searches (the words filter its listing)."""
    out = []
    for words in ("albergue", "salud mental", "refug"):
        for page in (1, 2):
            params = {"search": words, "per_page": 50, "page": page}
            response = client.get("/hsds/services", params=params)
            assert response.status_code == 200, response.text
            out.append(response.content)
    return out


@pytest.mark.usefixtures("every_word_as_terms")
def test_pages_are_those_of_the_prefix_queries(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    after = {str(p): _pages(client, p) for p in _SEED_SEARCHES}
    hsds_after = _hsds(client)
    with monkeypatch.context() as patch:
        _prefix_queries(patch)
        before = {str(p): _pages(client, p) for p in _SEED_SEARCHES}
        hsds_before = _hsds(client)
    assert after == before
    assert hsds_after == hsds_before
    assert all(status == 200 for pages in after.values() for status, _ in pages)
    assert sum(len(pages) for pages in after.values()) > len(_SEED_SEARCHES)  # next pages too


def _rowids(db: Session, match: str) -> list[int]:
    sql = "SELECT rowid FROM service_point_fts WHERE service_point_fts MATCH :m ORDER BY rowid"
    return list(db.scalars(text(sql), {"m": match}))


def test_terms_read_the_same_rows_as_prefixes(db: Session, engine_kind: str) -> None:
    if engine_kind != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    add_named_points(db, _TEXTS, origin=ORIGIN)
    terms = PrefixTerms("service_point_fts", min_docs=0)
    narrow = PrefixTerms("service_point_fts", max_terms=2, min_docs=0)
    rare = PrefixTerms("service_point_fts", min_docs=3)
    for query in [*_QUERIES, "albergue", "de", "a", "salud danli", "santé", "ß", "Ω"]:
        wanted = _rowids(db, prefix_expression(query))
        assert _rowids(db, terms.expression(db, query)) == wanted, query
        assert _rowids(db, narrow.expression(db, query)) == wanted, query
        assert _rowids(db, rare.expression(db, query)) == wanted, query
    # Each word as its terms; past the cap, or not plain letters and digits, as a prefix.
    assert terms.expression(db, "qzxalbergue") == (
        '("qzxalbergue" OR "qzxalbergueria" OR "qzxalbergues")'
    )
    assert narrow.expression(db, "qzxalbergue") == '"qzxalbergue"*'
    # Held by fewer points than the floor: a short list, merged.
    assert rare.expression(db, "qzxsalud") == '"qzxsalud"*'
    assert rare.expression(db, "qzxalbergue").startswith("(")
    assert terms.expression(db, "qzxnada") == '"qzxnada"'
    assert terms.expression(db, "Ω") == '"ω"*'
