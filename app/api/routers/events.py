"""/api/v1/events: the change feed (outbox) — every change, in commit order, replayable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import ActorDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import LIMIT_DESCRIPTION
from app.api.schemas.events import EventOut, EventPage, EventTypeName
from app.services import events as svc
from app.services import outbox

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/events", tags=["events"], responses=PROBLEMS
)


@router.get("", operation_id="listEvents", summary="Read the change feed")
def list_events(
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    after: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A `cursor` of an event or the `next_cursor` of a page; omitted: from "
            "the start. A cursor not made by the service is a 422.",
        ),
    ] = None,
    type: Annotated[  # the query parameter's public name
        list[EventTypeName] | None,
        Query(description="Only these event types (repeat for any of several)"),
    ] = None,
    case_id: Annotated[uuid.UUID | None, Query(description="Only this case's events")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
) -> EventPage:
    """Every change — case created, fact recorded or superseded, transition, candidate,
    position, policy, nomination and decision-body events — in the order they were committed.
    Events are written in the transaction of the change (an outbox), so none is lost and none
    appears for a change that was rolled back. Thin: ids and links, never the data; a
    self-nomination's events appear only to those who may see it (NOM-SELF-CONFIDENTIAL)."""
    page = svc.listing(uow, actor, after=after, limit=limit, types=type or (), case_id=case_id)
    no_store(response)
    return EventPage(
        items=[EventOut.model_validate(outbox.thin(e)) for e in page.events],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )
