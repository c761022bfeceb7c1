"""Tables of the change feed (outbox), webhook subscriptions and deliveries, worker job leases."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id

# SQLite gives autoincrement only to an INTEGER PRIMARY KEY (the rowid). Without AUTOINCREMENT
# a rowid is reused only after the highest row is deleted, which the append-only trigger
# forbids (a rolled-back insert's id may be reused: that event never existed).
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One change, written in the transaction that made it (the outbox). Append-only.

    `id` is the feed's order: the row is inserted at the end of the unit of work, under a
    transaction-level advisory lock on PostgreSQL (app/services/outbox.py), so that ids become
    visible in increasing order and a reader past id n never misses an event below n.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_case", "case_id", "id"),
        Index("ix_events_type", "type", "id"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    case_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    nomination_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    record_entry_id: Mapped[uuid.UUID] = mapped_column()
    occurred_at: Mapped[datetime]


class WebhookSubscription(Base):
    """Where to deliver which event types. The secrets sign; `previous_secret` is still sent
    (a second signature) until `previous_secret_until`, so receivers can rotate without a gap."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_created", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[object]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100), default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Whether its creator may see every self-nomination (NOM-SELF-CONFIDENTIAL): only then
    # are a self-nomination's events delivered to it.
    sees_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookDelivery(Base):
    """One event for one subscription. `next_attempt_at` is both the retry time and the lease of
    a claim: a worker that dies mid-delivery leaves the row due again once the lease passes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "created_at", "id"),
        CheckConstraint("state IN ('pending', 'succeeded', 'failed')", name="state_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_id: Mapped[int] = mapped_column(EventId, ForeignKey("events.id"))
    state: Mapped[str] = mapped_column(String(16))
    # Attempts started (counted when claimed, so a receiver that crashes workers cannot loop).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts allowed before `failed`; a manual redelivery grants more.
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookAttempt(Base):
    """The delivery log: one row per finished attempt (a killed worker's attempt leaves none)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id"))
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class WorkerJob(Base):
    """The lease of a periodic job: the worker whose UPDATE moves `next_run_at` runs the tick."""

    __tablename__ = "worker_jobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_by: Mapped[str | None] = mapped_column(String(200), default=None)
