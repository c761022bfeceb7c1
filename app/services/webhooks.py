"""Webhook subscriptions and their deliveries, signed per the Standard Webhooks specification.

A subscription names event types (or `*`); every matching event is enqueued as a delivery in
the transaction that wrote the event (app/db/events_repo.insert_events). A worker
(app/services/worker.py) claims due deliveries, POSTs the thin event (type, ids, links) signed
with `standardwebhooks` (headers webhook-id, webhook-timestamp, webhook-signature) and records
the attempt. A failed attempt is retried after `retry_seconds * 2**(n-1)` (at most six hours),
up to MAX_ATTEMPTS, then the delivery is `failed`; a manual redelivery makes it due again.

Rotating the secret keeps the previous one for an overlap: until it ends both signatures are
sent (space-separated, as the specification allows), so a receiver can switch at leisure.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from app.db import events_repo
from app.db.event_models import Event, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.db.uow import UnitOfWork
from app.domain.errors import InvalidInput, NotFound
from app.services import ops_metrics, outbox
from app.services.context import PERMISSIONS, Actor, Clock
from app.services.pagination import decode_cursor, encode_cursor, paginate

MAX_BACKOFF = timedelta(hours=6)
MAX_OVERLAP = timedelta(days=7)
# (status code or None, error text or None) of one POST.
SendResult = tuple[int | None, str | None]
Sender = Callable[[str, bytes, dict[str, str], float], SendResult]


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str) -> str:
    """http or https with a host; never credentials in the URL (they would be logged)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidInput(f"url is not a valid URL: {exc}") from exc
    if parts.scheme not in {"http", "https"}:
        raise InvalidInput("url must be http or https")
    if not parts.hostname:
        raise InvalidInput("url must name a host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidInput("url must not carry credentials (user:password@); use the signature")
    if parts.fragment:
        raise InvalidInput("url must not carry a fragment")
    del port
    return url


def _types(values: list[str]) -> list[str]:
    unknown = sorted({v for v in values if v != "*" and v not in outbox.EVENT_TYPES})
    if unknown:
        raise InvalidInput(
            f"unknown event type(s): {', '.join(unknown)}; use * or any of: "
            + ", ".join(outbox.EVENT_TYPES)
        )
    if not values:
        raise InvalidInput("event_types must name at least one event type (or *)")
    return sorted(set(values))


# --- subscriptions ------------------------------------------------------------------------------


def _get(uow: UnitOfWork, subscription_id: uuid.UUID) -> WebhookSubscription:
    row = uow.session.get(WebhookSubscription, subscription_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"webhook subscription {subscription_id} not found")
    return row


def create(
    uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]
) -> WebhookSubscription:
    actor.role_for("webhooks.admin")
    now = clock.now()
    row = WebhookSubscription(
        url=check_url(data["url"]),
        event_types=list(_types(data["event_types"])),
        description=data.get("description") or "",
        active=data.get("active", True),
        secret=new_secret(),
        created_by=actor.principal_id,
        sees_confidential=actor.has(*PERMISSIONS["nominations.read_confidential"]),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.commit()
    return row


def get(uow: UnitOfWork, actor: Actor, subscription_id: uuid.UUID) -> WebhookSubscription:
    actor.role_for("webhooks.admin")
    return _get(uow, subscription_id)


def listing(
    uow: UnitOfWork, actor: Actor, *, cursor: str | None, limit: int
) -> tuple[list[WebhookSubscription], str | None]:
    actor.role_for("webhooks.admin")
    stmt = select(WebhookSubscription).where(WebhookSubscription.deleted_at.is_(None))
    rows = list(
        uow.session.scalars(
            paginate(stmt, WebhookSubscription.created_at, WebhookSubscription.id, cursor, limit)
        )
    )
    nxt = (
        encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    )
    return rows[:limit], nxt


def update_subscription(
    uow: UnitOfWork, actor: Actor, clock: Clock, subscription_id: uuid.UUID, data: dict[str, Any]
) -> WebhookSubscription:
    actor.role_for("webhooks.admin")
    row = _get(uow, subscription_id)
    if "url" in data:
        row.url = check_url(data["url"])
    if "event_types" in data:
        row.event_types = list(_types(data["event_types"]))
    if "description" in data:
        row.description = data["description"]
    if "active" in data:
        row.active = data["active"]
    row.updated_at = clock.now()
    uow.commit()
    return row


def delete(uow: UnitOfWork, actor: Actor, clock: Clock, subscription_id: uuid.UUID) -> None:
    """Stop delivering and hide the subscription; its delivery log is kept."""
    actor.role_for("webhooks.admin")
    row = _get(uow, subscription_id)
    row.active = False
    row.deleted_at = row.updated_at = clock.now()
    uow.commit()


def rotate(
    uow: UnitOfWork, actor: Actor, clock: Clock, subscription_id: uuid.UUID, overlap: timedelta
) -> WebhookSubscription:
    """A new secret; the current one still signs (a second signature) for `overlap`."""
    actor.role_for("webhooks.admin")
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise InvalidInput(f"overlap must be between 0 and {MAX_OVERLAP.days} days")
    row = _get(uow, subscription_id)
    now = clock.now()
    row.previous_secret, row.previous_secret_until = (
        (row.secret, now + overlap)
        if overlap
        else (
            None,
            None,
        )
    )
    row.secret = new_secret()
    row.updated_at = now
    uow.commit()
    return row


def signing_secrets(row: WebhookSubscription, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during the overlap."""
    found = [row.secret]
    if row.previous_secret and row.previous_secret_until and now < row.previous_secret_until:
        found.append(row.previous_secret)
    return found


# --- the delivery log ---------------------------------------------------------------------------


def deliveries(
    uow: UnitOfWork,
    actor: Actor,
    subscription_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    state: str | None,
) -> tuple[list[WebhookDelivery], str | None]:
    actor.role_for("webhooks.admin")
    _get(uow, subscription_id)
    rows = events_repo.deliveries_page(
        uow.session,
        subscription_id,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit,
        state=state,
    )
    nxt = (
        encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    )
    return rows[:limit], nxt


def _delivery(
    uow: UnitOfWork, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    _get(uow, subscription_id)
    row = uow.session.get(WebhookDelivery, delivery_id)
    if row is None or row.subscription_id != subscription_id:
        raise NotFound(f"delivery {delivery_id} not found")
    return row


def delivery(
    uow: UnitOfWork, actor: Actor, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    actor.role_for("webhooks.admin")
    row = _delivery(uow, subscription_id, delivery_id)
    return row, events_repo.attempts_of(uow.session, row.id)


def redeliver(
    uow: UnitOfWork, actor: Actor, clock: Clock, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Make the delivery due now, with a fresh budget of attempts (whatever its state)."""
    actor.role_for("webhooks.admin")
    row = _delivery(uow, subscription_id, delivery_id)
    now = clock.now()
    row.state = "pending"
    row.next_attempt_at = now
    row.max_attempts = row.attempts + events_repo.MAX_ATTEMPTS
    row.updated_at = now
    uow.commit()
    return row


# --- delivering ---------------------------------------------------------------------------------


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body_of(event: Event) -> bytes:
    """The Standard Webhooks payload: type, timestamp and the thin event as `data`."""
    data = {
        k: (_instant(v) if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v)
        for k, v in outbox.thin(event).items()
    }
    payload = {"type": event.type, "timestamp": data["occurred_at"], "data": data}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def message_id(delivery_id: uuid.UUID) -> str:
    """webhook-id: the same for every attempt of a delivery (receivers deduplicate on it)."""
    return f"msg_{delivery_id.hex}"


def sign(keys: list[str], msg_id: str, at: datetime, body: bytes) -> dict[str, str]:
    text = body.decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(k).sign(msg_id, at, text) for k in keys),
        "content-type": "application/json",
        "user-agent": "cadre-selection-webhooks/1",
    }


def http_send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> SendResult:
    """POST without following redirects (a redirect is a failed attempt, never a new target)."""
    import httpx  # the worker's dependency only

    try:
        r = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]
    return r.status_code, None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"


@dataclass(frozen=True)
class Claimed:
    delivery_id: uuid.UUID
    number: int
    url: str
    keys: list[str]
    body: bytes


@dataclass(frozen=True)
class DeliveryPolicy:
    retry_seconds: float = 30.0
    lease_seconds: float = 60.0
    timeout_seconds: float = 10.0
    batch: int = 20


def backoff(policy: DeliveryPolicy, attempts: int) -> timedelta:
    return min(timedelta(seconds=policy.retry_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim(
    factory: sessionmaker[Session], clock: Clock, worker: str, policy: DeliveryPolicy
) -> list[Claimed]:
    with UnitOfWork(factory) as uow:
        now = clock.now()
        found = events_repo.claim_due(
            uow.session,
            now=now,
            lease_until=now + timedelta(seconds=policy.lease_seconds),
            worker=worker,
            limit=policy.batch,
        )
        claimed = [
            Claimed(d.id, d.attempts, s.url, signing_secrets(s, now), body_of(e))
            for d, s, e in found
        ]
        uow.commit()
    return claimed


def record(
    factory: sessionmaker[Session],
    clock: Clock,
    worker: str,
    policy: DeliveryPolicy,
    job: Claimed,
    *,
    started: datetime,
    duration_ms: int,
    result: SendResult,
) -> None:
    status, error = result
    ok = error is None
    with UnitOfWork(factory) as uow:
        now = clock.now()
        uow.session.add(
            WebhookAttempt(
                delivery_id=job.delivery_id,
                number=job.number,
                worker=worker,
                started_at=started,
                duration_ms=duration_ms,
                status_code=status,
                error=error,
            )
        )
        row = uow.session.get(WebhookDelivery, job.delivery_id, populate_existing=True)
        # A late answer of an attempt whose lease another worker took over only logs itself,
        # unless it succeeded (then the event did arrive).
        if row is not None and row.state == "pending" and (ok or row.attempts == job.number):
            row.last_status = status
            row.last_error = error
            row.updated_at = now
            if ok:
                row.state = "succeeded"
                row.delivered_at = now
            elif row.attempts >= row.max_attempts:
                row.state = "failed"
            else:
                row.next_attempt_at = now + backoff(policy, row.attempts)
        uow.commit()


def deliver_due(
    factory: sessionmaker[Session],
    clock: Clock,
    worker: str,
    policy: DeliveryPolicy,
    send: Sender = http_send,
) -> int:
    """Claim the due deliveries and attempt each once. Returns how many were attempted."""
    claimed = claim(factory, clock, worker, policy)
    for job in claimed:
        at = datetime.now(UTC)  # webhook-timestamp: the receiver compares it with its own clock
        started = clock.now()
        t0 = time.monotonic()
        result = send(
            job.url,
            job.body,
            sign(job.keys, message_id(job.delivery_id), at, job.body),
            policy.timeout_seconds,
        )
        duration_ms = int((time.monotonic() - t0) * 1000)
        record(
            factory,
            clock,
            worker,
            policy,
            job,
            started=started,
            duration_ms=duration_ms,
            result=result,
        )
    return len(claimed)


def sweep(factory: sessionmaker[Session], clock: Clock) -> None:
    """Periodic: fail the deliveries whose last attempt's worker never reported, forget
    previous secrets whose overlap has ended, and report the delivery lag."""
    with UnitOfWork(factory) as uow:
        now = clock.now()
        events_repo.exhausted_claims(uow.session, now)
        uow.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.previous_secret_until <= now)
            .values(previous_secret=None, previous_secret_until=None)
            .execution_options(synchronize_session=False)
        )
        oldest = events_repo.oldest_due(uow.session, now)
        uow.commit()
    # cadre_webhook_delivery_lag_seconds: how long the oldest due delivery has waited.
    ops_metrics.set_webhook_delivery_lag((now - oldest).total_seconds() if oldest else 0.0)
