"""/api/v1/candidates/{id}/misconduct: misconduct on the cadre's file (DISC-MISCONDUCT).

Append-only: there is no route to change or delete a record.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import LIMIT_DESCRIPTION, Page
from app.api.schemas.nominations import MisconductIn, MisconductRecordedOut, MisconductRecordOut
from app.services import misconduct as svc

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/candidates", tags=["misconduct"], responses=PROBLEMS
)


@router.post(
    "/{candidate_id}/misconduct",
    status_code=status.HTTP_201_CREATED,
    operation_id="recordMisconduct",
    summary="Record misconduct (记录在案：托人情、打招呼、跑官要官、拉票、弄虚作假)",
)
def record_misconduct(
    candidate_id: uuid.UUID,
    body: MisconductIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> MisconductRecordedOut:
    """Put misconduct on the cadre's file. In the same transaction, each recorded: the cadre is
    disqualified in every open case where they still stand, and taken out of the reserve pool
    (DISC-MISCONDUCT). The answer lists the affected cases and whether the pool entry closed."""
    outcome = svc.record(uow, actor, clock, candidate_id, body.model_dump())
    no_store(response)
    return MisconductRecordedOut.model_validate(
        {
            **MisconductRecordOut.model_validate(outcome.record).model_dump(),
            "affected_case_ids": outcome.affected_case_ids,
            "pool_entry_closed": outcome.pool_entry_closed,
        }
    )


@router.get(
    "/{candidate_id}/misconduct",
    operation_id="listMisconduct",
    summary="The cadre's misconduct records",
)
def list_misconduct(
    candidate_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[MisconductRecordOut]:
    """Oldest first."""
    rows, nxt = svc.listing(uow, actor, candidate_id, cursor=cursor, limit=limit)
    no_store(response)
    return Page[MisconductRecordOut](
        items=[MisconductRecordOut.model_validate(r) for r in rows], next_cursor=nxt
    )
