"""A point reported closed by travellers says so, in the reader's language, as a report
that nobody has confirmed yet (in the API and in the console) until staff check it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.staff_points.service import etag_of
from tests.accounts.helpers import make_staff
from tests.console.helpers import console_client, staff
from tests.feedback.helpers import accepted, client_at, published_point

THRESHOLD = 3  # settings.feedback_signal_threshold
NOT_CONFIRMED = {
    "es": "sin confirmar",
    "en": "not confirmed",
    "fr": "non confirmé",
}
BY_TRAVELLERS = {"es": "personas viajeras", "en": "travellers", "fr": "voyageurs"}


def _reported_closed(app: FastAPI, db: Session):  # type: ignore[no-untyped-def]
    point = published_point(db)
    for _ in range(THRESHOLD):
        accepted(
            client_at(app).post(
                f"/v1/points/{point.public_id}/feedback", json={"tags": ["closed_now"]}
            )
        )
    return point


@pytest.mark.parametrize("lang", ["es", "en", "fr"])
def test_the_warning_says_reported_by_travellers_not_confirmed(
    app: FastAPI, client: TestClient, db: Session, lang: str
) -> None:
    point = _reported_closed(app, db)
    detail = client.get(f"/v1/points/{point.public_id}", params={"lang": lang}).json()
    assert detail["warnings"] == ["reported_closed"]
    (text,) = detail["warning_texts"]
    assert (text["code"], text["lang"]) == ("reported_closed", lang)
    assert NOT_CONFIRMED[lang] in text["message"].lower()
    assert BY_TRAVELLERS[lang] in text["message"].lower()
    listed = client.get(
        "/v1/points", params={"near": f"{point.lat},{point.lon}", "radius": 50, "lang": lang}
    ).json()
    (mine,) = [p for p in listed["items"] if p["id"] == point.public_id]
    assert mine["warning_texts"] == detail["warning_texts"]
    tags = client.get("/v1/feedback-tags", params={"lang": lang}).json()
    message = next(w["message"] for w in tags["warnings"] if w["code"] == "reported_closed")
    assert message == text["message"]


def test_the_console_says_not_confirmed_until_staff_check(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    point = _reported_closed(app, db)
    with console_client(app) as console:
        staff(console, db, Role.editor, point.organization)
        page = console.get("/console/tasks")
        assert page.status_code == 200, page.text
        assert NOT_CONFIRMED["es"] in page.text.lower()
    editor = make_staff(db, app.state.settings, role=Role.editor, organization=point.organization)
    db.expire_all()
    verified = client.post(
        f"/v1/points/{point.public_id}/verify",
        headers={**editor.headers, "If-Match": etag_of(point)},
    )
    assert verified.status_code == 200, verified.text
    detail = client.get(f"/v1/points/{point.public_id}").json()
    assert "warnings" not in detail and "warning_texts" not in detail
