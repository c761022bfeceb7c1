"""Settings from the environment (prefix CADRE_). The defaults run with zero environment."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "dev", "development", "secret"}
IPNetwork = IPv4Network | IPv6Network


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
    docs_enabled: bool = True
    # Uploads (self-nomination evidence, NOM-SELF-CHANNEL).
    attachment_dir: str = "var/attachments"
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Public objection intake (PUB-OBJECTIONS): requests per client address per minute.
    public_objection_rate: str = "5/minute"
    log_sql: bool = False
    # Admission control (app/api/admission.py): requests in the service at once (keep it below
    # the worker thread pool of 40), how many may wait for a slot, and for how long before a
    # quick 503 with Retry-After.
    max_inflight: int = Field(default=16, ge=1, le=36)
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
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
