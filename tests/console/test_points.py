"""The point editor through HTTP: create, edit, translate, publish, verify, history, and the
same authorisation rules as the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.service_points.models import ServicePoint
from tests.accounts.helpers import make_user
from tests.console.helpers import (
    console_client,
    csrf_of,
    form_of,
    log_in,
    point_form,
    post_form,
    staff,
)
from tests.factories import make_organization, make_point


def _create(console: TestClient, **overrides) -> str:
    page = console.get("/console/points/new")
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_of(page.text), **point_form(**overrides)}
    response = console.post("/console/points/new", data=data)
    assert response.status_code == 303, response.text
    match = re.fullmatch(
        r"/console/points/([0-9a-f-]{36})\?notice=created", response.headers["location"]
    )
    assert match, response.headers["location"]
    return match.group(1)


def _point(db: Session, public_id: str) -> ServicePoint:
    db.expire_all()
    point = db.scalars(select(ServicePoint).where(ServicePoint.public_id == public_id)).one()
    return point


class TestCreate:
    def test_typed_coordinates_make_a_draft_of_my_organisation(
        self, console: TestClient, db: Session
    ):
        user, org = staff(console, db)
        point_id = _create(console, lat="8,5126".replace(",", "."), lon="-76.7821")
        point = _point(db, point_id)
        assert point.organization_id == org.id and point.status == "draft"
        assert (point.lat, point.lon) == (8.5126, -76.7821)
        assert point.timezone == "America/Bogota"
        assert point.opening_hours == "Mo-Fr 08:00-17:00" and point.free is True
        assert {t.lang: t.name for t in point.translations} == {"es": "Albergue La Esperanza"}
        event = db.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == point_id, AuditEvent.action == "create"
            )
        ).one()
        assert event.actor_user_id == user.id
        editor = console.get(f"/console/points/{point_id}?notice=created")
        assert editor.status_code == 200 and "Albergue La Esperanza" in editor.text
        assert 'role="status"' in editor.text

    def test_every_bad_field_is_named_and_nothing_is_written(
        self, console: TestClient, db: Session
    ):
        staff(console, db)
        before = db.scalar(select(ServicePoint.id).order_by(ServicePoint.id.desc()).limit(1))
        page = console.get("/console/points/new")
        data = {
            "csrf_token": csrf_of(page.text),
            **point_form(
                name="",
                lat="91",
                lon="abc",
                country="ZZ",
                categories=["shelter", "no_such_category"],
                opening_hours="Mo-Fr 25:00-99:00",
                phones="12345",
                website="ftp://example.org",
            ),
        }
        response = console.post("/console/points/new", data=data)
        assert response.status_code == 422
        text = response.text
        for field in (
            "name",
            "lat",
            "lon",
            "country",
            "categories",
            "opening_hours",
            "phones",
            "website",
        ):
            assert f'href="#f-{field}"' in text, field
        assert 'aria-invalid="true"' in text
        assert "no_such_category" in text
        # What was typed stays in the form.
        assert 'value="Mo-Fr 25:00-99:00"' in text
        after = db.scalar(select(ServicePoint.id).order_by(ServicePoint.id.desc()).limit(1))
        assert after == before

    def test_only_editors_create(self, console: TestClient, db: Session):
        staff(console, db, role=Role.translator)
        page = console.get("/console/points/new")
        assert page.status_code == 403
        token = csrf_of(console.get("/console/").text)
        refused = console.post("/console/points/new", data={"csrf_token": token, **point_form()})
        assert refused.status_code == 403

    def test_a_form_without_its_token_is_refused(self, console: TestClient, db: Session):
        staff(console, db)
        count = db.scalar(select(ServicePoint.id).order_by(ServicePoint.id.desc()).limit(1))
        response = console.post("/console/points/new", data=point_form())
        assert response.status_code == 403
        assert "formulario" in response.text or "form" in response.text
        assert db.scalar(select(ServicePoint.id).order_by(ServicePoint.id.desc()).limit(1)) == count

    def test_a_token_of_another_session_is_refused(self, app, console: TestClient, db: Session):
        other_user = make_user(db, roles=[(make_organization(db), Role.editor)])
        with console_client(app) as other:
            log_in(other, other_user.email)
            foreign = csrf_of(other.get("/console/points/new").text)
        staff(console, db)
        response = console.post("/console/points/new", data={"csrf_token": foreign, **point_form()})
        assert response.status_code == 403


class TestEdit:
    def test_a_save_sends_only_what_changed(self, console: TestClient, db: Session):
        staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        response = post_form(console, url, url, locality="Turbo", phones="+573001234567")
        assert response.status_code == 303 and response.headers["location"] == f"{url}?notice=saved"
        point = _point(db, point_id)
        assert point.locality == "Turbo" and point.phones == ["+573001234567"]
        update = db.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == point_id, AuditEvent.action == "update"
            )
        ).one()
        assert set(update.changes) == {"locality", "phones"}

    def test_texts_of_the_original_language_are_saved_as_its_translation(
        self, console: TestClient, db: Session
    ):
        staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        response = post_form(console, url, url, name="Albergue Nueva Esperanza", address="Calle 5")
        assert response.status_code == 303
        es = next(t for t in _point(db, point_id).translations if t.lang == "es")
        assert (es.name, es.address) == ("Albergue Nueva Esperanza", "Calle 5")

    def test_an_unchanged_form_writes_nothing(self, console: TestClient, db: Session):
        staff(console, db)
        point_id = _create(console)
        version = _point(db, point_id).version
        url = f"/console/points/{point_id}"
        response = post_form(console, url, url)
        assert response.headers["location"] == f"{url}?notice=unchanged"
        assert _point(db, point_id).version == version

    def test_invalid_changes_are_named(self, console: TestClient, db: Session):
        staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        version = _point(db, point_id).version
        response = post_form(
            console, url, url, opening_hours="nonsense", email="not-an-address", name=""
        )
        assert response.status_code == 422
        for field in ("opening_hours", "email", "name"):
            assert f'href="#f-{field}"' in response.text, field
        assert _point(db, point_id).version == version

    def test_publish_and_verify_then_the_public_api_shows_it(
        self, console: TestClient, db: Session
    ):
        staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        assert console.get(f"/v1/points/{point_id}").status_code == 404
        published = post_form(console, url, f"{url}/status", status="published")
        assert published.headers["location"] == f"{url}?notice=status_changed"
        public = console.get(f"/v1/points/{point_id}")
        assert public.status_code == 200 and public.json()["name"] == "Albergue La Esperanza"
        verified = post_form(console, url, f"{url}/verify")
        assert verified.headers["location"] == f"{url}?notice=verified"
        assert _point(db, point_id).last_verified_at is not None
        assert console.get(f"/v1/points/{point_id}").json()["verification"]["stale"] is False

    def test_a_stale_status_change_writes_nothing(self, console: TestClient, db: Session):
        staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        stale = form_of(console.get(url).text, f"{url}/status")
        assert post_form(console, url, url, locality="Turbo").status_code == 303
        response = console.post(f"{url}/status", data=stale)
        assert response.headers["location"] == f"{url}?notice=changed_meanwhile"
        assert _point(db, point_id).status == "draft"

    def test_impossible_transitions_and_bad_statuses_are_refused(
        self, console: TestClient, db: Session
    ):
        staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        page = console.get(url)
        assert f'action="{url}/status"' in page.text
        data = form_of(page.text, f"{url}/status")
        assert (
            console.post(f"{url}/status", data={**data, "status": "permanently_closed"}).status_code
            == 409
        )
        bogus = console.post(f"{url}/status", data={**data, "status": "bogus"})
        assert bogus.status_code == 422 and "status" in bogus.text
        assert _point(db, point_id).status == "draft"


class TestTranslations:
    def test_translate_into_french_and_see_what_is_missing_or_outdated(
        self, console: TestClient, db: Session
    ):
        staff(console, db)
        point_id = _create(console)
        base = f"/console/points/{point_id}/translations"
        page = console.get(f"{base}?lang=fr")
        assert page.status_code == 200
        assert 'lang="fr"' in page.text and "Albergue La Esperanza" in page.text
        response = post_form(
            console,
            f"{base}?lang=fr",
            f"{base}/fr",
            name="Refuge L’Espérance",
            description="Refuge",
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{base}?lang=fr&notice=translation_saved"
        fr = next(t for t in _point(db, point_id).translations if t.lang == "fr")
        assert fr.name == "Refuge L’Espérance"
        listing = console.get(f"{base}?lang=fr").text
        assert re.search(r"français.*?lang-current", listing, re.S)
        assert re.search(r"English.*?lang-missing", listing, re.S)
        # Changing the original makes the French text older than it.
        url = f"/console/points/{point_id}"
        assert post_form(console, url, url, description="Texto nuevo").status_code == 303
        assert re.search(r"français.*?lang-outdated", console.get(f"{base}?lang=fr").text, re.S)

    def test_translators_translate_but_do_not_edit(self, console: TestClient, db: Session):
        org = make_organization(db)
        point = make_point(db, org, status="draft")
        staff(console, db, role=Role.translator, organization=org)
        url = f"/console/points/{point.public_id}"
        editor = console.get(url)
        assert editor.status_code == 200 and "disabled" in editor.text
        assert f'action="{url}/status"' not in editor.text
        token = csrf_of(editor.text)
        refused = console.post(
            url,
            data={
                "csrf_token": token,
                "etag": f'"{point.public_id}.{point.version}"',
                "locality": "X",
            },
        )
        assert refused.status_code == 403
        base = f"{url}/translations"
        saved = post_form(console, f"{base}?lang=fr", f"{base}/fr", name="Abri de test")
        assert saved.status_code == 303

    def test_bad_translations_are_named(self, console: TestClient, db: Session):
        staff(console, db)
        point_id = _create(console)
        base = f"/console/points/{point_id}/translations"
        response = post_form(
            console, f"{base}?lang=fr", f"{base}/fr", name="", description="x" * 6000
        )
        assert response.status_code == 422
        assert 'href="#f-name"' in response.text and 'href="#f-description"' in response.text
        assert console.get(f"{base}?lang=xx-invalid-tag").status_code == 422


class TestOrganisations:
    def test_another_organisations_editor_cannot_see_or_change_a_draft(
        self, console: TestClient, db: Session
    ):
        theirs = make_organization(db)
        draft = make_point(
            db, theirs, status="draft", translations={"es": {"name": "Borrador ajeno"}}
        )
        db.flush()
        staff(console, db)
        url = f"/console/points/{draft.public_id}"
        assert console.get(url).status_code == 404
        assert console.get(f"{url}/translations").status_code == 404
        assert console.get(f"{url}/history").status_code == 404
        token = csrf_of(console.get("/console/").text)
        etag = f'"{draft.public_id}.{draft.version}"'
        for action, data in (
            (url, {"locality": "X"}),
            (f"{url}/status", {"status": "published"}),
            (f"{url}/verify", {}),
            (f"{url}/translations/fr", {"name": "X"}),
        ):
            response = console.post(action, data={"csrf_token": token, "etag": etag, **data})
            assert response.status_code == 404, action
        listing = console.get("/console/points", params={"q": "Borrador ajeno"})
        assert listing.status_code == 200 and draft.public_id not in listing.text
        assert "0 puntos" in listing.text
        assert _point(db, draft.public_id).status == "draft"

    def test_unknown_points_are_404_pages(self, console: TestClient, db: Session):
        staff(console, db)
        response = console.get("/console/points/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404 and response.headers["content-type"].startswith(
            "text/html"
        )
        assert console.get("/console/points/" + "x" * 40).status_code == 422
        assert console.get("/console/no-such-page").status_code == 404


class TestHistory:
    def test_history_lists_who_changed_what(self, console: TestClient, db: Session):
        user, _ = staff(console, db)
        point_id = _create(console)
        url = f"/console/points/{point_id}"
        post_form(console, url, url, locality="Turbo")
        page = console.get(f"{url}/history")
        assert page.status_code == 200
        assert user.email in page.text and "Turbo" in page.text and "locality" in page.text
        assert console.get(f"{url}/history", params={"cursor": "not-a-cursor"}).status_code in (
            400,
            422,
        )
