"""Queries of the change feed and of webhook deliveries. Nothing here commits."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db.event_models import Event, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.db.nomination_models import Nomination
from app.domain.nominations import NominationKind

# Attempts of one delivery before it is marked failed (a manual redelivery grants as many more).
MAX_ATTEMPTS = 8


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert events in order and enqueue a delivery for each matching active subscription."""
    subscriptions = session.execute(
        select(
            WebhookSubscription.id,
            WebhookSubscription.event_types,
            WebhookSubscription.sees_confidential,
        ).where(WebhookSubscription.active.is_(True), WebhookSubscription.deleted_at.is_(None))
    ).all()
    nominations = {r["nomination_id"] for r in rows if r["nomination_id"] is not None}
    # NOM-SELF-CONFIDENTIAL: a self-nomination's events go only to subscriptions whose creator
    # may see every self-nomination.
    confidential = (
        set(
            session.scalars(
                select(Nomination.id).where(
                    Nomination.id.in_(nominations), Nomination.kind == NominationKind.SELF.value
                )
            )
        )
        if subscriptions and nominations
        else set()
    )
    for row in rows:
        event_id = session.execute(insert(Event).values(**row).returning(Event.id)).scalar_one()
        hidden = row["nomination_id"] in confidential
        wanted = [
            sid
            for sid, types, sees in subscriptions
            if ("*" in types or row["type"] in types) and (sees or not hidden)
        ]
        if wanted:
            session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "id": uuid.uuid4(),
                        "subscription_id": sid,
                        "event_id": event_id,
                        "state": "pending",
                        "attempts": 0,
                        "max_attempts": MAX_ATTEMPTS,
                        "next_attempt_at": row["occurred_at"],
                        "created_at": row["occurred_at"],
                        "updated_at": row["occurred_at"],
                    }
                    for sid in wanted
                ],
            )


# --- the feed -----------------------------------------------------------------------------------


def feed_query(
    *,
    after: int,
    limit: int,
    types: Collection[str],
    case_id: uuid.UUID | None,
    subject_types: Collection[str] | None,
    nominations_visible: ColumnElement[bool] | None,
) -> Select[Event]:
    """The one query of the feed: events after `after` in id order, `limit` + 1 rows (the extra
    one says whether there is more). Every visibility filter belongs here.

    `subject_types`: the subjects the reader may read (None: all); `nominations_visible`: which
    nominations the reader may know of (NOM-SELF-CONFIDENTIAL, as `nominations_repo.visible`;
    None: all).
    """
    stmt = select(Event).where(Event.id > after)
    if types:
        stmt = stmt.where(Event.type.in_(sorted(set(types))))
    if case_id is not None:
        stmt = stmt.where(Event.case_id == case_id)
    if subject_types is not None:
        stmt = stmt.where(Event.subject_type.in_(sorted(subject_types)))
    if nominations_visible is not None:
        stmt = stmt.where(
            or_(
                Event.nomination_id.is_(None),
                Event.nomination_id.in_(select(Nomination.id).where(nominations_visible)),
            )
        )
    return stmt.order_by(Event.id).limit(limit + 1)


def get_event(session: Session, event_id: int) -> Event | None:
    return session.get(Event, event_id)


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Event.id))) or 0)


# --- deliveries ---------------------------------------------------------------------------------


def claim_due(
    session: Session, *, now: datetime, lease_until: datetime, worker: str, limit: int
) -> list[tuple[WebhookDelivery, WebhookSubscription, Event]]:
    """Claim up to `limit` due deliveries for `worker`: their next attempt moves to
    `lease_until` (a worker that dies leaves them due again then) and the attempt is counted.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers claim disjoint rows. SQLite: the
    unit of work holds the database's write lock from BEGIN IMMEDIATE.
    """
    stmt = (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            # An inactive subscription's deliveries wait (delivered if it is reactivated).
            WebhookSubscription.active.is_(True),
            WebhookSubscription.deleted_at.is_(None),
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.attempts < WebhookDelivery.max_attempts,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    ids = list(session.scalars(stmt))
    if not ids:
        return []
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=lease_until,
            claimed_by=worker,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(WebhookDelivery, WebhookSubscription, Event)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.event_id)
        .execution_options(populate_existing=True)
    ).all()
    return [(d, s, e) for d, s, e in rows]


def exhausted_claims(session: Session, now: datetime) -> int:
    """Mark failed the deliveries whose last allowed attempt was claimed by a worker that never
    reported back (its lease has passed). Returns how many."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.attempts >= WebhookDelivery.max_attempts,
        )
        .values(state="failed", last_error="the worker of the last attempt stopped", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def deliveries_page(
    session: Session,
    subscription_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    state: str | None,
) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if state is not None:
        stmt = stmt.where(WebhookDelivery.state == state)
    if after is not None:
        at, rid = after
        stmt = stmt.where(
            or_(
                WebhookDelivery.created_at > at,
                and_(WebhookDelivery.created_at == at, WebhookDelivery.id > rid),
            )
        )
    stmt = stmt.order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(limit + 1)
    return list(session.scalars(stmt))


def attempts_of(session: Session, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    return list(
        session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.number)
        )
    )


def oldest_due(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting pending delivery came due (None: none is due)."""
    found: datetime | None = session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now
        )
    )
    return found
