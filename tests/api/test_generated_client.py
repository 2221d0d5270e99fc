"""A Python client generated from ``/openapi.json`` by openapi-python-client can read and
write: the generator keeps every operation (only the CSV and zip bodies of an import are
media types it does not support), and the generated code logs a staff member in, searches
points, creates one, changes it with ``If-Match`` and publishes it, against ``rumbo serve``.

The generator runs offline on the document the application builds, into a scratch
directory, as it would in a mobile team's build.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from openapi_python_client.strings import snake_case

from app.db import Database
from app.main import create_app
from app.signing import keyring
from bench.server import Server
from tests.accounts.helpers import TEST_PASSWORD, make_user
from tests.conftest import test_settings as settings_for
from tests.factories import make_organization

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PACKAGE = "rumbo_api_client"
# What the generator cannot model; each is named with the operation it leaves out.
UNSUPPORTED = {
    ("POST", "/v1/imports", "Unsupported content type text/csv"),
    ("POST", "/v1/imports", "Unsupported content type application/zip"),
    # Vector tiles are for map libraries, not for a generated client.
    (
        "GET",
        "/v1/tiles/{z}/{x}/{y}.mvt",
        "Cannot parse response for status code <status> (Unsupported content_type "
        "application/vnd.mapbox-vector-tile), response will be omitted from generated client",
    ),
    # The Atom feed is for feed readers (the same alerts are JSON at GET /v1/alerts).
    (
        "GET",
        "/v1/alerts/feed/{code}.atom",
        "Cannot parse response for status code <status> (Unsupported content_type "
        "application/atom+xml), response will be omitted from generated client",
    ),
}


@dataclass
class Generated:
    document: dict[str, Any]
    package: Path
    output: str

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    home = tmp_path_factory.mktemp("generated-client")
    app = create_app(settings_for(f"sqlite:///{home / 'unused.db'}"))
    document = app.openapi()
    app.state.database.dispose()
    spec = home / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    package = home / PACKAGE
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(package),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sys.path.insert(0, str(home))
    try:
        yield Generated(document, package, output)
    finally:
        sys.path.remove(str(home))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generator_drops_nothing_it_could_model(generated: Generated) -> None:
    lines = [line.strip() for line in generated.output.splitlines() if line.strip()]
    warnings = set()
    for index, line in enumerate(lines):
        if found := re.match(r"WARNING parsing (\w+) (\S+) within", line):
            # The generator names a status code by an object's repr: <status>.
            detail = re.sub(r"<[^>]*>", "<status>", lines[index + 1])
            warnings.add((found[1], found[2], detail))
    assert warnings == UNSUPPORTED, generated.output
    for symptom in ("Unable to", "Could not find reference", "will not be generated", "Failure"):
        assert symptom not in generated.output, generated.output


def test_every_operation_is_in_the_generated_client(generated: Generated) -> None:
    modules = {path.stem for path in (generated.package / "api").rglob("*.py")}
    operations = [
        operation["operationId"]
        for path_item in generated.document["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operations) > 50
    missing = [op for op in operations if snake_case(op) not in modules]
    assert missing == []


@pytest.fixture
def served(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """``rumbo serve`` on a fresh seeded database with an editor of ``client-org``; yields
    the server's URL and the editor's e-mail address."""
    _, url = fresh_app(seed=True)
    database = Database(url)
    try:
        with database.session() as session, session.begin():
            org = make_organization(session, slug="client-org")
            email = make_user(session, roles=[(org, "editor")]).email
    finally:
        database.dispose()
    keyring.generate(tmp_path / "keys")
    server = Server(
        url, log_path=tmp_path / "server.log", extra_env={"RUMBO_KEYS_DIR": str(tmp_path / "keys")}
    )
    server.start()
    try:
        yield server.base_url, email
    finally:
        server.stop()


def test_a_generated_client_searches_creates_and_updates_points(
    generated: Generated, served: tuple[str, str]
) -> None:
    base_url, email = served
    client_module = generated.module("client")
    models = generated.module("models")
    issue_token = generated.module("api.staff_accounts.issue_token")
    search = generated.module("api.service_points.search_service_points")
    get_point = generated.module("api.service_points.get_service_point")
    create = generated.module("api.staff_service_points.create_service_point")
    update = generated.module("api.staff_service_points.update_service_point")
    change_status = generated.module("api.staff_service_points.change_service_point_status")

    public = client_module.Client(base_url=base_url)
    login = issue_token.sync_detailed(
        client=public, body=models.BodyIssueToken(username=email, password=TEST_PASSWORD)
    )
    assert login.status_code == 200, login.content
    staff = client_module.AuthenticatedClient(base_url=base_url, token=login.parsed.access_token)

    # Search: the nearest points to Necoclí, typed, nearest first.
    found = search.sync_detailed(client=public, near="8.4265,-76.7848", limit=5)
    assert found.status_code == 200, found.content
    assert isinstance(found.parsed, models.PointPage)
    distances = [item.distance_m for item in found.parsed.items]
    assert distances and distances == sorted(distances)

    # Create: a draft of the editor's organisation.
    body = models.ServicePointCreate.from_dict(
        {
            "lat": 8.4301,
            "lon": -76.7802,
            "country": "CO",
            "categories": ["shelter"],
            "original_language": "es",
            "source": {"title": "Visita del equipo", "publisher": "client-org"},
            "translations": {"es": {"name": "Albergue generado"}, "fr": {"name": "Abri généré"}},
        }
    )
    created = create.sync_detailed(client=staff, body=body)
    assert created.status_code == 201, created.content
    point = created.parsed
    assert isinstance(point, models.StaffPointRead)
    assert point.status == "draft"
    assert created.headers["etag"] == point.etag

    # Update: If-Match with the ETag of the answer; an older one is refused.
    change = models.ServicePointUpdate.from_dict({"opening_hours": "Mo-Fr 08:00-17:00"})
    updated = update.sync_detailed(point.id, client=staff, body=change, if_match=point.etag)
    assert updated.status_code == 200, updated.content
    assert updated.parsed.opening_hours == "Mo-Fr 08:00-17:00"
    assert updated.parsed.etag != point.etag
    stale = update.sync_detailed(point.id, client=staff, body=change, if_match=point.etag)
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.ProblemBody)

    published = change_status.sync_detailed(
        point.id,
        client=staff,
        body=models.StatusChange.from_dict({"status": "published"}),
        if_match=updated.parsed.etag,
    )
    assert published.status_code == 200, published.content

    # The public API now serves it, in French when asked.
    found = search.sync_detailed(client=public, near="8.4301,-76.7802", radius=100, lang="fr")
    assert found.status_code == 200, found.content
    assert [item.id for item in found.parsed.items] == [point.id]
    detail = get_point.sync_detailed(point.id, client=public, lang="fr")
    assert detail.status_code == 200, detail.content
    assert detail.parsed.name == "Abri généré"
    assert detail.parsed.opening_hours == "Mo-Fr 08:00-17:00"
