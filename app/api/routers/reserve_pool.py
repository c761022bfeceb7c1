"""/api/v1/reserve-pool: the reserve pool (后备干部库) of cadres marked as reserve candidates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import LIMIT_DESCRIPTION, Line, Page
from app.api.schemas.nominations import PoolAddIn, PoolMemberOut, PoolRemoveIn
from app.services import reserve_pool as svc

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/reserve-pool",
    tags=["reserve-pool"],
    responses=PROBLEMS,
)


def to_out(view: svc.PoolMemberView) -> PoolMemberOut:
    e = view.entry
    return PoolMemberOut(
        entry_id=e.id,
        candidate_id=e.candidate_id,
        candidate_name=view.candidate_name,
        category=e.category,
        reason=e.reason,
        added_at=e.added_at,
        removed_at=e.removed_at,
        removed_reason=e.removed_reason,
        removed_rule=e.removed_rule,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="addToReservePool",
    summary="Add a cadre to the reserve pool (列入后备干部库)",
)
def add_to_reserve_pool(
    body: PoolAddIn, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> PoolMemberOut:
    """Enrol a cadre under a category (free text, e.g. 担当干部储备库 by field or trade). A
    cadre who is already an open member is refused (409)."""
    view = svc.add(uow, actor, clock, body.model_dump())
    no_store(response)
    return to_out(view)


@router.post(
    "/{candidate_id}/remove",
    operation_id="removeFromReservePool",
    summary="Remove a cadre from the reserve pool (移出后备干部库)",
)
def remove_from_reserve_pool(
    candidate_id: uuid.UUID,
    body: PoolRemoveIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> PoolMemberOut:
    """Close the cadre's open membership, with the reason (the history is kept). 409 when the
    cadre is not in the pool."""
    view = svc.remove(uow, actor, clock, candidate_id, body.reason)
    no_store(response)
    return to_out(view)


@router.get(
    "",
    operation_id="listReservePool",
    summary="List the reserve pool (后备干部名单)",
)
def list_reserve_pool(
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    category: Annotated[str, Line(100)] | None = None,
) -> Page[PoolMemberOut]:
    """Open members, oldest enrolment first, optionally of one category."""
    views, nxt = svc.listing(uow, actor, cursor=cursor, limit=limit, category=category)
    no_store(response)
    return Page[PoolMemberOut](items=[to_out(v) for v in views], next_cursor=nxt)
