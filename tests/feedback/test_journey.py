"""The journey: submit -> pending -> approve -> visible in the aggregates, in the right language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.feedback.helpers import accepted, client_at, moderator_of, published_point


def test_submit_moderate_and_read_in_the_right_language(app, client: TestClient, db: Session):
    point = published_point(db)
    moderator = moderator_of(client, db, point.organization)
    summary_url = f"/v1/points/{point.public_id}/feedback"

    # A traveller writes in French (undeclared), another in Spanish (declared).
    french = accepted(
        client.post(
            f"/v1/points/{point.public_id}/feedback",
            json={
                "rating": 5,
                "tags": ["very_helpful"],
                "comment": "Très bon accueil, ils nous ont donné à manger. Merci!",
            },
        )
    )
    spanish = accepted(
        client_at(app).post(
            f"/v1/points/{point.public_id}/feedback",
            json={"rating": 3, "comment": "Buena atención pero hay que esperar", "lang": "es"},
        )
    )
    assert french["moderation"] == spanish["moderation"] == "pending"

    # Pending: ratings and tags count, comments are not public.
    before = client.get(summary_url, params={"lang": "fr"}).json()
    assert before["rating"] == {"average": 4.0, "count": 2}
    assert before["tags"] == [{"code": "very_helpful", "label": "Très utile", "count": 1}]
    assert before["comments"] == [] and before["other_language_comments"] == 0

    # The moderator sees both in the queue, oldest first, already redacted.
    queue = client.get("/v1/moderation/feedback", headers=moderator.headers)
    assert queue.status_code == 200, queue.text
    items = queue.json()["items"]
    assert [i["receipt"] for i in items] == [french["receipt"], spanish["receipt"]]
    assert items[0]["comment_lang"] == "fr" and items[0]["comment_lang_source"] == "detected"
    assert items[0]["organization"] == point.organization.slug

    decided = client.post(
        f"/v1/moderation/feedback/{french['receipt']}/decision",
        json={"decision": "approve"},
        headers=moderator.headers,
    )
    assert decided.status_code == 200, decided.text
    decision = decided.json()
    assert decision["status"] == "approved"
    assert decision["decided_by_user_id"] == moderator.user.id and decision["decided_at"]

    # In French: the French comment. In Spanish: none yet, one in another language.
    fr = client.get(summary_url, params={"lang": "fr"}).json()
    assert [c["text"] for c in fr["comments"]] == [
        "Très bon accueil, ils nous ont donné à manger. Merci!"
    ]
    assert fr["comments"][0]["lang"] == "fr" and fr["comments"][0]["tags"] == ["very_helpful"]
    assert fr["comments"][0]["date"] == decision["created_at"][:10]
    es = client.get(summary_url, headers={"Accept-Language": "es-CO,es;q=0.9"}).json()
    assert es["comments"] == [] and es["other_language_comments"] == 1
    es_all = client.get(summary_url, params={"lang": "es", "other_languages": "true"}).json()
    assert [c["lang"] for c in es_all["comments"]] == ["fr"]

    # The Spanish one, once approved, is shown to Spanish readers.
    client.post(
        f"/v1/moderation/feedback/{spanish['receipt']}/decision",
        json={"decision": "approve"},
        headers=moderator.headers,
    ).raise_for_status()
    es = client.get(summary_url, params={"lang": "es"}).json()
    assert [c["text"] for c in es["comments"]] == ["Buena atención pero hay que esperar"]
    assert es["lang"] == "es" and es["tags"][0]["label"] == "Me ayudaron mucho"

    # Rejecting takes everything of it out of the public view, rating included.
    client.post(
        f"/v1/moderation/feedback/{french['receipt']}/decision",
        json={"decision": "reject", "reason": "test of rejection"},
        headers=moderator.headers,
    ).raise_for_status()
    after = client.get(summary_url, params={"lang": "fr"}).json()
    assert after["rating"] == {"average": 3.0, "count": 1}
    assert after["comments"] == [] and after["tags"] == []
