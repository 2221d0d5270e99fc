"""Two people editing the same point: the second save shows the first one's change instead of
overwriting it, and nothing is written until the second person saves again."""

from __future__ import annotations

import re
import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.service_points.models import ServicePoint
from tests.accounts.helpers import make_user
from tests.console.helpers import console_client, form_of, log_in, staff
from tests.factories import make_organization, make_point


def _point(db: Session, public_id: str) -> ServicePoint:
    db.expire_all()
    return db.scalars(select(ServicePoint).where(ServicePoint.public_id == public_id)).one()


def _row(page: str, label: str) -> str:
    match = re.search(rf"<tr class=\"kind-\w+\">\s*<th scope=\"row\">{label}.*?</tr>", page, re.S)
    assert match, f"no conflict row for {label}"
    return match.group(0)


def test_the_second_save_shows_the_first_change(app: FastAPI, console: TestClient, db: Session):
    org = make_organization(db)
    point = make_point(db, org, status="published")
    first = make_user(db, email="first-editor@example.org", roles=[(org, Role.editor)])
    staff(console, db, organization=org)
    url = f"/console/points/{point.public_id}"
    with console_client(app) as other:
        log_in(other, first.email)
        mine = form_of(console.get(url).text, url)
        theirs = form_of(other.get(url).text, url)
        saved = other.post(
            url, data={**theirs, "name": "Albergue renombrado", "opening_hours": "24/7"}
        )
        assert saved.status_code == 303

    response = console.post(
        url, data={**mine, "name": "Albergue de la parroquia", "locality": "Turbo"}
    )
    assert response.status_code == 409
    page = response.text
    assert 'id="conflict"' in page and "first-editor@example.org" in page
    name_row = _row(page, "Nombre")
    assert "Albergue renombrado" in name_row and "Albergue de la parroquia" in name_row
    assert "kind-both" in page
    locality_row = _row(page, "Localidad")
    assert "Turbo" in locality_row
    # Nothing of the second person was written.
    current = _point(db, point.public_id)
    names = {t.lang: t.name for t in current.translations}
    assert names["es"] == "Albergue renombrado" and current.locality == "Necoclí"

    # The form now carries the saved version: their name stays, my locality is carried over.
    again = form_of(page, url)
    assert again["etag"] == f'"{current.public_id}.{current.version}"'
    assert again["name"] == "Albergue renombrado" and again["locality"] == "Turbo"
    assert again["opening_hours"] == "24/7"
    confirmed = console.post(url, data=again)
    assert confirmed.status_code == 303
    final = _point(db, point.public_id)
    assert final.locality == "Turbo" and final.opening_hours == "24/7"
    assert {t.lang: t.name for t in final.translations}["es"] == "Albergue renombrado"


def test_a_change_of_status_meanwhile_is_also_shown(console: TestClient, db: Session):
    org = make_organization(db)
    point = make_point(db, org, status="draft")
    staff(console, db, organization=org)
    url = f"/console/points/{point.public_id}"
    stale = form_of(console.get(url).text, url)
    status_form = form_of(console.get(url).text, f"{url}/status")
    assert console.post(f"{url}/status", data=status_form).status_code == 303
    response = console.post(url, data={**stale, "locality": "Turbo"})
    assert response.status_code == 409
    assert "Turbo" in _row(response.text, "Localidad")
    assert _point(db, point.public_id).locality == "Necoclí"


def test_translations_conflict_too(app: FastAPI, console: TestClient, db: Session):
    org = make_organization(db)
    point = make_point(db, org, status="draft")
    other_user = make_user(db, roles=[(org, Role.translator)])
    staff(console, db, role=Role.translator, organization=org)
    base = f"/console/points/{point.public_id}/translations"
    action = f"{base}/fr"
    mine = form_of(console.get(f"{base}?lang=fr").text, action)
    with console_client(app) as other:
        log_in(other, other_user.email)
        theirs = form_of(other.get(f"{base}?lang=fr").text, action)
        assert other.post(action, data={**theirs, "name": "Abri du port"}).status_code == 303
    response = console.post(action, data={**mine, "name": "Refuge du port"})
    assert response.status_code == 409
    row = _row(response.text, "Nombre")
    assert "Abri du port" in row and "Refuge du port" in row
    fr = {t.lang: t.name for t in _point(db, point.public_id).translations}["fr"]
    assert fr == "Abri du port"


def test_simultaneous_saves_never_both_land(fresh_app):
    """Two people press save at the same moment on the same version (real connections):
    one save lands, the other gets the conflict page; nothing is lost or overwritten."""
    app, _ = fresh_app(seed=True)
    with app.state.database.session() as session, session.begin():
        org = make_organization(session)
        point = make_point(session, org, status="draft")
        first = make_user(session, roles=[(org, Role.editor)])
        second = make_user(session, roles=[(org, Role.editor)])
        point_id, emails = point.public_id, (first.email, second.email)
    url = f"/console/points/{point_id}"
    clients = [console_client(app) for _ in emails]
    forms = []
    for client, email in zip(clients, emails, strict=True):
        log_in(client, email)
        forms.append(form_of(client.get(url).text, url))
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def save(index: int) -> None:
        barrier.wait()
        response = clients[index].post(url, data={**forms[index], "locality": f"Lugar {index}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for client in clients:
        client.close()
    assert sorted(statuses) == [303, 409], statuses
    with app.state.database.session() as session:
        saved = session.scalars(
            select(ServicePoint).where(ServicePoint.public_id == point_id)
        ).one()
        assert saved.locality in ("Lugar 0", "Lugar 1")
        read_version = int(forms[0]["etag"].strip('"').rsplit(".", 1)[1])
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == point_id, AuditEvent.action == "update"
            )
        ).all()
        assert len(events) == 1 and events[0].changes["locality"][1] == saved.locality, [
            e.changes for e in events
        ]
        assert saved.version > read_version
