"""Imports with their row-by-row report, and country information, in the console."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.countries import repository as countries_repository
from app.service_points.models import ServicePoint
from tests.console.helpers import csrf_of, form_of, staff
from tests.imports.helpers import csv_bytes, row


def _points_of(db: Session, organization_id: str) -> int:
    db.expire_all()
    stmt = select(func.count()).where(ServicePoint.organization_id == organization_id)
    return int(db.scalar(stmt) or 0)


def _send(console: TestClient, content: bytes, *, dry_run: bool, name: str = "puntos.csv"):
    page = console.get("/console/imports")
    assert page.status_code == 200
    data = {"csrf_token": csrf_of(page.text), "format": "", "lang": "es"}
    if dry_run:
        data["dry_run"] = "on"
    return console.post("/console/imports", data=data, files={"file": (name, content, "text/csv")})


class TestImports:
    def test_check_then_import(self, console: TestClient, db: Session):
        _, org = staff(console, db)
        content = csv_bytes([row(i) for i in range(3)])
        checked = _send(console, content, dry_run=True)
        assert checked.status_code == 200
        assert "3 filas: 3 nuevas" in checked.text and "no se guardó nada" in checked.text
        assert _points_of(db, org.id) == 0
        imported = _send(console, content, dry_run=False)
        assert imported.status_code == 200 and "Importación guardada" in imported.text
        assert _points_of(db, org.id) == 3

    def test_a_failing_row_is_reported_and_nothing_is_saved(self, console: TestClient, db: Session):
        _, org = staff(console, db)
        rows = [row(0), row(1, lat="95"), row(2, categories="no_such_category")]
        response = _send(console, csv_bytes(rows), dry_run=False)
        assert response.status_code == 422
        table = response.text.split("Errores, fila por fila", 1)[1]
        assert re.search(r"<td>3</td><td><code>lat</code></td>", table)
        assert re.search(r"<td>4</td><td><code>categories</code></td>", table)
        assert _points_of(db, org.id) == 0

    def test_bad_files_are_named(self, console: TestClient, db: Session):
        staff(console, db)
        page = console.get("/console/imports")
        token = csrf_of(page.text)
        nothing = console.post("/console/imports", data={"csrf_token": token})
        assert nothing.status_code in (400, 422) and "file" in nothing.text
        garbage = _send(console, b"\x00\x01\x02 not a table", dry_run=True, name="x.bin")
        assert garbage.status_code == 422
        assert (
            console.post(
                "/console/imports", files={"file": ("a.csv", b"a,b\n", "text/csv")}
            ).status_code
            == 403
        )

    def test_only_editors_import(self, console: TestClient, db: Session):
        staff(console, db, role=Role.moderator)
        assert console.get("/console/imports").status_code == 403


class TestCountries:
    def _code(self, db: Session) -> str:
        codes = sorted(countries_repository.curated_codes(db))
        assert codes, "the seed has curated countries"
        return codes[0]

    def test_translators_translate_a_section(self, console: TestClient, db: Session):
        code = self._code(db)
        staff(console, db, role=Role.translator)
        listing = console.get("/console/countries")
        assert listing.status_code == 200 and f'href="/console/countries/{code}"' in listing.text
        page = console.get(f"/console/countries/{code}", params={"lang": "ht"})
        assert page.status_code == 200
        action = re.search(rf'action="(/console/countries/{code}/(\w+)/ht)"', page.text)
        assert action, "a form per section"
        target, kind = action.group(1), action.group(2)
        data = form_of(page.text, target)
        saved = console.post(target, data={**data, "title": "Antre", "body": "Tèks an kreyòl."})
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/console/countries/{code}?lang=ht&notice=saved#{kind}"
        public = console.get(f"/v1/countries/{code}", params={"lang": "ht"}).json()
        assert "Tèks an kreyòl." in str(public)
        # The same stale form again: a conflict, shown, nothing overwritten.
        stale = console.post(target, data={**data, "title": "Lòt", "body": "Lòt tèks."})
        assert stale.status_code == 409 and "Lòt tèks." in stale.text
        assert (
            "Tèks an kreyòl."
            in console.get(f"/console/countries/{code}", params={"lang": "ht"}).text
        )

    def test_bad_input_is_named(self, console: TestClient, db: Session):
        code = self._code(db)
        staff(console, db, role=Role.translator)
        page = console.get(f"/console/countries/{code}", params={"lang": "fr"})
        target = re.search(rf'action="(/console/countries/{code}/\w+/fr)"', page.text).group(1)
        empty = console.post(target, data={**form_of(page.text, target), "body": ""})
        assert empty.status_code == 422 and "body" in empty.text
        assert console.get("/console/countries/ZZZ").status_code == 422
        assert console.get("/console/countries/QQ").status_code == 404
        token = csrf_of(page.text)
        bad_kind = console.post(
            f"/console/countries/{code}/nonsense/fr", data={"csrf_token": token}
        )
        assert bad_kind.status_code == 422 and "kind" in bad_kind.text

    def test_editors_without_the_translator_role_are_refused(
        self, console: TestClient, db: Session
    ):
        code = self._code(db)
        staff(console, db, role=Role.editor)
        assert console.get(f"/console/countries/{code}").status_code == 403
