"""HSDS lists filtered by ``search``: the whole-table filter (the index's matches read once)
selects exactly what the row-by-row check selects, on both engines."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.service_points.models import ServicePoint

WORDS = ["albergue", "de", "salud mental", "agua", "migración", "cruz roja", "zzzz", "health"]


@pytest.mark.parametrize("query", WORDS)
def test_the_filter_selects_what_the_check_selects(app: FastAPI, db: Session, query: str) -> None:
    backend = app.state.search
    checked = set(db.scalars(select(ServicePoint.id).where(backend.text_match(db, query))))
    filtered = set(db.scalars(select(ServicePoint.id).where(backend.text_filter(db, query))))
    assert filtered == checked
    counted = db.scalar(
        select(func.count()).select_from(ServicePoint).where(backend.text_filter(db, query))
    )
    assert counted == len(checked)


def test_a_common_word_is_answered_whole(client: TestClient, db: Session) -> None:
    # "de" is in nearly every Spanish text: checked row by row it ran past the time budget.
    first = client.get("/hsds/services", params={"search": "de", "per_page": 50})
    assert first.status_code == 200
    body = first.json()
    assert body["total_items"] > 1000
    assert len(body["contents"]) == 50
    second = client.get("/hsds/services", params={"search": "de", "per_page": 50, "page": 2})
    assert second.status_code == 200
    ids = {s["id"] for s in body["contents"]} | {s["id"] for s in second.json()["contents"]}
    assert len(ids) == 100
