"""Runtime configuration, read once from the environment (prefix ``RUMBO_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

DEFAULT_SQLITE_PATH = Path("var") / "rumbo.db"
DEV_SECRET = "dev-insecure-change-me"  # noqa: S105  (refused in production)


class Settings(BaseSettings):
    """Every knob of the service. Each field maps to ``RUMBO_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="RUMBO_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///./{DEFAULT_SQLITE_PATH.as_posix()}"
    read_replica_url: str | None = None
    # PostgreSQL connections per process (each engine): kept open, and opened beyond that
    # under load. Workers x (size + overflow) must stay under the server's max_connections.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # SQLite only: FULL syncs every commit (an acknowledged edit survives a power cut);
    # NORMAL is faster and may lose the last commits on power loss (never corrupts).
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    database_max_overflow: int = Field(default=20, ge=0, le=500)
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "RUMBO_PORT"))
    host: str = "127.0.0.1"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # ``json``: one JSON object per line with the request id (app/observability.py).
    log_format: Literal["text", "json"] = "text"
    # OpenTelemetry traces (app/telemetry.py) to this OTLP/HTTP endpoint; off when unset.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "OTEL_EXPORTER_OTLP_ENDPOINT", "RUMBO_OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
    )
    default_language: str = "es"
    # Secret used to sign staff tokens; refused outside development when left at the default.
    secret_key: str = DEV_SECRET
    redis_url: str | None = None
    # Radius (metres) used by ``near=`` when none is given, and the largest accepted.
    default_radius_m: int = 25_000
    max_radius_m: int = 500_000
    default_page_size: int = 20
    max_page_size: int = 200
    # Published points not verified for this many days are reported as stale.
    stale_after_days: int = 180
    max_body_bytes: int = 1_048_576
    # Slow clients (app/connection_guard.py): seconds a request's headers (and, beyond a
    # 1 KiB/s pace, its body) may take to arrive, and open connections per client address.
    request_read_timeout: float = 15.0
    max_connections_per_client: int = 200
    # Open connections one worker process accepts (uvicorn's limit_concurrency). When several
    # clients are connected, each may hold at most its fair share of half of these (but never
    # fewer than 16), so a handful of greedy addresses cannot fill the server.
    max_open_connections: int = Field(default=1000, ge=64, le=100_000)
    # All request headers together, in bytes: more is answered 431 (whatever the parser).
    max_header_bytes: int = Field(default=16_384, ge=1024, le=1_048_576)
    # Reverse proxies whose X-Forwarded-For is believed (app/client_address.py): addresses
    # and CIDRs, comma-separated, e.g. "127.0.0.1,10.0.0.0/8". Empty: none (direct clients).
    forwarded_allow_ips: str = ""
    # The public base URL (e.g. "https://rumbo.example.org"): absolute URLs in responses are
    # built from it, never from the Host header. Unset: from the request (development).
    public_url: str | None = None
    # Host names the API answers to, comma-separated ("" = any); others get 421.
    allowed_hosts: str = ""
    # Time budgets (app/budget.py, seconds): past it a request is stopped in the database and
    # answered 503 with Retry-After. Streaming exports, the sync feed and bundles, and
    # imports have their own. ``rumbo serve`` waits at most shutdown_grace_s for requests in
    # flight when it is asked to stop.
    request_budget_s: float = Field(default=5.0, gt=0, le=3600)
    export_budget_s: float = Field(default=300.0, gt=0, le=86400)
    sync_budget_s: float = Field(default=60.0, gt=0, le=86400)
    import_budget_s: float = Field(default=900.0, gt=0, le=86400)
    shutdown_grace_s: float = Field(default=8.0, ge=0, le=600)
    # Imports (app/exchange): the largest upload, and the most a zip may unpack to.
    import_max_bytes: int = 268_435_456
    import_max_unzipped_bytes: int = 536_870_912
    # Staff authentication (app/accounts): token lifetimes, JWT claims, login throttling.
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    token_issuer: str = "rumbo"  # noqa: S105  (a JWT claim, not a secret)
    token_audience: str = "rumbo-staff"  # noqa: S105  (a JWT claim, not a secret)
    password_min_length: int = 12
    # Account lifecycle (app/accounts/lifecycle.py, invitations.py): the longest password
    # accepted (NIST SP 800-63B: at least 64), how long a reset link and an invitation live,
    # and the mail server that sends them ("smtp://user:pass@host:port", "smtps://..." for
    # TLS, "?starttls=1" to upgrade); unset: links are shown once to the administrator.
    password_max_length: int = Field(default=128, ge=64, le=1024)
    password_reset_minutes: int = Field(default=60, ge=5, le=1440)
    invitation_days: int = Field(default=7, ge=1, le=60)
    smtp_url: str | None = None
    smtp_from: str = "rumbo@localhost"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # ``limits`` notation. Failed logins lock out one (account, client) pair; the account as
    # a whole only refuses clients that have not logged in to it for ``login_known_client_days``
    # once its failures pass the higher threshold (so nobody elsewhere locks its user out);
    # one client address is limited over every account.
    login_failures_per_account_client: str = "5/15 minutes"
    login_failures_per_account: str = "30/15 minutes"
    login_failures_per_address: str = "50/15 minutes"
    login_known_client_days: int = 30
    # Anonymous feedback (app/feedback): ``limits`` notation, ";" separates several limits.
    feedback_limit_per_client: str = "10/hour;30/day"
    feedback_limit_per_client_point: str = "3/day"
    feedback_limit_per_point: str = "120/hour"
    # Bulk public reads per client network (app/bulk_reads.py): public exports, sync
    # pages, country bundles and HSDS listings. ``limits`` notation, ";" separates several.
    export_limit_per_client: str = "30/hour"
    sync_limit_per_client: str = "1200/hour"
    bundle_limit_per_client: str = "120/hour"
    hsds_list_limit_per_client: str = "600/hour"
    feedback_comment_max_chars: int = 1000
    # Independent reports that a point is closed / wrong within the window open a task.
    feedback_signal_threshold: int = 3
    feedback_signal_window_days: int = 14
    # Offline delivery (app/sync, app/signing, app/http_cache.py, app/compression.py).
    # Ed25519 keys: ``keyring.json`` (public) and ``<kid>.key`` (private, mode 0600).
    keys_dir: Path = Path("var") / "keys"
    # /readyz names the database engine and migration heads only when true (internal probes).
    readyz_details: bool = False
    # Signed bundles and sync pages say until when they hold (``expires_at``); a stored bundle
    # is rebuilt once half of that has passed, so a fresh download always has the other half.
    signed_data_valid_days: int = Field(default=14, ge=1, le=365)
    sync_page_size: int = 500
    sync_max_page_size: int = 2000
    # Changes older than this are pruned by ``rumbo sync prune``; older cursors get a 410.
    sync_retention_days: int = 90
    # Web Push of alerts (app/alerts/push.py): the VAPID contact, how long a subscription
    # lives unless renewed, the push services' hosts endpoints may point at (suffixes), and
    # whether plain http endpoints are accepted (local tests only).
    push_subject: str = "mailto:alerts@rumbo.invalid"
    push_subscription_days: int = Field(default=30, ge=1, le=365)
    push_endpoint_hosts: tuple[str, ...] = (
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "notify.windows.com",
        "push.apple.com",
    )
    push_allow_http: bool = False
    # Subscriptions (and renewals) per client network, ``limits`` notation.
    push_subscribe_limit: str = "30/hour"
    # ``Cache-Control: public, max-age`` of public GET responses (seconds).
    cache_max_age: int = 60
    # The map endpoints' in-memory grid index (app/maps/refresh.py): built in a thread of
    # its own, from start-up (requests meanwhile read the database); false builds it in
    # the first map request that needs it (seconds at a million points).
    map_index_background: bool = True
    compression_min_bytes: int = 512
    # Staff console (app/console): the session cookie's Secure flag (turn off only for local
    # http), how long a console session lasts, and the map tiles ("" = no tiles, typed
    # coordinates only). The tile host is allowed in the console's Content-Security-Policy.
    console_cookie_secure: bool = True
    console_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    console_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    console_tile_attribution: str = "© OpenStreetMap contributors"
    # Prometheus metrics (app/metrics.py), off unless one is set: ``/metrics`` behind this
    # bearer token, and/or a port of its own that ``rumbo serve`` opens on RUMBO_HOST.
    metrics_token: str | None = Field(default=None, min_length=16)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        import langcodes

        if not langcodes.tag_is_valid(value):
            raise ValueError(f"not a BCP 47 language tag: {value!r}")
        return langcodes.standardize_tag(value)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        from app.client_address import TrustedProxies

        TrustedProxies(value)  # ValueError names the bad entry
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(
                "RUMBO_PUBLIC_URL must be an http(s) URL, e.g. https://rumbo.example.org"
            )
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _secret_set(cls, value: str) -> str:
        if len(value) < 16:
            raise ValueError("RUMBO_SECRET_KEY must be at least 16 characters")
        return value

    def check_production_ready(self) -> None:
        """Refuse the development secret outside development and tests."""
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise RuntimeError("set RUMBO_SECRET_KEY before running in production")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
