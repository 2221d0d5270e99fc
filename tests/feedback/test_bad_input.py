"""Bad input gets a clear 4xx problem+json naming the field (or 429), never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.feedback.models import Feedback
from tests.feedback.helpers import field_names, problem, published_point

UNKNOWN_POINT = "00000000-0000-0000-0000-000000000000"


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Feedback)) or 0


BODY_CASES = [
    ({"rating": 0}, "rating"),
    ({"rating": 6}, "rating"),
    ({"rating": -1}, "rating"),
    ({"rating": 4.5}, "rating"),
    ({"rating": "5"}, "rating"),
    ({"rating": True}, "rating"),
    ({"tags": ["no_such_tag"]}, "tags"),
    ({"tags": ["Closed Now"]}, "tags"),
    ({"tags": "closed_now"}, "tags"),
    ({"tags": ["missing_place"]}, "tags"),  # a general tag on a point
    ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
    ({}, "rating"),
    ({"rating": None, "tags": [], "comment": "   \n\t "}, "comment"),
    ({"comment": "x" * 1001}, "comment"),
    ({"comment": "y" * 5000}, "comment"),
    ({"comment": 12}, "comment"),
    ({"comment": "hola", "lang": "zz-!!"}, "lang"),
    ({"comment": "hola", "lang": "klingon-x"}, "lang"),
    ({"rating": 3, "extra": "field"}, "extra"),
    ({"rating": 3, "ip": "1.2.3.4"}, "ip"),
]


class TestPointFeedbackBody:
    @pytest.mark.parametrize(("body", "name"), BODY_CASES)
    def test_invalid_body_is_422_naming_the_field(
        self, client: TestClient, db: Session, body, name
    ):
        point = published_point(db)
        before = _count(db)
        response = client.post(f"/v1/points/{point.public_id}/feedback", json=body)
        assert name in field_names(problem(response, 422))
        assert _count(db) == before

    def test_empty_feedback_names_each_field(self, client: TestClient, db: Session):
        point = published_point(db)
        body = problem(client.post(f"/v1/points/{point.public_id}/feedback", json={}), 422)
        assert field_names(body) == {"rating", "tags", "comment"}
        assert {e["pointer"] for e in body["errors"]} == {"/rating", "/tags", "/comment"}

    def test_every_unknown_tag_is_reported(self, client: TestClient, db: Session):
        point = published_point(db)
        body = problem(
            client.post(
                f"/v1/points/{point.public_id}/feedback",
                json={"tags": ["closed_now", "bogus", "very_helpful", "nope"]},
            ),
            422,
        )
        assert {e["pointer"] for e in body["errors"]} == {"/tags/1", "/tags/3"}

    def test_unknown_point_is_404_naming_point_id(self, client: TestClient):
        response = client.post(f"/v1/points/{UNKNOWN_POINT}/feedback", json={"rating": 3})
        assert field_names(problem(response, 404)) == {"point_id"}

    def test_draft_point_is_not_found(self, client: TestClient, db: Session):
        point = published_point(db, status="draft")
        problem(client.post(f"/v1/points/{point.public_id}/feedback", json={"rating": 3}), 404)

    def test_overlong_point_id_is_422(self, client: TestClient):
        response = client.post(f"/v1/points/{'x' * 40}/feedback", json={"rating": 3})
        assert "point_id" in field_names(problem(response, 422))


class TestTransport:
    @pytest.mark.parametrize(
        "content_type",
        [
            None,
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ],
    )
    def test_wrong_content_type_is_415(self, client: TestClient, db: Session, content_type):
        point = published_point(db)
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post(
            f"/v1/points/{point.public_id}/feedback", content=b'{"rating": 3}', headers=headers
        )
        assert field_names(problem(response, 415)) == {"Content-Type"}

    def test_other_charset_is_415(self, client: TestClient, db: Session):
        point = published_point(db)
        response = client.post(
            f"/v1/points/{point.public_id}/feedback",
            content='{"comment": "café"}'.encode("latin-1"),
            headers={"Content-Type": "application/json; charset=latin-1"},
        )
        problem(response, 415)

    def test_invalid_utf8_is_422(self, client: TestClient, db: Session):
        point = published_point(db)
        response = client.post(
            f"/v1/points/{point.public_id}/feedback",
            content=b'{"comment": "caf\xe9 \xff\xfe"}',
            headers={"Content-Type": "application/json"},
        )
        body = problem(response, 422)
        assert field_names(body) == {"body"} and "UTF-8" in body["detail"]

    @pytest.mark.parametrize(
        "raw",
        [b"", b"{", b"[1, 2]", b"null", b'"text"', b"{'a': 1}", b'{"comment": "\\ud800 lone"}'],
    )
    def test_malformed_json_is_422(self, client: TestClient, db: Session, raw):
        point = published_point(db)
        response = client.post(
            f"/v1/points/{point.public_id}/feedback",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        assert field_names(problem(response, 422))

    def test_oversized_body_is_413(self, client: TestClient, db: Session):
        point = published_point(db)
        response = client.post(
            f"/v1/points/{point.public_id}/feedback",
            json={"comment": "z" * 30_000},
        )
        problem(response, 413)

    @pytest.mark.parametrize("key", ["short", "ñandú-ñandú-ñandú", "k" * 201, "tab\there-key"])
    def test_bad_idempotency_key_is_422(self, client: TestClient, db: Session, key):
        point = published_point(db)
        response = client.post(
            f"/v1/points/{point.public_id}/feedback",
            json={"rating": 3},
            headers={"Idempotency-Key": key.encode()},
        )
        names = {n.lower() for n in field_names(problem(response, 422))}
        assert "idempotency-key" in names

    def test_reused_idempotency_key_with_other_content_is_422(
        self, client: TestClient, db: Session
    ):
        point = published_point(db)
        url = f"/v1/points/{point.public_id}/feedback"
        headers = {"Idempotency-Key": "3f1c9a2e-reuse-test-key"}
        assert client.post(url, json={"rating": 3}, headers=headers).status_code == 202
        response = client.post(url, json={"rating": 1}, headers=headers)
        assert field_names(problem(response, 422)) == {"Idempotency-Key"}


class TestGeneralFeedbackBody:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ({"tags": ["closed_now"]}, "tags"),  # a point tag in general feedback
            ({"tags": ["suggestion"], "country": "XX"}, "country"),
            ({"tags": ["suggestion"], "country": "usa"}, "country"),
            ({}, "comment"),
            ({"comment": "ok", "point_id": "x"}, "point_id"),
        ],
    )
    def test_invalid_general_feedback(self, client: TestClient, body, name):
        assert name in field_names(problem(client.post("/v1/feedback", json=body), 422))


class TestReads:
    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 51}, "limit"),
            ({"other_languages": "maybe"}, "other_languages"),
            ({"lang": "!!"}, "lang"),
        ],
    )
    def test_bad_summary_parameters(self, client: TestClient, db: Session, params, name):
        point = published_point(db)
        response = client.get(f"/v1/points/{point.public_id}/feedback", params=params)
        assert name in field_names(problem(response, 422))

    def test_summary_of_unknown_point_is_404(self, client: TestClient):
        problem(client.get(f"/v1/points/{UNKNOWN_POINT}/feedback"), 404)

    def test_bad_tag_scope_is_422(self, client: TestClient):
        response = client.get("/v1/feedback-tags", params={"scope": "everything"})
        assert "scope" in field_names(problem(response, 422))


def test_feedback_errors_in_the_travellers_language(client: TestClient, db: Session):
    point = published_point(db)
    url = f"/v1/points/{point.public_id}/feedback"
    french = client.post(url, json={}, headers={"Accept-Language": "ht"})
    body = problem(french, 422)
    assert french.headers["content-language"] == "fr"
    assert body["title"] == "Données invalides"
    assert {e["detail"] for e in body["errors"]} == {
        "envoyez une note, au moins une étiquette ou un commentaire"
    }
    spanish = problem(client.post(url, json={"tags": ["bogus"]}), 422)
    assert spanish["errors"][0]["detail"] == "etiqueta desconocida 'bogus'"
    english = problem(client.post(url, json={"rating": 9}, headers={"Accept-Language": "en"}), 422)
    assert english["errors"][0]["detail"] == "Input should be less than or equal to 5"
