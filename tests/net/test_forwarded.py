"""Behind a reverse proxy every request comes from the proxy's address. With the proxy listed
in ``RUMBO_FORWARDED_ALLOW_IPS`` the client is read from ``X-Forwarded-For``, so feedback
limits, login throttling and feedback keys stay per traveller; the same header from any
other peer is ignored (it would let anyone pick a fresh address per request)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.client_address import TrustedProxies, network_of
from tests.feedback.helpers import published_point

PROXY = "10.1.2.3"
PER_CLIENT = 10  # settings.feedback_limit_per_client = "10/hour;30/day"


def _idea(client: TestClient, n: int, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/v1/feedback", json={"tags": ["suggestion"], "comment": f"idea {n}"}, headers=headers
    )
    return response.status_code


def test_trusted_proxy_forwards_each_client_to_its_own_limit(
    configure: Callable[..., FastAPI], client: TestClient
) -> None:
    app = configure(forwarded_allow_ips="10.0.0.0/8")
    proxy = TestClient(app, client=(PROXY, 40000))
    first = [_idea(proxy, n, "198.51.100.7") for n in range(PER_CLIENT + 1)]
    assert first[:PER_CLIENT] == [202] * PER_CLIENT and first[-1] == 429
    # Another traveller behind the same proxy has a limit of their own.
    assert _idea(proxy, 0, "198.51.100.8") == 202
    # A client-supplied entry left of the one the proxy appended changes nothing.
    assert _idea(proxy, 0, "203.0.113.1, 198.51.100.7") == 429
    # A chain of trusted proxies: the first untrusted hop from the right is the client.
    assert _idea(proxy, 0, "198.51.100.7, 10.9.9.9") == 429


def test_spoofed_forwarded_for_from_an_untrusted_client_is_ignored(
    configure: Callable[..., FastAPI], client: TestClient
) -> None:
    app = configure(forwarded_allow_ips="10.0.0.0/8")
    direct = TestClient(app, client=("192.0.2.44", 40000))
    codes = [_idea(direct, n, f"198.51.100.{n}") for n in range(PER_CLIENT + 1)]
    assert codes[:PER_CLIENT] == [202] * PER_CLIENT and codes[-1] == 429


def test_without_trusted_proxies_the_header_is_ignored(
    configure: Callable[..., FastAPI], client: TestClient
) -> None:
    app = configure(forwarded_allow_ips="")
    proxy = TestClient(app, client=(PROXY, 40000))
    codes = [_idea(proxy, n, f"198.51.100.{n}") for n in range(PER_CLIENT + 1)]
    assert codes[-1] == 429


def test_ipv6_clients_are_one_client_per_64(
    configure: Callable[..., FastAPI], client: TestClient
) -> None:
    app = configure(forwarded_allow_ips="10.0.0.0/8")
    proxy = TestClient(app, client=(PROXY, 40000))
    codes = [_idea(proxy, n, f"2001:db8:77:1::{n + 1:x}") for n in range(PER_CLIENT + 1)]
    assert codes[-1] == 429
    assert _idea(proxy, 0, "2001:db8:77:2::1") == 202


def test_login_throttling_follows_the_forwarded_client(
    configure: Callable[..., FastAPI], client: TestClient
) -> None:
    app = configure(forwarded_allow_ips="10.0.0.0/8", login_failures_per_address="3/15 minutes")
    proxy = TestClient(app, client=(PROXY, 40000))

    def wrong(email: str, forwarded_for: str) -> int:
        return proxy.post(
            "/v1/auth/token",
            data={"username": email, "password": "not-the-password-at-all"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code

    attacker = [wrong(f"nobody{n}@example.org", "198.51.100.66") for n in range(4)]
    assert attacker[:3] == [401] * 3 and attacker[3] == 429
    # Another traveller behind the same proxy is not throttled by the attacker's failures.
    assert wrong("someone@example.org", "198.51.100.67") == 401


def test_feedback_key_is_the_forwarded_client(
    configure: Callable[..., FastAPI], client: TestClient, db: Session
) -> None:
    """Duplicate detection is keyed by client: the same comment on the same point from two
    travellers behind one proxy is two reports; from one traveller, a duplicate."""
    app = configure(forwarded_allow_ips="10.0.0.0/8")
    proxy = TestClient(app, client=(PROXY, 40000))
    point = published_point(db)

    def send(forwarded_for: str) -> bool:
        response = proxy.post(
            f"/v1/points/{point.public_id}/feedback",
            json={"rating": 2, "comment": "cerrado hoy"},
            headers={"X-Forwarded-For": forwarded_for},
        )
        assert response.status_code == 202, response.text
        return bool(response.json()["duplicate"])

    assert send("198.51.100.20") is False
    assert send("198.51.100.21") is False
    assert send("198.51.100.20") is True


def test_parsing_of_the_setting_and_addresses() -> None:
    proxies = TrustedProxies("127.0.0.1, 10.0.0.0/8;2001:db8:ffff::/48")
    assert proxies.client("10.0.0.1", ["203.0.113.5"]) == "203.0.113.5"
    assert proxies.client("2001:db8:ffff::9", ["[2001:db8:1::5]:5555"]) == "[2001:db8:1::5]:5555"
    assert network_of("[2001:db8:1::5]:5555") == "2001:db8:1::/64"
    assert network_of("::ffff:192.0.2.1") == "192.0.2.1"
    # Garbage in the header: the last believable hop (the proxy) stands.
    assert proxies.client("10.0.0.1", ["not-an-address"]) == "10.0.0.1"
    # An untrusted peer's header is not read at all.
    assert proxies.client("192.0.2.1", ["203.0.113.5"]) == "192.0.2.1"
