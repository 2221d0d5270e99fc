"""``POST /v1/imports`` as HTTP: who may import, and files that are too big, zipped or odd."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient

from tests.accounts.helpers import make_staff, staff_headers
from tests.factories import make_organization
from tests.imports.helpers import (
    assert_problem,
    csv_bytes,
    editor,
    fresh_editor,
    load_taxonomy,
    points_of,
    post_import,
    row,
)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class TestWhoMayImport:
    def test_without_a_credential_401(self, client):
        response = post_import(client, {}, csv_bytes([row(0)]))
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_a_translator_may_not_import_403(self, client, db):
        org = make_organization(db)
        headers = staff_headers(client, db, role="translator", organization=org)
        assert_problem(post_import(client, headers, csv_bytes([row(0)])), 403)

    def test_editors_import_only_into_their_organisation(self, client, db):
        headers, _ = editor(client, db)
        other = make_organization(db)
        assert_problem(
            post_import(client, headers, csv_bytes([row(0)]), organization=other.slug), 404
        )
        assert points_of(db, other) == []

    def test_an_administrator_names_the_organisation(self, client, db):
        org = make_organization(db)
        admin = make_staff(db, client.app.state.settings, role=None, is_admin=True)
        body = assert_problem(post_import(client, admin.headers, csv_bytes([row(0)])), 422)
        assert body["errors"][0]["name"] == "organization"
        ok = post_import(client, admin.headers, csv_bytes([row(0)]), organization=org.slug)
        assert ok.status_code == 200 and ok.json()["organization"] == org.slug
        assert len(points_of(db, org)) == 1


class TestBadParameters:
    def test_each_bad_parameter_is_named(self, client, db):
        headers, org = editor(client, db)
        body = csv_bytes([row(0)])
        cases = {
            "format": {"format": "xlsx"},
            "lang": {"lang": "not a language"},
            "default_category": {"default_category": "spaceport"},
            "dry_run": {"dry_run": "perhaps"},
        }
        for name, params in cases.items():
            problem = assert_problem(post_import(client, headers, body, **params), 422)
            assert problem["errors"][0]["name"] == name, problem
        assert_problem(post_import(client, headers, body, organization="no-such-org"), 404)
        assert points_of(db, org) == []

    def test_unknown_media_types_are_refused_415(self, client, db):
        headers, _ = editor(client, db)
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        problem = assert_problem(post_import(client, headers, b"PK\x03\x04", xlsx), 415)
        assert "CSV" in problem["detail"]
        assert_problem(post_import(client, headers, b"%PDF-1.4", "application/pdf"), 415)

    def test_an_excel_workbook_sent_as_octet_stream_is_explained(self, client, db):
        headers, _ = editor(client, db)
        workbook = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
        problem = assert_problem(
            post_import(client, headers, workbook, "application/octet-stream"), 415
        )
        assert "CSV" in problem["detail"]


class TestFiles:
    def test_multipart_form_upload(self, client, db):
        headers, org = editor(client, db)
        response = client.post(
            "/v1/imports",
            headers=headers,
            files={"file": ("puntos.csv", csv_bytes([row(0), row(1)]), "text/csv")},
        )
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 2
        assert len(points_of(db, org)) == 2

    def test_a_form_without_the_file_field(self, client, db):
        headers, _ = editor(client, db)
        response = client.post(
            "/v1/imports", headers=headers, data={"other": "x"}, files={"x": ("a", b"1")}
        )
        assert assert_problem(response, 422)["errors"][0]["name"] == "file"

    def test_a_zip_holding_one_csv(self, client, db):
        headers, org = editor(client, db)
        body = _zip({"export/puntos.csv": csv_bytes([row(0)]), "__MACOSX/._puntos.csv": b"junk"})
        response = post_import(client, headers, body, "application/zip")
        assert response.status_code == 200, response.text
        assert len(points_of(db, org)) == 1

    def test_a_zip_bomb_is_refused_before_unpacking(self, client, db):
        headers, org = editor(client, db)
        bomb = _zip({"points.csv": b"0" * (8 * 1024 * 1024)})
        assert len(bomb) < 100_000
        problem = assert_problem(post_import(client, headers, bomb, "application/zip"), 413)
        assert "zip bomb" in problem["detail"]
        assert points_of(db, org) == []

    def test_a_broken_zip_is_a_clear_error(self, client, db):
        headers, _ = editor(client, db)
        broken = _zip({"points.csv": csv_bytes([row(0)])})[:-30]
        problem = assert_problem(post_import(client, headers, broken, "application/zip"), 422)
        assert "zip" in problem["detail"]


def test_uploads_over_the_limit_are_refused_413_and_the_server_stays_up(fresh_app):
    app, _ = fresh_app(import_max_bytes=4096, import_max_unzipped_bytes=8192)
    load_taxonomy(app)
    headers, _ = fresh_editor(app)
    big = csv_bytes([row(i) for i in range(40)])
    huge = b"x" * (2 << 20)  # past the cap and the middleware's slack: refused on its length
    assert len(big) > 4096
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_problem(post_import(client, headers, huge), 413)
        declared = post_import(client, headers, big)
        assert_problem(declared, 413)
        streamed = client.post(
            "/v1/imports",
            content=(big[i : i + 1000] for i in range(0, len(big), 1000)),
            headers={**headers, "Content-Type": "text/csv"},
        )
        assert_problem(streamed, 413)
        packed = _zip({"a.csv": big, "b.csv": big})
        assert len(packed) < 4096
        assert_problem(post_import(client, headers, packed, "application/zip"), 413)
        # Other routes keep their own (smaller) limit, and the server still answers.
        assert client.get("/healthz").status_code == 200
        small = post_import(client, headers, csv_bytes([row(0)]))
        assert small.status_code == 200, small.text


def test_a_declared_two_gigabyte_upload_is_refused_before_reading(client, db):
    headers, org = editor(client, db)
    response = client.post(
        "/v1/imports",
        content=b"external_id,lat\n",
        headers={
            **headers,
            "Content-Type": "text/csv",
            "Content-Length": str(2 * 1024**3),
            "Accept-Language": "en",
        },
    )
    problem = assert_problem(response, 413)
    assert "limited to" in problem["detail"]
    assert points_of(db, org) == []
