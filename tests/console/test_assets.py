"""Static files, page weight, message catalogues, and the rules the pages must keep
(no inline code for the CSP, every control labelled, routers free of SQL)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.console import forms
from app.console.texts import CONSOLE_LANGUAGES, MESSAGES_DIR, catalogue
from app.console.web import STATIC_DIR, STATIC_VERSION, TEMPLATES_DIR
from app.service_points.models import PointStatus
from tests.console.helpers import csrf_of, staff
from tests.factories import make_organization, make_point

CONSOLE_DIR = Path(__file__).resolve().parents[2] / "app" / "console"
BUDGET_BYTES = 100_000
_ASSET = re.compile(r'(?:href|src|data-icon|data-icon2x|data-shadow)="(/console/static/[^"]+)"')


def _transferred(client: TestClient, url: str) -> int:
    response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200, url
    return response.num_bytes_downloaded


class TestStatic:
    def test_versioned_and_cached_for_a_year(self, console: TestClient):
        page = console.get("/console/login").text
        assert f"/console/static/console.css?v={STATIC_VERSION}" in page
        response = console.get(f"/console/static/console.css?v={STATIC_VERSION}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-type"].startswith("text/css")
        assert console.get("/console/static/vendor/leaflet/LICENSE").status_code == 200
        assert console.get("/console/static/no-such-file.js").status_code == 404
        assert console.get("/console/static/../settings.py").status_code == 404

    def test_static_files_are_compressed(self, console: TestClient):
        url = f"/console/static/vendor/leaflet/leaflet.js?v={STATIC_VERSION}"
        raw = (STATIC_DIR / "vendor" / "leaflet" / "leaflet.js").stat().st_size
        response = console.get(url, headers={"Accept-Encoding": "br"})
        assert response.headers["content-encoding"] == "br"
        assert response.num_bytes_downloaded < raw / 2

    def test_leaflet_is_vendored_with_its_licence(self):
        leaflet = STATIC_DIR / "vendor" / "leaflet"
        assert "Leaflet 1.9.4" in (leaflet / "leaflet.js").read_text()[:200]
        assert (
            "BSD" in (leaflet / "LICENSE").read_text()
            or "Redistribution" in (leaflet / "LICENSE").read_text()
        )
        for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
            assert (leaflet / "images" / name).is_file()


class TestPageWeight:
    @staticmethod
    def _weigh(client: TestClient, url: str) -> tuple[int, int]:
        """Bytes over the wire (brotli) of a page and every static file it loads."""
        html = client.get(url).text
        assets = sorted(set(_ASSET.findall(html)))
        return _transferred(client, url) + sum(_transferred(client, a) for a in assets), len(assets)

    def test_every_page_is_under_100_kB_before_tiles(self, console: TestClient, db: Session):
        org = make_organization(db)
        point = make_point(db, org)
        db.flush()
        figures = {"login": self._weigh(console, "/console/login")}
        staff(console, db, organization=org)
        pages = {
            "dashboard": "/console/",
            "list": "/console/points",
            "new point": "/console/points/new",
            "editor": f"/console/points/{point.public_id}",
            "translations": f"/console/points/{point.public_id}/translations",
            "history": f"/console/points/{point.public_id}/history",
            "alerts": "/console/alerts",
            "new alert": "/console/alerts/new",
        }
        for name, url in pages.items():
            figures[name] = self._weigh(console, url)
        for name, (total, _) in figures.items():
            assert total < BUDGET_BYTES, (name, total)
        print("\nconsole page weight (br, bytes incl. assets):", json.dumps(figures))


class TestCatalogues:
    def test_every_language_has_every_key_and_placeholder(self):
        keys = set(catalogue("es"))
        for lang in CONSOLE_LANGUAGES:
            texts = catalogue(lang)
            assert set(texts) == keys, lang
            for key, text in texts.items():
                assert text.strip(), (lang, key)
                assert set(re.findall(r"{(\w+)}", text)) == set(
                    re.findall(r"{(\w+)}", catalogue("es")[key])
                ), (lang, key)
        assert {p.stem for p in MESSAGES_DIR.glob("*.json")} == set(CONSOLE_LANGUAGES)

    def test_every_key_the_pages_use_exists(self):
        known = set(catalogue("en"))
        used = set()
        for path in [*TEMPLATES_DIR.glob("*.html"), *CONSOLE_DIR.glob("*.py")]:
            used |= set(re.findall(r"\bt\(['\"]([a-z_]+\.[a-z_.0-9]+)['\"]", path.read_text()))
        used = {k for k in used if not k.endswith((".", "_"))}  # prefixes of the families below
        assert used and used <= known, sorted(used - known)
        families = {
            "status.": [s.value for s in PointStatus],
            "action.": ["published", "temporarily_closed", "permanently_closed"],
            "field.": [*forms.POINT_FIELDS, *forms.TEXT_FIELDS, "organization"],
            "lang.": list(CONSOLE_LANGUAGES),
            "lang_state.": ["original", "missing", "outdated", "current"],
            "sort.": ["updated", "name", "status", "verified", "created"],
            "role.": ["admin", "editor", "translator", "moderator"],
            "feedback.": ["pending", "approved", "rejected", "spam"],
            "task_kind.": ["closed", "wrong_info", "safety"],
            "conflict.kind_": ["theirs", "yours", "both"],
            "history.action.": [
                "create",
                "update",
                "status",
                "verify",
                "delete",
                "translation.put",
            ],
            "error.": ["401", "403", "404", "409", "410", "412", "422", "429", "other"],
        }
        for prefix, names in families.items():
            missing = [f"{prefix}{n}" for n in names if f"{prefix}{n}" not in known]
            assert not missing, missing


class TestPageRules:
    def test_templates_have_no_inline_code_or_style(self):
        for path in TEMPLATES_DIR.glob("*.html"):
            text = path.read_text()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
            assert "<style" not in text and " style=" not in text, path.name
            assert not re.search(r"\son[a-z]+=", text), path.name
            assert "javascript:" not in text, path.name

    def test_every_form_control_is_labelled(self, console: TestClient, db: Session):
        org = make_organization(db)
        point = make_point(db, org)
        db.flush()
        staff(console, db, role="admin", organization=org)
        urls = [
            "/console/",
            "/console/points",
            "/console/points/new",
            f"/console/points/{point.public_id}",
            f"/console/points/{point.public_id}/translations",
            "/console/users",
            "/console/api-keys",
            "/console/alerts",
            "/console/alerts/new",
        ]
        for url in urls:
            html = console.get(url).text
            labelled = set(re.findall(r'<label for="([^"]+)"', html))
            for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", html):
                if re.search(r'type="(hidden|submit)"', attrs):
                    continue
                ident = re.search(r'\bid="([^"]+)"', attrs)
                assert ident and ident.group(1) in labelled, (url, tag, attrs)
            for button in re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S):
                assert button.strip(), url

    def test_routers_do_not_build_sql(self):
        for path in CONSOLE_DIR.glob("*router.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    assert not (node.module or "").startswith("sqlalchemy"), path.name
                if isinstance(node, ast.Import):
                    assert not any(a.name.startswith("sqlalchemy") for a in node.names), path.name

    @pytest.mark.parametrize(
        ("url", "status"),
        [
            ("/console/login", 303),
            ("/console/", 200),
            ("/console/points/new", 200),
            ("/console/x", 404),
        ],
    )
    def test_pages_carry_the_security_headers(self, console: TestClient, db: Session, url, status):
        staff(console, db)
        response = console.get(url)
        assert response.status_code == status
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "private, no-store"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_a_file_sent_to_an_ordinary_form_is_a_400_page(console: TestClient, db: Session):
    staff(console, db)
    token = csrf_of(console.get("/console/").text)
    response = console.post(
        "/console/points/new",
        data={"csrf_token": token},
        files={"file": ("x.csv", b"a,b\n", "text/csv")},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
