"""Moderation: scoped to the moderator's organisations, filters, reasons, bulk, who and when."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from tests.accounts.helpers import make_staff
from tests.feedback.helpers import (
    accepted,
    client_at,
    field_names,
    moderator_of,
    problem,
    published_point,
)

QUEUE = "/v1/moderation/feedback"


def _send(app, point_id: str, **body) -> str:
    response = client_at(app).post(f"/v1/points/{point_id}/feedback", json=body)
    return str(accepted(response)["receipt"])


def _receipts(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["receipt"] for item in response.json()["items"]]


class TestScope:
    def test_moderators_see_only_their_organisations_points(
        self, app, client: TestClient, db: Session
    ):
        mine, theirs = published_point(db), published_point(db)
        moderator = moderator_of(client, db, mine.organization)
        own = _send(app, mine.public_id, comment="bien")
        other = _send(app, theirs.public_id, comment="mal")
        general = accepted(
            client.post("/v1/feedback", json={"tags": ["suggestion"], "comment": "x y"})
        )
        seen = _receipts(client.get(QUEUE, headers=moderator.headers))
        assert own in seen and other not in seen and general["receipt"] not in seen
        problem(client.get(f"{QUEUE}/{other}", headers=moderator.headers), 404)
        decision = client.post(
            f"{QUEUE}/{other}/decision", json={"decision": "approve"}, headers=moderator.headers
        )
        problem(decision, 404)

    def test_platform_admins_see_everything_including_general_feedback(
        self, app, client: TestClient, db: Session
    ):
        point = published_point(db)
        admin = make_staff(db, app.state.settings, role=None, is_admin=True)
        on_point = _send(app, point.public_id, comment="ok ok")
        general = accepted(
            client.post("/v1/feedback", json={"tags": ["app_problem"], "comment": "lento"})
        )
        seen = _receipts(client.get(QUEUE, params={"limit": 200}, headers=admin.headers))
        assert on_point in seen and general["receipt"] in seen

    def test_editors_and_anonymous_are_refused(self, app, client: TestClient, db: Session):
        editor = make_staff(db, app.state.settings, role=Role.editor)
        problem(client.get(QUEUE, headers=editor.headers), 403)
        problem(client.get(QUEUE), 401)

    def test_org_admin_moderates_their_organisation(self, app, client: TestClient, db: Session):
        point = published_point(db)
        org_admin = make_staff(
            db, app.state.settings, role=Role.admin, organization=point.organization
        )
        receipt = _send(app, point.public_id, comment="hola")
        assert receipt in _receipts(client.get(QUEUE, headers=org_admin.headers))


class TestFilters:
    def test_status_point_tag_held_comment_and_paging(self, app, client: TestClient, db: Session):
        point, other = published_point(db), published_point(db)
        admin = make_staff(db, app.state.settings, role=None, is_admin=True)
        h = admin.headers
        rating_only = _send(app, point.public_id, rating=4, tags=["very_helpful"])
        with_link = _send(
            app, point.public_id, comment="ver www.ejemplo-foo.com", tags=["wrong_hours"]
        )
        plain = _send(app, point.public_id, comment="muy bien", tags=["very_helpful"])
        elsewhere = _send(app, other.public_id, comment="otro")
        spam = _send(
            app,
            point.public_id,
            comment="Trabajo facil en USA, visa garantizada, contacto +1 305 555 0199",
        )
        by_point = {"point": point.public_id}
        assert _receipts(client.get(QUEUE, params=by_point, headers=h)) == [with_link, plain]
        assert _receipts(
            client.get(QUEUE, params={**by_point, "status": "approved"}, headers=h)
        ) == [rating_only]
        assert _receipts(client.get(QUEUE, params={**by_point, "status": "spam"}, headers=h)) == [
            spam
        ]
        both = client.get(QUEUE, params={**by_point, "status": ["spam", "approved"]}, headers=h)
        assert _receipts(both) == [rating_only, spam]
        assert _receipts(client.get(QUEUE, params={**by_point, "held": "true"}, headers=h)) == [
            with_link
        ]
        assert _receipts(
            client.get(
                QUEUE,
                params={**by_point, "tag": "very_helpful", "status": ["pending", "approved"]},
                headers=h,
            )
        ) == [rating_only, plain]
        assert _receipts(
            client.get(
                QUEUE, params={**by_point, "has_comment": "false", "status": "approved"}, headers=h
            )
        ) == [rating_only]
        assert elsewhere in _receipts(
            client.get(QUEUE, params={"point": other.public_id}, headers=h)
        )

        first = client.get(QUEUE, params={**by_point, "limit": 1}, headers=h).json()
        assert [i["receipt"] for i in first["items"]] == [with_link]
        second = client.get(
            QUEUE, params={**by_point, "limit": 1, "cursor": first["next_cursor"]}, headers=h
        ).json()
        assert [i["receipt"] for i in second["items"]] == [plain] and "next_cursor" not in second
        # A cursor belongs to its query.
        replay = client.get(QUEUE, params={"limit": 1, "cursor": first["next_cursor"]}, headers=h)
        assert field_names(problem(replay, 422)) == {"cursor"}

    def test_bad_queue_parameters(self, app, client: TestClient, db: Session):
        admin = make_staff(db, app.state.settings, role=None, is_admin=True)
        for params, name in [
            ({"status": "maybe"}, "status"),
            ({"held": "perhaps"}, "held"),
            ({"limit": 500}, "limit"),
            ({"point": "00000000-0000-0000-0000-000000000000"}, "point"),
        ]:
            body = problem(client.get(QUEUE, params=params, headers=admin.headers), 422)
            assert name in {n.split(".")[0] for n in field_names(body)}


class TestDecisions:
    def test_reason_is_required_to_reject_or_mark_spam(self, app, client: TestClient, db: Session):
        point = published_point(db)
        moderator = moderator_of(client, db, point.organization)
        receipt = _send(app, point.public_id, comment="texto")
        for decision in ("reject", "spam"):
            response = client.post(
                f"{QUEUE}/{receipt}/decision",
                json={"decision": decision, "reason": "  "},
                headers=moderator.headers,
            )
            assert field_names(problem(response, 422)) == {"reason"}
        bad = client.post(
            f"{QUEUE}/{receipt}/decision", json={"decision": "delete"}, headers=moderator.headers
        )
        assert "decision" in field_names(problem(bad, 422))
        problem(
            client.post(
                f"{QUEUE}/not-a-receipt/decision",
                json={"decision": "approve"},
                headers=moderator.headers,
            ),
            404,
        )

    def test_who_decided_when_is_recorded_and_audited(self, app, client: TestClient, db: Session):
        point = published_point(db)
        moderator = moderator_of(client, db, point.organization)
        receipt = _send(app, point.public_id, comment="Me robaron aqui")
        spam = client.post(
            f"{QUEUE}/{receipt}/decision",
            json={"decision": "spam", "reason": "advert"},
            headers=moderator.headers,
        ).json()
        assert spam["status"] == "spam" and spam["decision_reason"] == "advert"
        assert spam["decided_by_user_id"] == moderator.user.id
        # A spam decision can be reversed.
        approved = client.post(
            f"{QUEUE}/{receipt}/decision", json={"decision": "approve"}, headers=moderator.headers
        ).json()
        assert approved["status"] == "approved" and approved["held"] is False
        events = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "feedback", AuditEvent.entity_id == receipt)
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["moderation.spam", "moderation.approve"]
        assert {e.actor_user_id for e in events} == {moderator.user.id}
        assert events[0].changes["status"] == ["pending", "spam"]

    def test_approving_a_held_item_counts_it(self, app, client: TestClient, db: Session):
        point = published_point(db)
        moderator = moderator_of(client, db, point.organization)
        receipt = _send(app, point.public_id, rating=5, comment="info en www.acnur.org")
        summary = f"/v1/points/{point.public_id}/feedback"
        assert client.get(summary).json()["rating"]["count"] == 0
        client.post(
            f"{QUEUE}/{receipt}/decision", json={"decision": "approve"}, headers=moderator.headers
        ).raise_for_status()
        assert client.get(summary).json()["rating"] == {"average": 5.0, "count": 1}


class TestBulk:
    def test_bulk_decision_applies_to_all(self, app, client: TestClient, db: Session):
        point = published_point(db)
        moderator = moderator_of(client, db, point.organization)
        receipts = [_send(app, point.public_id, comment=f"comentario {i}") for i in range(4)]
        response = client.post(
            f"{QUEUE}/decisions",
            json={"receipts": receipts, "decision": "approve"},
            headers=moderator.headers,
        )
        assert response.status_code == 200, response.text
        assert [i["status"] for i in response.json()] == ["approved"] * 4
        assert (
            _receipts(
                client.get(QUEUE, params={"point": point.public_id}, headers=moderator.headers)
            )
            == []
        )

    def test_bulk_is_all_or_nothing(self, app, client: TestClient, db: Session):
        point, theirs = published_point(db), published_point(db)
        moderator = moderator_of(client, db, point.organization)
        mine = [_send(app, point.public_id, comment=f"c {i}") for i in range(2)]
        foreign = _send(app, theirs.public_id, comment="ajeno")
        response = client.post(
            f"{QUEUE}/decisions",
            json={"receipts": [*mine, foreign, "nope"], "decision": "reject", "reason": "test"},
            headers=moderator.headers,
        )
        body = problem(response, 422)
        assert {e["pointer"] for e in body["errors"]} == {"/receipts/2", "/receipts/3"}
        still = _receipts(
            client.get(QUEUE, params={"point": point.public_id}, headers=moderator.headers)
        )
        assert still == mine

    def test_bulk_bounds(self, app, client: TestClient, db: Session):
        point = published_point(db)
        moderator = moderator_of(client, db, point.organization)
        for receipts in ([], [f"r{i}" for i in range(101)]):
            response = client.post(
                f"{QUEUE}/decisions",
                json={"receipts": receipts, "decision": "approve"},
                headers=moderator.headers,
            )
            assert "receipts" in field_names(problem(response, 422))
