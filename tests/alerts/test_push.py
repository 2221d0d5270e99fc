"""Web Push of alerts to topics, against a push endpoint on 127.0.0.1 that decrypts what it
receives (RFC 8291, aes128gcm) and checks the VAPID signature (RFC 8292)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.alerts.models import PushSubscription, PushTopic
from app.ratelimit import RateLimiter
from tests.accounts.helpers import make_staff
from tests.alerts.helpers import create, publish
from tests.factories import make_organization

SUBJECT = "mailto:alerts@example.org"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """A push service on 127.0.0.1: answers 201, or 410 under /gone/."""

    base: str
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            service.received.append(Received(self.path, headers, body))
            self.send_response(410 if self.path.startswith("/gone/") else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def push_app(app: FastAPI, tmp_path: Path) -> Iterator[FastAPI]:
    """The app accepting the local push service, with a VAPID key in a temporary dir."""
    saved = app.state.settings
    app.state.settings = saved.model_copy(
        update={
            "push_allow_http": True,
            "push_endpoint_hosts": ("127.0.0.1",),
            "keys_dir": tmp_path,
            "push_subject": SUBJECT,
        }
    )
    yield app
    app.state.settings = saved


@dataclass
class Device:
    """A browser's push subscription: its endpoint and the keys to decrypt with."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        result: dict[str, Any] = orjson.loads(plain)
        return result


def _device(service: PushService, path: str) -> Device:
    return Device(f"{service.base}{path}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def _subscribe(client: TestClient, device: Device, topics: list[str]) -> Any:
    return client.post(
        "/v1/push/subscriptions", json={"subscription": device.subscription(), "topics": topics}
    )


def test_publish_pushes_to_topic_subscribers(
    push_app: FastAPI, client: TestClient, db: Session, push_service: PushService
) -> None:
    panama = _device(push_service, "/push/panama")
    scams = _device(push_service, "/push/scams")
    costa_rica = _device(push_service, "/push/costa-rica")
    dead = _device(push_service, "/gone/old-phone")
    for device, topics in (
        (panama, ["country:pa"]),
        (scams, ["category:scam"]),
        (costa_rica, ["country:CR"]),
        (dead, ["country:PA"]),
    ):
        response = _subscribe(client, device, topics)
        assert response.status_code == 200, response.text
    assert _subscribe(client, panama, ["country:PA"]).json()["topics"] == ["country:PA"]
    # Only the endpoint, its keys, the topics and an expiry are stored.
    assert {c.name for c in PushSubscription.__table__.columns} == {
        "id", "endpoint_hash", "endpoint", "p256dh", "auth", "created_at", "expires_at"
    }  # fmt: skip

    org = make_organization(db)
    editor = make_staff(db, push_app.state.settings, role=Role.editor, organization=org)
    db.commit()
    draft = create(
        client, editor.headers, category="scam", area={"type": "Countries", "countries": ["PA"]}
    )
    assert push_service.received == []  # a draft sends nothing
    assert publish(client, editor.headers, draft).status_code == 200

    by_path = {r.path: r for r in push_service.received}
    assert set(by_path) == {"/push/panama", "/push/scams", "/gone/old-phone"}
    message = panama.decrypt(by_path["/push/panama"].body)
    assert message["id"] == draft["id"] and message["severity"] == "Moderate"
    assert message["title"] == "Río crecido: no cruzar" and message["expires"] == draft["expires"]
    assert scams.decrypt(by_path["/push/scams"].body)["id"] == draft["id"]
    # VAPID: a JWT signed with the key GET /v1/push/key gives, for this push service.
    scheme, _, params = by_path["/push/panama"].headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert fields["k"] == client.get("/v1/push/key").json()["public_key"]
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
    claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=push_service.base)
    assert claims["sub"] == SUBJECT
    # The dead subscription (410) is gone; the others remain.
    endpoints = set(db.scalars(select(PushSubscription.endpoint)))
    assert dead.endpoint not in endpoints and panama.endpoint in endpoints


def test_subscriptions_expire_and_refuse_bad_input(
    push_app: FastAPI, client: TestClient, db: Session, push_service: PushService
) -> None:
    device = _device(push_service, "/push/a")
    body = _subscribe(client, device, ["country:PA", "category:health"]).json()
    assert body["topics"] == ["category:health", "country:PA"]
    topics = set(db.scalars(select(PushTopic.topic)))
    assert {"category:health", "country:PA"} <= topics

    # Lapsed (not renewed): it receives nothing.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.execute(update(PushSubscription).values(expires_at=past))
    db.commit()
    org = make_organization(db)
    editor = make_staff(db, push_app.state.settings, role=Role.editor, organization=org)
    db.commit()
    draft = create(client, editor.headers, area={"type": "Countries", "countries": ["PA"]})
    assert publish(client, editor.headers, draft).status_code == 200
    assert push_service.received == []
    # Renewing pushes the expiry back.
    renewed = _subscribe(client, device, ["country:PA"]).json()
    assert dt.datetime.fromisoformat(renewed["expires_at"]) > dt.datetime.now(dt.UTC)

    # Bad input: 422 problem+json naming the field.
    bad = _subscribe(client, device, ["near:8.4,-76.7"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/topics/0"
    elsewhere = Device("https://push.example.net/x", device.private_key, device.auth)
    bad = _subscribe(client, elsewhere, ["country:PA"])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/subscription/endpoint"
    with_place = {"subscription": device.subscription(), "topics": ["country:PA"], "lat": 8.4}
    assert client.post("/v1/push/subscriptions", json=with_place).status_code == 422

    response = client.post("/v1/push/subscriptions/delete", json={"endpoint": device.endpoint})
    assert response.status_code == 204
    assert device.endpoint not in set(db.scalars(select(PushSubscription.endpoint)))


def test_subscriptions_are_rate_limited(
    push_app: FastAPI, client: TestClient, push_service: PushService
) -> None:
    saved = getattr(push_app.state, "rate_limiter", None)
    push_app.state.rate_limiter = RateLimiter(MemoryStorage())
    push_app.state.settings = push_app.state.settings.model_copy(
        update={"push_subscribe_limit": "3/hour"}
    )
    try:
        statuses = [
            _subscribe(client, _device(push_service, f"/push/{i}"), ["country:PA"]).status_code
            for i in range(4)
        ]
    finally:
        push_app.state.rate_limiter = saved
    assert statuses == [200, 200, 200, 429]


def test_rate_limit_counts_each_client_behind_a_trusted_proxy(
    push_app: FastAPI, client: TestClient, push_service: PushService
) -> None:
    """The limit keys on the client the trusted proxy names (one key per IPv6 /64), not on
    the proxy's own address."""
    saved = getattr(push_app.state, "rate_limiter", None)
    settings = push_app.state.settings
    push_app.state.rate_limiter = RateLimiter(MemoryStorage())
    push_app.state.settings = settings.model_copy(
        update={"push_subscribe_limit": "2/hour", "forwarded_allow_ips": "10.0.0.0/8"}
    )
    proxy = TestClient(push_app, client=("10.1.2.3", 40000))

    def status_for(forwarded_for: str, n: int) -> int:
        device = _device(push_service, f"/push/fwd-{forwarded_for}-{n}")
        response = proxy.post(
            "/v1/push/subscriptions",
            json={"subscription": device.subscription(), "topics": ["country:PA"]},
            headers={"X-Forwarded-For": forwarded_for},
        )
        return response.status_code

    try:
        first = [status_for("2001:db8:1:1::7", n) for n in range(3)]
        # Another address in the same /64 is the same client; another /64 is not.
        same_network = status_for("2001:db8:1:1::99", 9)
        other = status_for("2001:db8:2:2::7", 0)
    finally:
        push_app.state.rate_limiter = saved
        push_app.state.settings = settings
    assert first == [200, 200, 429]
    assert same_network == 429
    assert other == 200
