"""PostgreSQL text pages from either plan (app/geo/pg_text.py): the primary-key walk, the
GIN bitmap of every word, or of some words with the others tested on their rows, give the
pages of the simple definition (each query word starts some word of the point's texts;
matches by id), page after page to the end; and the choice between them.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import column, select, text
from sqlalchemy.orm import Session

from app.geo import backend_for
from app.geo.pg_text import TextPages, WordStats
from app.service_points.models import ServicePoint
from app.service_points.visibility import SEARCH_TABLE
from tests.service_points.helpers import (
    ISOLATED_COUNTRY,
    add_named_points,
    all_pages,
    text_matches,
)

ORIGIN = (-71.0, 12.0)

MODES = ["walk", "bitmap", "first", None]

# A common made-up word (every third point), a rare one (two points), prefixes shared.
_COMMON = "Qzycomun"
_RARE = ["Qzyraro norte", "Qzyrarisimo sur"]
_QUERIES = [
    "qzycomun",
    "qzycom",
    "qzyraro",
    "qzyrar",
    "qzycomun qzyrar",
    "qzyrar qzycomun",
    "qzycomun qzyalfa",
    "qzyalfa qzybeta qzycomun",
    "QZYCOMÚN",
    "qzynada",
    "qzycomun qzynada",
    "qzy",
]


def _texts() -> list[str]:
    out = []
    for i in range(45):
        words = [f"Punto {i}"]
        if i % 3 == 0:
            words.append(_COMMON)
        if i % 5 == 0:
            words.append("qzyalfa")
        if i % 7 == 0:
            words.append("qzybeta")
        if i in (18, 38):
            words.append(_RARE[0] if i == 18 else _RARE[1])
        out.append(" ".join(words))
    return out


@pytest.fixture(params=MODES, ids=lambda m: m or "chosen")
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, engine_kind: str) -> Any:
    if engine_kind != "postgres":
        pytest.skip("the plans are PostgreSQL's")
    monkeypatch.setattr(TextPages, "forced", request.param)
    return request.param


@pytest.mark.parametrize("limit", [1, 4, 50])
def test_pages_of_every_plan_are_the_definition(
    client: TestClient, db: Session, mode: Any, limit: int
) -> None:
    made = add_named_points(db, _texts(), origin=ORIGIN)
    for query in _QUERIES:
        found = [i["id"] for i in all_pages(client, {"q": query, "limit": limit})]
        assert found == text_matches(made, query), (query, mode)


def test_filtered_pages_and_hidden_points(client: TestClient, db: Session, mode: Any) -> None:
    made = add_named_points(db, _texts(), origin=ORIGIN)
    add_named_points(db, ["Qzycomun borrador"], status="draft", origin=ORIGIN)
    for query in ("qzycomun", "qzyrar", "qzycomun qzyalfa"):
        params = {"q": query, "limit": 3, "country": ISOLATED_COUNTRY}
        found = [i["id"] for i in all_pages(client, params)]
        assert found == text_matches(made, query), query


def test_the_data_layer_pages_past_a_cursor(db: Session, mode: Any) -> None:
    add_named_points(db, _texts(), origin=ORIGIN)
    backend = backend_for("postgresql", SEARCH_TABLE)
    every = list(db.scalars(select(ServicePoint.id).order_by(ServicePoint.id)))
    for query in ("qzycomun", "qzyrar qzycomun", "qzyalfa qzybeta"):
        whole = backend.text_ids(db, query, where=[], after_id=None, limit=1000)
        assert whole, query
        for after in (None, whole[0], whole[len(whole) // 2], whole[-1], every[-1]):
            page = backend.text_ids(db, query, where=[], after_id=after, limit=2)
            assert page == [i for i in whole if after is None or i > after][:2], (query, after)


def _stats(rows: float, **freqs: float) -> WordStats:
    ordered = sorted(freqs.items())
    return WordStats(
        lexemes=tuple(k for k, _ in ordered),
        freqs=tuple(v for _, v in ordered),
        minfreq=min(freqs.values()),
        rows=rows,
    )


def test_the_choice_from_the_statistics() -> None:
    stats = _stats(1_000_000, albergue=0.27, albergues=0.01, danli=0.02, raro=0.0004, de=1.0)
    # A word matches the common lexemes it starts, summed.
    assert stats.frequency("alberg") == pytest.approx(0.28)
    assert stats.frequency("albergues") == pytest.approx(0.01)
    assert stats.frequency("zz") is None
    # Common words: the walk; a word that starts no common lexeme: the bitmap reads it.
    assert stats.rare_words(["albergue"], 21) == []
    assert stats.rare_words(["albergue", "danli"], 21) == []
    assert stats.rare_words(["albergue", "zzz"], 21) == ["zzz"]
    # A known but rare word: its bitmap costs less than the walk to 21 of its matches.
    assert stats.rare_words(["de", "raro"], 21) == ["raro"]
    assert stats.rare_words(["de"], 21) == []
    # With filters (a country, a category) the walk may pass the rows they drop too: a
    # town's name is read by the bitmap there, a common word still walked.
    assert stats.rare_words(["danli"], 21, filtered=True) == ["danli"]
    assert stats.rare_words(["albergue"], 21, filtered=True) == []
    assert stats.rare_words(["albergue", "danli"], 21, filtered=True) == ["danli"]
    # A word not plain ASCII letters and digits is not read alone.
    assert stats.rare_words(["albergue", "漢字"], 21) == []
    assert stats.rare_words(["漢字"], 21) == []


def test_the_statistics_read_from_the_database(db: Session, engine_kind: str) -> None:
    if engine_kind != "postgres":
        pytest.skip("the plans are PostgreSQL's")
    add_named_points(db, _texts() + [f"{_COMMON} {i}" for i in range(150)], origin=ORIGIN)
    db.execute(text("ANALYZE service_point"))  # in the test's transaction: rolled back
    pages = TextPages(SEARCH_TABLE, column(SEARCH_TABLE.search_vector))
    stats = pages.stats(db)
    assert stats is not None and stats.rows > 0
    assert stats.frequency("qzycomun") is not None
    assert pages.plan(db, ["qzynada"], 20) == ["qzynada"]
    assert pages.plan(db, ["qzycomun"], 20) == []
    assert pages.ids(db, ["qzynada"], after=-1, limit=20) == []
