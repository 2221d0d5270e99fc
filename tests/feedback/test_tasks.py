"""Acting on feedback: at the threshold a point shows a warning and its organisation gets a
verification task; verifying the point clears both."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.db import utcnow
from app.feedback.models import Feedback
from app.staff_points.service import etag_of
from app.tasks.models import VerificationTask
from tests.accounts.helpers import make_staff
from tests.feedback.helpers import accepted, client_at, moderator_of, problem, published_point

THRESHOLD = 3  # settings.feedback_signal_threshold


def _report(app, point_id: str, *tags: str, **body) -> dict:
    return accepted(
        client_at(app).post(f"/v1/points/{point_id}/feedback", json={"tags": list(tags), **body})
    )


def _warnings(client: TestClient, point_id: str) -> list[str] | None:
    body = client.get(f"/v1/points/{point_id}").json()
    return body.get("warnings")


def test_warning_and_task_at_threshold_cleared_by_verification(
    app, client: TestClient, db: Session
):
    point = published_point(db)
    editor = make_staff(db, app.state.settings, role=Role.editor, organization=point.organization)
    outsider = make_staff(db, app.state.settings, role=Role.editor)

    for n in range(THRESHOLD - 1):
        _report(app, point.public_id, "closed_now" if n % 2 else "closed_permanently")
    assert _warnings(client, point.public_id) is None
    assert client.get("/v1/tasks", headers=editor.headers).json()["items"] == []

    _report(app, point.public_id, "closed_now", comment="Cerrado desde el lunes")
    assert _warnings(client, point.public_id) == ["reported_closed"]
    for _ in range(THRESHOLD):
        _report(app, point.public_id, "asked_for_money")
    # The warning is in search results and in the feedback summary too.
    listed = client.get("/v1/points", params={"near": f"{point.lat},{point.lon}", "radius": 50})
    mine = [p for p in listed.json()["items"] if p["id"] == point.public_id]
    assert mine and mine[0]["warnings"] == ["reported_closed"]
    summary = client.get(f"/v1/points/{point.public_id}/feedback").json()
    assert summary["warnings"] == ["reported_closed"]

    tasks = client.get("/v1/tasks", headers=editor.headers)
    assert tasks.status_code == 200, tasks.text
    task, safety = tasks.json()["items"]
    assert task["kind"] == "closed" and task["status"] == "open"
    assert safety["kind"] == "safety" and "warning" not in safety
    assert task["report_count"] == THRESHOLD and task["warning"] == "reported_closed"
    assert task["point"]["id"] == point.public_id
    assert task["point"]["organization"] == point.organization.slug
    # Another organisation's staff do not see it.
    assert client.get("/v1/tasks", headers=outsider.headers).json()["items"] == []

    # More reports update the open task instead of opening another.
    _report(app, point.public_id, "closed_now")
    task = client.get("/v1/tasks", params={"kind": "closed"}, headers=editor.headers).json()
    assert [t["report_count"] for t in task["items"]] == [THRESHOLD + 1]

    # Staff check the place and verify the point: warning and closure task go; the safety
    # concern is not about the record and stays open until someone resolves it.
    db.expire_all()
    verified = client.post(
        f"/v1/points/{point.public_id}/verify",
        headers={**editor.headers, "If-Match": etag_of(point)},
    )
    assert verified.status_code == 200, verified.text
    assert _warnings(client, point.public_id) is None
    still_open = client.get("/v1/tasks", headers=editor.headers).json()["items"]
    assert [t["kind"] for t in still_open] == ["safety"]
    [done] = client.get("/v1/tasks", params={"status": "resolved"}, headers=editor.headers).json()[
        "items"
    ]
    assert done["resolution"] == "verified" and done["resolved_by_user_id"] == editor.user.id
    assert "warning" not in done

    # Reports from before the verification do not count again: one new report is not enough.
    _report(app, point.public_id, "closed_now")
    assert _warnings(client, point.public_id) is None


def test_one_client_cannot_reach_the_threshold_alone(client: TestClient, db: Session):
    point = published_point(db)
    url = f"/v1/points/{point.public_id}/feedback"
    for text in ("cerrado", "sigue cerrado", "cerrado otra vez"):
        accepted(client.post(url, json={"tags": ["closed_now"], "comment": text}))
    assert _warnings(client, point.public_id) is None
    counted = db.scalars(select(Feedback.counted).where(Feedback.point_id == point.id)).all()
    assert sorted(counted) == [False, False, True]


def test_wrong_details_warning_and_safety_task_without_warning(
    app, client: TestClient, db: Session
):
    point = published_point(db)
    for tags in (["wrong_phone"], ["wrong_hours"], ["wrong_location", "wrong_phone"]):
        _report(app, point.public_id, *tags)
    for _ in range(THRESHOLD):
        _report(app, point.public_id, "asked_for_money")
    assert _warnings(client, point.public_id) == ["reported_wrong_information"]
    kinds = db.scalars(
        select(VerificationTask.kind).where(
            VerificationTask.point_id == point.id, VerificationTask.status == "open"
        )
    ).all()
    assert sorted(kinds) == ["safety", "wrong_info"]


def test_old_reports_fall_out_of_the_window(app, client: TestClient, db: Session):
    point = published_point(db)
    for _ in range(THRESHOLD - 1):
        _report(app, point.public_id, "closed_now")
    # Age the first reports beyond the 14-day window.
    db.expire_all()
    for row in db.scalars(select(Feedback).where(Feedback.point_id == point.id)):
        row.created_at = utcnow() - dt.timedelta(days=15)
    db.flush()
    _report(app, point.public_id, "closed_now")
    assert _warnings(client, point.public_id) is None


def test_rejecting_reports_in_moderation_dismisses_the_task(app, client: TestClient, db: Session):
    point = published_point(db)
    moderator = moderator_of(client, db, point.organization)
    receipts = [
        _report(app, point.public_id, "closed_now", comment=f"cerrado {i}")["receipt"]
        for i in range(THRESHOLD)
    ]
    assert _warnings(client, point.public_id) == ["reported_closed"]
    response = client.post(
        "/v1/moderation/feedback/decisions",
        json={
            "receipts": receipts[:1],
            "decision": "reject",
            "reason": "lies, the shelter is open",
        },
        headers=moderator.headers,
    )
    assert response.status_code == 200, response.text
    assert _warnings(client, point.public_id) is None
    [task] = client.get(
        "/v1/tasks", params={"status": "resolved"}, headers=moderator.headers
    ).json()["items"]
    assert task["resolution"] == "dismissed"


def test_resolve_endpoint(app, client: TestClient, db: Session):
    point = published_point(db)
    editor = make_staff(db, app.state.settings, role=Role.editor, organization=point.organization)
    outsider = make_staff(db, app.state.settings, role=Role.editor)
    for _ in range(THRESHOLD):
        _report(app, point.public_id, "wrong_hours")
    [task] = client.get("/v1/tasks", headers=editor.headers).json()["items"]
    url = f"/v1/tasks/{task['id']}/resolution"

    problem(client.post(url, json={"resolution": "dismissed"}, headers=outsider.headers), 404)
    problem(client.post(url, json={"resolution": "maybe"}, headers=editor.headers), 422)
    problem(client.post(url, json={"resolution": "dismissed"}), 401)
    done = client.post(
        url, json={"resolution": "dismissed", "note": "hours are right"}, headers=editor.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["resolution_note"] == "hours are right"
    assert _warnings(client, point.public_id) is None
    problem(client.post(url, json={"resolution": "verified"}, headers=editor.headers), 409)


def test_tasks_bad_input(app, client: TestClient, db: Session):
    editor = make_staff(db, app.state.settings, role=Role.editor)
    for params, name in [
        ({"status": "done"}, "status"),
        ({"kind": "fire"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"point": "00000000-0000-0000-0000-000000000000"}, "point"),
    ]:
        body = problem(client.get("/v1/tasks", params=params, headers=editor.headers), 422)
        assert name in {e["name"] for e in body["errors"]}
    translator = make_staff(db, app.state.settings, role=Role.translator)
    problem(client.get("/v1/tasks", headers=translator.headers), 403)
    problem(
        client.post(
            "/v1/tasks/nope/resolution", json={"resolution": "verified"}, headers=editor.headers
        ),
        404,
    )


def test_one_open_task_per_point_and_kind_at_the_data_layer(db: Session):
    from app.tasks import repository as tasks_repository
    from app.tasks import service as tasks_service
    from app.tasks.models import TaskKind

    point = published_point(db)
    now = utcnow()

    def racing_insert() -> bool:
        return tasks_repository.add_open(
            db,
            VerificationTask(
                point_id=point.id,
                kind="closed",
                status="open",
                report_count=3,
                first_report_at=now,
                last_report_at=now,
                opened_at=now,
            ),
        )

    first = tasks_service.record_evidence(
        db, point_id=point.id, kind=TaskKind.closed, count=3, first_at=now, last_at=now
    )
    # A second open task for the same point and kind is refused by the database itself.
    assert racing_insert() is False
    again = tasks_service.record_evidence(
        db, point_id=point.id, kind=TaskKind.closed, count=5, first_at=now, last_at=now
    )
    assert again.id == first.id and again.report_count == 5
    # Another kind may be open at the same time; after resolution a new one may open.
    tasks_service.record_evidence(
        db, point_id=point.id, kind=TaskKind.wrong_info, count=3, first_at=now, last_at=now
    )
    assert tasks_service.warnings_for(db, [point.id]) == {
        point.id: ["reported_closed", "reported_wrong_information"]
    }
    resolved = tasks_service.resolve_tasks_for_point(db, point_id=point.id, by=None)
    assert {t.kind for t in resolved} == {"closed", "wrong_info"}
    assert tasks_service.warnings_for(db, [point.id]) == {}
    assert racing_insert() is True
