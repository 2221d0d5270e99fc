"""Web Push of alerts (RFC 8030, encrypted per RFC 8291, VAPID per RFC 8292) to topics.

Apps subscribe to *topics*: ``country:PA`` or ``category:scam``, never to a location. The
server keeps the push service's endpoint, the two keys needed to encrypt for it, the topics
and an expiry, nothing else (no address, no account, no language, no place). A subscription
lapses ``push_subscription_days`` after it was last renewed (subscribing again renews it).
A country topic does reveal which country a person follows; the docs say so.

Publishing an alert sends, after the response, one small encrypted message to every live
subscription of its countries' and its category's topics, in bounded batches; endpoints the
push service answers 404 or 410 are deleted. Endpoints must be https URLs on a known push
service (``push_endpoint_hosts``), so the server never posts to an arbitrary address.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.alerts.models import Alert, AlertCategory, PushSubscription, PushTopic
from app.country_codes import InvalidCountryCode, normalise_country
from app.db import Database, utcnow
from app.errors import FieldError, ServiceUnavailable, ValidationProblem
from app.feedback.privacy import client_key
from app.ratelimit import RateLimiter
from app.settings import Settings

__all__ = [
    "MAX_TOPICS",
    "deliver",
    "public_key",
    "subscribe",
    "throttle",
    "topics_of",
    "unsubscribe",
]

log = logging.getLogger("rumbo.alerts.push")

MAX_TOPICS = 20
BATCH = 500
MAX_RECIPIENTS = 100_000  # per alert: a bound on one publish's sending
SEND_TIMEOUT_S = 5.0
PUSH_TTL_S = 24 * 3600
_PRUNE_BATCH = 200
_key_lock = threading.Lock()
_keys: dict[Path, Vapid] = {}


# --- VAPID key ----------------------------------------------------------------------------


def vapid_key(settings: Settings) -> Vapid:
    """The VAPID key (``<keys_dir>/vapid.pem``), made on first use outside production."""
    path = Path(settings.keys_dir) / "vapid.pem"
    with _key_lock:
        if path in _keys:
            return _keys[path]
        if not path.exists():
            if settings.environment == "production":
                raise ServiceUnavailable("Web Push is not configured: no VAPID key")
            path.parent.mkdir(parents=True, exist_ok=True)
            made = Vapid()
            made.generate_keys()
            made.save_key(str(path))
            path.chmod(0o600)
        _keys[path] = Vapid.from_file(str(path))
        return _keys[path]


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def public_key(settings: Settings) -> str:
    """The application server key apps pass to ``PushManager.subscribe`` (base64url)."""
    key = vapid_key(settings).public_key
    assert key is not None
    return _b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


# --- subscriptions ------------------------------------------------------------------------


def topics_of(raw: list[str]) -> list[str]:
    """Validated topics: ``country:<ISO 3166-1 alpha-2>`` or ``category:<alert category>``."""
    errors: list[FieldError] = []
    out: list[str] = []
    categories = {c.value for c in AlertCategory}
    for index, topic in enumerate(raw[:MAX_TOPICS]):
        kind, _, value = topic.partition(":")
        if kind == "country":
            try:
                out.append(f"country:{normalise_country(value)}")
                continue
            except InvalidCountryCode:
                pass
        elif kind == "category" and value in categories:
            out.append(topic)
            continue
        errors.append(
            FieldError(
                location="body",
                name="topics",
                pointer=f"/topics/{index}",
                detail="a topic is country:<ISO code> or category:<alert category>",
            )
        )
    if errors:
        raise ValidationProblem("topics: " + errors[0].detail, errors=errors)
    return sorted(set(out))


def check_endpoint(settings: Settings, endpoint: str) -> None:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    scheme_ok = parts.scheme == "https" or (settings.push_allow_http and parts.scheme == "http")
    host_ok = any(host == h or host.endswith("." + h) for h in settings.push_endpoint_hosts)
    if not (scheme_ok and host_ok):
        raise ValidationProblem.for_field(
            "body",
            "subscription.endpoint",
            "the endpoint must be an https URL of a known push service",
            pointer="/subscription/endpoint",
        )


def throttle(limiter: RateLimiter, settings: Settings, address: str | None) -> None:
    """At most ``push_subscribe_limit`` subscriptions per client network (429 beyond); the
    key is the feedback's daily client key, never the address."""
    key = client_key(address, secret=settings.secret_key, now=utcnow())
    try:
        limiter.enforce(settings.push_subscribe_limit, "push", key, detail="too many subscriptions")
    except limiter.storage.base_exceptions:
        raise ServiceUnavailable("subscriptions cannot be accepted right now") from None


def _hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(
    session: Session,
    settings: Settings,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    topics: list[str],
) -> PushSubscription:
    """Create or renew a subscription (its topics replaced, its expiry pushed back)."""
    check_endpoint(settings, endpoint)
    chosen = topics_of(topics)
    now = utcnow()
    # Lapsed subscriptions are removed a batch at a time as new ones arrive.
    stale = select(PushSubscription.id).where(PushSubscription.expires_at <= now)
    session.execute(
        delete(PushSubscription).where(PushSubscription.id.in_(stale.limit(_PRUNE_BATCH)))
    )
    key = _hash(endpoint)
    row = session.scalars(
        select(PushSubscription).where(PushSubscription.endpoint_hash == key)
    ).one_or_none()
    if row is None:
        row = PushSubscription(endpoint_hash=key, endpoint=endpoint)
        session.add(row)
    row.p256dh, row.auth = p256dh, auth
    row.expires_at = now + dt.timedelta(days=settings.push_subscription_days)
    row.topics = [PushTopic(topic=t) for t in chosen]
    session.flush()
    return row


def unsubscribe(session: Session, endpoint: str) -> bool:
    result = session.execute(
        delete(PushSubscription).where(PushSubscription.endpoint_hash == _hash(endpoint))
    )
    return bool(getattr(result, "rowcount", 0))


# --- delivery -----------------------------------------------------------------------------


def _payload(alert: Alert) -> str:
    """What a notification carries (well under the 4 kB limit): enough to show it and to
    fetch the rest (``GET /v1/alerts/{id}``)."""
    original = next(
        (t for t in alert.translations if t.lang == alert.original_language),
        alert.translations[0] if alert.translations else None,
    )
    return orjson.dumps(
        {
            "type": "alert",
            "id": alert.public_id,
            "category": alert.category,
            "severity": alert.severity,
            "countries": alert.countries,
            "title": original.title if original else "",
            "lang": original.lang if original else alert.original_language,
            "expires": alert.expires_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        }
    ).decode()


def _recipients(session: Session, topics: list[str], after: int, now: dt.datetime) -> list[Any]:
    matching = select(PushTopic.subscription_id).where(PushTopic.topic.in_(topics))
    stmt = (
        select(
            PushSubscription.id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
        )
        .where(
            PushSubscription.id.in_(matching),
            PushSubscription.id > after,
            PushSubscription.expires_at > now,
        )
        .order_by(PushSubscription.id)
        .limit(BATCH)
    )
    return list(session.execute(stmt).all())


def deliver(database: Database, settings: Settings, alert_id: str) -> tuple[int, int]:
    """Send a published alert to its topics' live subscriptions; returns (sent, removed).

    Runs after the response (a background task) in sessions of its own."""
    key: Vapid | None = None  # loaded once there is someone to send to
    sent = removed = 0
    with database.sessionmaker() as session:
        alert = session.scalars(select(Alert).where(Alert.public_id == alert_id)).one_or_none()
        if alert is None:
            return 0, 0
        topics = [f"country:{c}" for c in alert.countries] + [f"category:{alert.category}"]
        data = _payload(alert)
    after, seen, now = 0, 0, utcnow()
    while seen < MAX_RECIPIENTS:
        with database.sessionmaker() as session:
            batch = _recipients(session, topics, after, now)
        if not batch:
            break
        key = key or vapid_key(settings)
        dead: list[int] = []
        for row in batch:
            seen += 1
            try:
                webpush(
                    {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}},
                    data=data,
                    vapid_private_key=key,
                    vapid_claims={"sub": settings.push_subject},
                    timeout=SEND_TIMEOUT_S,
                    ttl=PUSH_TTL_S,
                )
                sent += 1
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in (404, 410):
                    dead.append(row.id)
                else:
                    log.warning("push to a subscription failed: %s", status or type(exc).__name__)
            except Exception as exc:  # a network failure must not stop the other sends
                log.warning("push to a subscription failed: %s", type(exc).__name__)
        if dead:
            with database.sessionmaker() as session, session.begin():
                session.execute(delete(PushSubscription).where(PushSubscription.id.in_(dead)))
            removed += len(dead)
        after = batch[-1].id
    return sent, removed
