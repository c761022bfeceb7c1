"""The change feed and webhook subscriptions: typed answers and request bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool

from app.api.schemas.common import Ident, Line, OutModel, StrictModel

# An event type (`case.created`), or `*` for all of them.
EventTypeName = Annotated[str, Ident(64, 1), Field(pattern=r"^(\*|[a-z_]+\.[a-z_]+)$")]


class EventOut(BaseModel):
    """One change. Thin: what changed and where to read it, never the data itself."""

    id: str = Field(description="evt_<position>; also the order of the feed")
    type: str = Field(description="e.g. case.created, fact.recorded, case.transitioned")
    action: str = Field(description="The record's (纪实) finer action, e.g. transition.publicize")
    occurred_at: datetime
    subject_type: str
    subject_id: uuid.UUID
    subject_href: str | None = Field(description="Where to read the subject")
    case_id: uuid.UUID | None
    case_href: str | None
    nomination_id: uuid.UUID | None
    cursor: str = Field(description="Pass as `after` to read the events after this one")


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str = Field(
        description="Opaque; always set: pass as `after` for the next page, or to poll for new "
        "events once `has_more` is false"
    )
    has_more: bool


class WebhookCreate(StrictModel):
    url: Annotated[str, Line(2000, 1)] = Field(
        description="http or https; no credentials in the URL", examples=["https://hr.example/hook"]
    )
    event_types: list[EventTypeName] = Field(
        min_length=1, max_length=50, description='Event types to deliver, or ["*"] for all'
    )
    description: Annotated[str, Line(200)] = ""
    active: StrictBool = True


class WebhookPatch(StrictModel):
    url: Annotated[str, Line(2000, 1)] | None = None
    event_types: list[EventTypeName] | None = Field(default=None, min_length=1, max_length=50)
    description: Annotated[str, Line(200)] | None = None
    active: StrictBool | None = None


class WebhookRotate(StrictModel):
    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=7 * 86400,
        description="How long the previous secret still signs (a second signature)",
    )


class WebhookOut(OutModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    active: bool
    sees_confidential: bool = Field(
        description="Whether a self-nomination's events are delivered here: only when its "
        "creator may see every self-nomination (NOM-SELF-CONFIDENTIAL)"
    )
    previous_secret_until: datetime | None = Field(
        description="Until then deliveries carry a second signature, by the previous secret"
    )
    created_at: datetime
    updated_at: datetime


class WebhookWithSecretOut(WebhookOut):
    """Shown once, when the subscription is created or its secret rotated."""

    secret: str = Field(description="whsec_...: verify signatures with it (Standard Webhooks)")


DeliveryState = Literal["pending", "succeeded", "failed"]


class WebhookDeliveryOut(OutModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: str
    state: DeliveryState
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None = Field(description="When pending: the next attempt")
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookAttemptOut(OutModel):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None


class WebhookDeliveryDetailOut(WebhookDeliveryOut):
    attempts_log: list[WebhookAttemptOut]
