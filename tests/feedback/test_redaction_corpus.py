"""Redaction against a corpus of real-looking comments (es, en, fr, ht, pt): contact details
written every way people write them are removed, and ordinary text (numbers of beds, hours,
"one, two, three", "at the gate", "el punto de control") survives unchanged."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.feedback.models import Feedback
from app.feedback.privacy import EMAIL_MARK, PHONE_MARK, redact
from tests.feedback.helpers import accepted, published_point

CORPUS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "redaction_corpus.json").read_text(encoding="utf-8")
)["comments"]


def test_the_corpus_is_broad() -> None:
    languages = Counter(c["lang"] for c in CORPUS)
    assert len(CORPUS) >= 60 and set(languages) == {"es", "en", "fr", "ht", "pt"}
    redacted = [c for c in CORPUS if c["text"] != c["expected"]]
    assert len(redacted) >= 25 and len(CORPUS) - len(redacted) >= 25


@pytest.mark.parametrize("comment", CORPUS, ids=[f"{c['lang']}-{i}" for i, c in enumerate(CORPUS)])
def test_corpus(comment: dict[str, Any]) -> None:
    result = redact(comment["text"], region=comment["region"])
    assert result.text == comment["expected"]
    assert ("email_redacted" in result.flags) == (EMAIL_MARK in comment["expected"])
    assert ("phone_redacted" in result.flags) == (PHONE_MARK in comment["expected"])


def test_stored_comments_are_redacted_through_the_api(client: TestClient, db: Session) -> None:
    point = published_point(db)
    samples = [c for c in CORPUS if c["text"] != c["expected"]][:6]
    for n, comment in enumerate(samples):
        receipt = accepted(
            TestClient(client.app, client=(f"198.51.100.{n + 1}", 40000)).post(
                f"/v1/points/{point.public_id}/feedback",
                json={"rating": 3, "comment": comment["text"], "lang": comment["lang"]},
            )
        )["receipt"]
        stored = db.scalars(select(Feedback).where(Feedback.receipt == receipt)).one()
        assert stored.comment == comment["expected"]
