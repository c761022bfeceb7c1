"""/api/v1/webhooks: subscriptions to the change feed, signed per Standard Webhooks."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import LIMIT_DESCRIPTION, Page
from app.api.schemas.events import (
    DeliveryState,
    WebhookAttemptOut,
    WebhookCreate,
    WebhookDeliveryDetailOut,
    WebhookDeliveryOut,
    WebhookOut,
    WebhookPatch,
    WebhookRotate,
    WebhookWithSecretOut,
)
from app.db.event_models import WebhookAttempt, WebhookDelivery
from app.services import webhooks as svc

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/webhooks", tags=["webhooks"], responses=PROBLEMS
)


def _delivery(row: WebhookDelivery) -> dict[str, object]:
    return {
        **{c: getattr(row, c) for c in WebhookDeliveryOut.model_fields if hasattr(row, c)},
        "event_id": f"evt_{row.event_id}",
        "next_attempt_at": row.next_attempt_at if row.state == "pending" else None,
    }


@router.post(
    "", status_code=status.HTTP_201_CREATED, operation_id="createWebhook", summary="Subscribe"
)
def create_webhook(
    body: WebhookCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> WebhookWithSecretOut:
    """Deliver the events of these types to `url`, signed with the secret shown in the answer
    (only here and on rotation). Deliveries follow the Standard Webhooks specification: headers
    webhook-id (the same for every attempt), webhook-timestamp and webhook-signature."""
    row = svc.create(uow, actor, clock, body.model_dump())
    response.headers["Location"] = f"/api/v1/webhooks/{row.id}"
    no_store(response)
    return WebhookWithSecretOut.model_validate(row)


@router.get("", operation_id="listWebhooks", summary="List subscriptions")
def list_webhooks(
    uow: UowDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[WebhookOut]:
    rows, nxt = svc.listing(uow, actor, cursor=cursor, limit=limit)
    return Page[WebhookOut](items=[WebhookOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.get("/{webhook_id}", operation_id="getWebhook", summary="Read a subscription")
def get_webhook(webhook_id: uuid.UUID, uow: UowDep, actor: ActorDep) -> WebhookOut:
    return WebhookOut.model_validate(svc.get(uow, actor, webhook_id))


@router.patch("/{webhook_id}", operation_id="updateWebhook", summary="Change a subscription")
def update_webhook(
    webhook_id: uuid.UUID, body: WebhookPatch, uow: UowDep, actor: ActorDep, clock: ClockDep
) -> WebhookOut:
    data = body.model_dump(exclude_unset=True)
    for field in ("url", "event_types", "description", "active"):
        if field in data and data[field] is None:
            data.pop(field)
    return WebhookOut.model_validate(svc.update_subscription(uow, actor, clock, webhook_id, data))


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteWebhook",
    summary="Unsubscribe (the delivery log is kept)",
)
def delete_webhook(webhook_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep) -> None:
    svc.delete(uow, actor, clock, webhook_id)


@router.post(
    "/{webhook_id}/rotate-secret", operation_id="rotateWebhookSecret", summary="Rotate the secret"
)
def rotate_webhook_secret(
    webhook_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    body: WebhookRotate | None = None,
) -> WebhookWithSecretOut:
    """A new secret signs from now on; the previous one still signs for `overlap_seconds`
    (both signatures are sent, space-separated), so a receiver can switch without a gap."""
    overlap = timedelta(seconds=(body or WebhookRotate()).overlap_seconds)
    row = svc.rotate(uow, actor, clock, webhook_id, overlap)
    no_store(response)
    return WebhookWithSecretOut.model_validate(row)


@router.get(
    "/{webhook_id}/deliveries", operation_id="listWebhookDeliveries", summary="Delivery log"
)
def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    state: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[WebhookDeliveryOut]:
    rows, nxt = svc.deliveries(uow, actor, webhook_id, cursor=cursor, limit=limit, state=state)
    return Page[WebhookDeliveryOut](
        items=[WebhookDeliveryOut.model_validate(_delivery(r)) for r in rows], next_cursor=nxt
    )


def _detail(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDeliveryDetailOut:
    return WebhookDeliveryDetailOut.model_validate(
        {**_delivery(row), "attempts_log": [WebhookAttemptOut.model_validate(a) for a in attempts]}
    )


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    operation_id="getWebhookDelivery",
    summary="One delivery and its attempts",
)
def get_webhook_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, uow: UowDep, actor: ActorDep
) -> WebhookDeliveryDetailOut:
    row, attempts = svc.delivery(uow, actor, webhook_id, delivery_id)
    return _detail(row, attempts)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="redeliverWebhook",
    summary="Deliver again",
)
def redeliver_webhook(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep
) -> WebhookDeliveryOut:
    """Make the delivery due now with a fresh budget of attempts, whatever its state; the
    worker sends it with the same webhook-id (receivers deduplicate on it)."""
    row = svc.redeliver(uow, actor, clock, webhook_id, delivery_id)
    return WebhookDeliveryOut.model_validate(_delivery(row))
