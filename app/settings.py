"""Settings from the environment (prefix CADRE_). The defaults run with zero environment."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "dev", "development", "secret"}
IPNetwork = IPv4Network | IPv6Network
# Schemes of the `limits` storages the public endpoints can use (synchronous ones).
SYNC_LIMIT_STORAGES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def proxy_networks(value: str) -> tuple[IPNetwork, ...]:
    """`10.0.0.1, 10.1.0.0/16, ::1` -> the networks (a single address is a /32 or /128)."""
    found: list[IPNetwork] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            found.append(ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"CADRE_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR"
            ) from exc
    return tuple(found)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CADRE_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///var/cadre.db"
    # Keyed hash for API tokens (HMAC-SHA256): a database dump alone cannot verify tokens.
    token_pepper: str = "dev"  # noqa: S105 (development default; refused in production)
    # Key of the record's hash chain (纪实, REC-RECORD: HMAC-SHA256). Held outside the database,
    # so that whoever can write the database cannot recompute the chain after editing it.
    # A placeholder is refused in production when the record is written or verified
    # (app/services/audit.record_key).
    record_key: str = "dev"
    # Signed checkpoints of the record's chain heads (`cadre record checkpoint`, the worker):
    # outside the database, so that a truncated or wholesale replaced chain is detected
    # (app/services/checkpoints.py). Ship the files off the host too (they are small).
    checkpoint_dir: str = "var/checkpoints"
    docs_enabled: bool = True
    # Uploads (self-nomination evidence, NOM-SELF-CHANNEL).
    attachment_dir: str = "var/attachments"
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Public objection intake (PUB-OBJECTIONS): requests per client address per minute.
    public_objection_rate: str = "5/minute"
    # Where rate-limit counters live. memory:// counts per process: with several API workers
    # give a store they share, e.g. redis://127.0.0.1:6379 (any `limits` storage URI).
    rate_limit_storage: str = "memory://"
    log_sql: bool = False
    # Admission control (app/api/admission.py): requests in the service at once (keep it below
    # the worker thread pool of 40), how many may wait for a slot, and for how long before a
    # quick 503 with Retry-After. Unset: sized for the database (`inflight_limit`).
    max_inflight: int | None = Field(default=None, ge=1, le=36)
    # Requests in the process at all (reading bodies, validating, serialising answers).
    max_requests: int = Field(default=128, ge=1)
    max_queue: int = Field(default=200, ge=0)
    queue_wait_seconds: float = Field(default=2.0, gt=0, le=30)
    # Proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs, e.g.
    # "127.0.0.1, 10.0.0.0/8"). Empty (the default): the peer of the connection is the client.
    # Run uvicorn with --no-proxy-headers so that it does not rewrite the peer itself.
    trusted_proxies: str = ""
    # How long an Idempotency-Key stays reserved for a request that has not finished: after a
    # crash, a retry may run the request again once this has passed (nothing of the crashed one
    # was committed, or the key would say so).
    idempotency_lease_seconds: int = Field(default=60, ge=1, le=3600)
    # The background worker (webhook deliveries, periodic jobs; app/services/worker.py). Embedded
    # in the API process when enabled; unset: on for SQLite outside tests (`make run`), off
    # otherwise (production runs `cadre worker`, several of them if wanted).
    worker_embedded: bool | None = None
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Webhook deliveries: first retry after this many seconds, doubling per attempt (at most
    # six hours); a claimed delivery whose worker died is due again after the lease.
    webhook_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    webhook_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # ACC-TRACE: misconduct or a sanction recorded within this many years after a promotion
    # flags the promoting case for review by discipline inspection (GET /oversight/reviews).
    accountability_years: int = Field(default=5, ge=1, le=50)

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme not in SYNC_LIMIT_STORAGES:
            raise ValueError(
                f"CADRE_RATE_LIMIT_STORAGE: {value!r} is not a storage URI "
                f"({', '.join(s + '://' for s in SYNC_LIMIT_STORAGES)})"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        proxy_networks(value)  # raises ValueError naming the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return proxy_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment == "production" and self.token_pepper in PLACEHOLDER_SECRETS:
            raise ValueError(
                "CADRE_TOKEN_PEPPER must be set to a real secret when CADRE_ENVIRONMENT=production"
            )
        return self

    @property
    def inflight_limit(self) -> int:
        """Requests admitted at once. SQLite has one connection per process, so a second
        request in a worker thread only waits for it while competing with the first for the
        GIL (measured: one at a time serves 2.5× the transitions of sixteen); PostgreSQL gets
        as many as its pool has connections before overflow."""
        if self.max_inflight is not None:
            return self.max_inflight
        return 1 if self.database_url.startswith("sqlite") else 10

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def worker_enabled(self) -> bool:
        """Whether the API process runs the worker in a thread (see `worker_embedded`)."""
        if self.worker_embedded is not None:
            return self.worker_embedded
        return self.is_sqlite and self.environment != "test"
