"""Submitting feedback: what is stored, how, and what the sender gets back."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.feedback.models import Feedback
from tests.feedback.helpers import accepted, client_at, published_point, submit


def _stored(db: Session, receipt: str) -> Feedback:
    db.expire_all()
    row = db.scalars(select(Feedback).where(Feedback.receipt == receipt)).one()
    return row


class TestSubmitPointFeedback:
    def test_rating_only_is_accepted_and_counted_at_once(self, client: TestClient, db: Session):
        point = published_point(db)
        body = accepted(submit(client, point.public_id, rating=4))
        assert body["moderation"] == "none" and body["duplicate"] is False
        uuid.UUID(body["receipt"])
        row = _stored(db, body["receipt"])
        assert (row.point_id, row.rating, row.status, row.counted) == (
            point.id,
            4,
            "approved",
            True,
        )
        assert row.decided_by_user_id is None and row.decision_reason == "automatic: no comment"
        summary = client.get(f"/v1/points/{point.public_id}/feedback").json()
        assert summary["rating"] == {"average": 4.0, "count": 1}

    def test_comment_waits_for_moderation_and_is_redacted(self, client: TestClient, db: Session):
        point = published_point(db)
        response = submit(
            client,
            point.public_id,
            tags=["wrong_phone"],
            comment="No contestan. Llamen a Ana al 312 555 0199 o ana.r@example.com",
        )
        body = accepted(response)
        assert body["moderation"] == "pending"
        assert response.headers["cache-control"] == "no-store"
        row = _stored(db, body["receipt"])
        assert row.status == "pending" and row.held is False
        assert row.comment == "No contestan. Llamen a Ana al [phone] o [email]"
        assert set(row.flags) == {"phone_redacted", "email_redacted"}
        assert row.tag_codes == ["wrong_phone"]
        assert (row.comment_lang, row.comment_lang_source) == ("es", "detected")

    def test_points_own_published_number_is_kept(self, client: TestClient, db: Session):
        point = published_point(db, phones=["+57 601 2345678"])
        body = accepted(
            submit(
                client, point.public_id, tags=["wrong_phone"], comment="El (601) 2345678 no existe"
            )
        )
        assert _stored(db, body["receipt"]).comment == "El (601) 2345678 no existe"

    def test_declared_language_is_kept(self, client: TestClient, db: Session):
        point = published_point(db)
        body = accepted(submit(client, point.public_id, comment="Bon accueil", lang="FR-ca"))
        row = _stored(db, body["receipt"])
        assert (row.comment_lang, row.comment_lang_source) == ("fr-CA", "declared")

    def test_undetectable_language_is_und(self, client: TestClient, db: Session):
        point = published_point(db)
        body = accepted(submit(client, point.public_id, rating=5, comment="👍👍"))
        row = _stored(db, body["receipt"])
        assert (row.comment_lang, row.comment_lang_source) == ("und", "unknown")

    def test_link_is_held_and_not_counted(self, client: TestClient, db: Session):
        point = published_point(db)
        body = accepted(
            submit(client, point.public_id, rating=1, comment="Mejor vean www.otro-sitio.com")
        )
        row = _stored(db, body["receipt"])
        assert row.held is True and "link" in row.flags and row.status == "pending"
        summary = client.get(f"/v1/points/{point.public_id}/feedback").json()
        assert summary["rating"]["count"] == 0

    def test_spam_is_stored_as_spam_but_the_answer_does_not_say_so(
        self, client: TestClient, db: Session
    ):
        point = published_point(db)
        body = accepted(
            submit(
                client,
                point.public_id,
                comment="Cruce garantizado a USA, precio especial, escribeme al whatsapp +52 1 55 9876 5432",
            )
        )
        assert body["moderation"] == "pending"
        row = _stored(db, body["receipt"])
        assert row.status == "spam" and "spam_suspect" in row.flags and row.spam_score >= 1.0

    def test_closed_points_still_take_feedback(self, client: TestClient, db: Session):
        point = published_point(db, status="temporarily_closed")
        accepted(submit(client, point.public_id, tags=["closed_now"]))


class TestDuplicates:
    def test_same_content_from_same_client_collapses(self, client: TestClient, db: Session):
        point = published_point(db)
        first = accepted(submit(client, point.public_id, rating=2, tags=["long_wait"]))
        again = accepted(submit(client, point.public_id, rating=2, tags=["long_wait"]))
        assert again == {**first, "duplicate": True}
        rows = db.scalars(select(Feedback).where(Feedback.point_id == point.id)).all()
        assert len(rows) == 1

    def test_same_content_from_another_client_is_separate(
        self, app, client: TestClient, db: Session
    ):
        point = published_point(db)
        first = accepted(submit(client, point.public_id, rating=2))
        other = accepted(submit(client_at(app), point.public_id, rating=2))
        assert other["receipt"] != first["receipt"] and other["duplicate"] is False

    def test_second_different_submission_is_kept_but_not_counted(
        self, client: TestClient, db: Session
    ):
        point = published_point(db)
        accepted(submit(client, point.public_id, rating=1))
        second = accepted(submit(client, point.public_id, rating=5))
        assert _stored(db, second["receipt"]).counted is False
        summary = client.get(f"/v1/points/{point.public_id}/feedback").json()
        assert summary["rating"] == {"average": 1.0, "count": 1}

    def test_idempotency_key_returns_the_first_receipt_from_any_address(
        self, app, client: TestClient, db: Session
    ):
        point = published_point(db)
        key = str(uuid.uuid4())
        url = f"/v1/points/{point.public_id}/feedback"
        first = accepted(client.post(url, json={"rating": 3}, headers={"Idempotency-Key": key}))
        # The phone changed network before the retry: another address, same key.
        retry = client_at(app).post(url, json={"rating": 3}, headers={"Idempotency-Key": key})
        assert accepted(retry) == {**first, "duplicate": True}
        assert len(db.scalars(select(Feedback).where(Feedback.point_id == point.id)).all()) == 1
        stored = _stored(db, first["receipt"])
        assert stored.idempotency_key != key and len(stored.idempotency_key or "") == 64


class TestGeneralFeedback:
    def test_missing_place_with_country(self, client: TestClient, db: Session):
        response = client.post(
            "/v1/feedback",
            json={"tags": ["missing_place"], "country": "pa", "comment": "Falta el comedor"},
        )
        body = accepted(response)
        row = _stored(db, body["receipt"])
        assert (row.point_id, row.country, row.tag_codes) == (None, "PA", ["missing_place"])
        assert row.status == "pending"

    def test_suggestion_without_country(self, client: TestClient, db: Session):
        body = accepted(client.post("/v1/feedback", json={"tags": ["suggestion"], "rating": 5}))
        assert _stored(db, body["receipt"]).country is None
