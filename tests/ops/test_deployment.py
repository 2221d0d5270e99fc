"""The production setup without a Docker engine: ``compose.yaml`` against the Compose
specification's schema, the image's entrypoint run as it would run in the container, and
concurrent migrations on PostgreSQL (several API containers starting at once)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft201909Validator

from bench.server import free_port
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]
RUMBO = ROOT / ".venv" / "bin" / "rumbo"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((ROOT / "tests/data/compose-spec/compose_spec.json").read_text())
    errors = sorted(Draft201909Validator(schema).iter_errors(compose()), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_compose_wires_the_services_safely() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"db", "redis", "migrate", "api", "caddy"}
    # Only Caddy is published; the database and Redis are on the private network only.
    assert [name for name, s in services.items() if "ports" in s] == ["caddy"]
    assert "edge" not in services["db"]["networks"]
    assert "edge" not in services["redis"]["networks"]
    # Files the services mount or build from are in the repository.
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    assert (ROOT / services["migrate"]["build"] / "Dockerfile").exists()
    # The API waits for the one-shot migration and runs no migration of its own.
    api = services["api"]
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert api["environment"]["RUMBO_MIGRATE_ON_START"] == "false"
    # Secrets are never defaults: compose refuses to start until they are set.
    raw = (ROOT / "compose.yaml").read_text()
    for secret in ("RUMBO_SECRET_KEY", "POSTGRES_PASSWORD"):
        assert re.search(rf"\$\{{{secret}:\?", raw), secret
    # The API trusts forwarded addresses from the edge network only, where Caddy stands.
    subnet = spec["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert api["environment"]["RUMBO_FORWARDED_ALLOW_IPS"] == subnet
    caddy_ip = services["caddy"]["networks"]["edge"]["ipv4_address"]
    assert caddy_ip.rsplit(".", 1)[0] == subnet.rsplit(".", 2)[0] + "." + subnet.split(".")[2]


def test_dockerfile_runs_as_a_user_with_the_entrypoint_and_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["/srv/rumbo/deploy/entrypoint.sh"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)


def run_entrypoint(env: dict[str, str], *args: str, timeout: float = 60) -> Any:
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args],
        env={**os.environ, "RUMBO_BIN": str(RUMBO), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_entrypoint_with_arguments_runs_them() -> None:
    done = run_entrypoint({}, str(RUMBO), "--help")
    assert done.returncode == 0
    assert "backup" in done.stdout and "migrate" in done.stdout


def test_entrypoint_gives_up_on_an_unreachable_database_within_its_bound() -> None:
    started = time.monotonic()
    done = run_entrypoint(
        {
            "RUMBO_DATABASE_URL": "postgresql://rumbo@127.0.0.1:9/rumbo",
            "RUMBO_DB_WAIT_SECONDS": "2",
        }
    )
    assert done.returncode == 1
    assert "did not answer within 2s" in done.stderr
    assert time.monotonic() - started < 45  # bounded: 2 s of waiting plus process starts


@pytest.mark.slow
def test_entrypoint_migrates_makes_a_key_seeds_and_serves(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RUMBO_BIN": str(RUMBO),
        "RUMBO_ENVIRONMENT": "production",
        "RUMBO_SECRET_KEY": "entrypoint-test-secret-0123456789",
        "RUMBO_DATABASE_URL": f"sqlite:///{tmp_path / 'rumbo.db'}",
        "RUMBO_KEYS_DIR": str(tmp_path / "keys"),
        "RUMBO_HOST": "127.0.0.1",
        "PORT": str(port),
        "RUMBO_SEED_ON_START": "true",
        "RUMBO_WORKERS": "1",
        "RUMBO_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "entrypoint.log").open("wb")
    process = subprocess.Popen(
        ["/bin/sh", str(ENTRYPOINT)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        ready = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready:
                break
            time.sleep(0.3)
        assert ready, (tmp_path / "entrypoint.log").read_text()
        keys = httpx.get(f"{base}/v1/keys", timeout=5).json()
        assert keys["keys"], "the entrypoint created a signing key"
        assert (tmp_path / "keys" / "keyring.json").exists()
        points = httpx.get(f"{base}/v1/points", params={"near": "14.9,-92.26"}, timeout=10)
        assert points.status_code == 200 and points.json()["items"], "seeded"
        # `exec` made the server the entrypoint's own process: SIGTERM reaches it.
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"serve" in command and not command[0].endswith(b"sh"), command
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()


@pytest.mark.postgres
def test_concurrent_migrations_on_postgresql_take_turns(engine_kind: str) -> None:
    if engine_kind != "postgres" or not POSTGRES_URL:
        pytest.skip("PostgreSQL only")
    url = create_postgres_database(POSTGRES_URL)
    try:
        env = {**os.environ, "RUMBO_DATABASE_URL": url}
        runs = [
            subprocess.Popen(
                [str(RUMBO), "migrate"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(3)
        ]
        outputs = [r.communicate(timeout=300)[0].decode() for r in runs]
        assert [r.returncode for r in runs] == [0, 0, 0], outputs
        from app import schema
        from app.db import make_engine

        engine = make_engine(url)
        try:
            assert schema.current_heads(engine) == schema.expected_heads()
        finally:
            engine.dispose()
    finally:
        drop_postgres_database(POSTGRES_URL, url)
