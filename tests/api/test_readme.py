"""The README's commands work as written, against the real server.

``rumbo serve`` runs on a fresh, migrated and seeded SQLite database (what ``make run``
serves) on a free loopback port. The staff walk-through (the ``sh`` blocks between
``<!-- walkthrough:begin -->`` and ``<!-- walkthrough:end -->``) runs in one bash, as a
reader pastes it into a terminal at the repository's root, with only the server's address
changed; ``set -euo pipefail`` stops it at the first failing command. The mobile journeys
(``<!-- journeys:begin -->`` blocks) are parsed as curl commands and each must answer 200.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import create_engine, text

from app import schema
from app.db import normalise_url
from app.signing import keyring
from bench.server import Server
from tests.conftest import seed_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_BASE = "http://127.0.0.1:8000"


def sections(marker: str) -> list[str]:
    """The ``sh`` code of every block between ``<!-- marker:begin -->`` and ``:end``."""
    pattern = re.compile(
        rf"<!-- {marker}:begin -->\n```sh\n(.*?)```\n<!-- {marker}:end -->", re.DOTALL
    )
    return pattern.findall(README.read_text(encoding="utf-8"))


@dataclass
class Served:
    server: Server
    url: str

    def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        engine = create_engine(normalise_url(self.url))
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """What ``make run`` serves: a fresh SQLite database, migrated and seeded."""
    home = tmp_path_factory.mktemp("readme-server")
    url = f"sqlite:///{home / 'rumbo.db'}"
    schema.upgrade(url)
    seed_database(url)
    keyring.generate(home / "keys")
    server = Server(
        url, log_path=home / "server.log", extra_env={"RUMBO_KEYS_DIR": str(home / "keys")}
    )
    server.start()
    try:
        yield Served(server, url)
    finally:
        server.stop()


def _shell_env(database_url: str) -> dict[str, str]:
    """The reader's environment: ``rumbo`` is not on ``PATH`` until the walk-through
    activates the virtual environment."""
    venv_bin = str(ROOT / ".venv" / "bin")
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PATH": path, "RUMBO_DATABASE_URL": database_url}


def test_staff_walkthrough_runs_as_written(served: Served, tmp_path: Path) -> None:
    blocks = sections("walkthrough")
    assert len(blocks) == 3, "the staff walk-through, feedback and the import example"
    # Run where a reader stands (the repository's root, here its virtual environment) but
    # write the example's files (puntos.csv, exports) into a scratch directory.
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    staff, *others = blocks
    script = "\n".join([staff, "printf 'walkthrough-id=%s\\n' \"$ID\"", *others]).replace(
        README_BASE, served.server.base_url
    )
    shell = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{script}"],
        cwd=tmp_path,
        env=_shell_env(served.url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = f"stdout:\n{shell.stdout}\nstderr:\n{shell.stderr}"
    assert shell.returncode == 0, report
    lines = shell.stdout.splitlines()
    assert "412" in lines, report  # the older ETag is refused
    # (curl prints the JSON without a newline: what follows shares its line)
    history, _ = json.JSONDecoder().raw_decode(lines[lines.index("412") + 1])
    assert len(history["items"]) == 5, history  # "five changes"
    [point_id] = [
        line.removeprefix("walkthrough-id=") for line in lines if "walkthrough-id=" in line
    ]

    # What the walk-through says it did, read from the database.
    [(status, hours, verified, deleted, version)] = served.rows(
        "SELECT status, opening_hours, last_verified_at, deleted_at, version "
        "FROM service_point WHERE public_id = :id",
        id=point_id,
    )
    assert status == "published"
    assert hours == "Mo-Fr 08:00-17:00"
    assert verified is not None
    assert deleted is not None
    assert version >= 5
    names = dict(
        served.rows(
            "SELECT t.lang, t.name FROM service_point_translation t "
            "JOIN service_point p ON p.id = t.point_id WHERE p.public_id = :id",
            id=point_id,
        )
    )
    assert names == {"es": "Albergue", "fr": "Abri"}
    assert served.rows("SELECT name FROM organization WHERE slug = 'albergue-santa-ana'") == [
        ("Albergue Santa Ana",)
    ]

    # The traveller's report is stored, waiting for a moderator.
    assert served.rows(
        "SELECT comment, status FROM feedback WHERE comment = 'Cerrado desde el lunes'"
    ) == [("Cerrado desde el lunes", "pending")]

    # The API key printed once works, for its organisation.
    key = lines[lines.index("Store it now; it is not shown again:") + 1]
    answer = httpx.get(f"{served.server.base_url}/v1/staff/points", headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text

    # The import was a dry run (nothing written); the exports were written.
    assert served.rows("SELECT id FROM service_point WHERE external_id = 'necocli-paso-1'") == []
    assert (tmp_path / "rumbo.csv").stat().st_size > 0
    assert (tmp_path / "rumbo-hsds.json").stat().st_size > 0


def _curl_commands(block: str) -> list[list[str]]:
    """The curl commands of a block (continuation lines joined, comments dropped)."""
    commands: list[list[str]] = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        current: list[str] = []
        for word in [*words, ";"]:
            if word != ";":
                current.append(word)
            elif current:
                commands.append(current)
                current = []
    return commands


def _request(command: list[str]) -> tuple[str, dict[str, str]]:
    """URL and headers of a curl command (the options the README uses)."""
    assert command[0] == "curl", command
    url: str | None = None
    headers: dict[str, str] = {}
    words = iter(command[1:])
    for word in words:
        if word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-o":
            next(words)
        elif word in ("--compressed", "-s", "-sS"):
            continue
        else:
            assert not word.startswith("-"), f"option {word} of {command}"
            assert url is None, command
            url = word
    assert url, command
    return url, headers


def _fill_placeholders(client: httpx.Client, url: str) -> str:
    """``<id>`` becomes a published point's id; an elided cursor (``...``) the real
    ``next_cursor`` of the same query."""
    if "<id>" in url:
        page = client.get("/v1/points", params={"limit": 1}).json()
        url = url.replace("<id>", page["items"][0]["id"])
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    if any(name == "cursor" and value.endswith("...") for name, value in query):
        rest = [(name, value) for name, value in query if name != "cursor"]
        first = client.get(parts.path, params=rest).json()
        assert first.get("next_cursor"), f"no next page for {url}"
        query = [*rest, ("cursor", first["next_cursor"])]
        url = urlunsplit(parts._replace(query=urlencode(query)))
    return url


def test_mobile_journeys_answer_200(served: Served) -> None:
    commands = [command for block in sections("journeys") for command in _curl_commands(block)]
    assert len(commands) >= 15
    base = served.server.base_url
    with httpx.Client(base_url=base, timeout=30) as client:
        for command in commands:
            url, headers = _request(command)
            assert url.startswith(README_BASE), command
            target = _fill_placeholders(client, url.replace(README_BASE, base))
            answer = client.get(target, headers=headers)
            assert answer.status_code == 200, f"{shlex.join(command)}: {answer.text[:500]}"
