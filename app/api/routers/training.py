"""/api/v1/training-deadlines: training deferred at appointment (QUAL-TRAINING-DUE).

A cadre appointed without the required training hours (QUAL-TRAINING) must make them up within
one year; the case workflow creates the deadline at appointment and cancels it when the
appointee leaves the post. Here they are listed, read and completed.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import LIMIT_DESCRIPTION, Date, Page
from app.api.schemas.training import TrainingCompletionIn, TrainingDeadlineOut
from app.domain.training import TrainingStatusFilter
from app.services import training as svc

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/training-deadlines",
    tags=["training-deadlines"],
    responses=PROBLEMS,
)


def to_out(view: svc.DeadlineView) -> TrainingDeadlineOut:
    r = view.row
    return TrainingDeadlineOut(
        id=r.id,
        candidate_id=r.candidate_id,
        candidate_name=view.candidate_name,
        case_id=r.case_id,
        position_id=r.position_id,
        position_title=view.position_title,
        due_on=r.due_on,
        hours_required=r.hours_required,
        hours_on_file=r.hours_on_file,
        hours_missing=view.hours_missing,
        status=view.status,
        created_at=r.created_at,
        completed_on=r.completed_on,
        completed_hours=r.completed_hours,
        completion_note=r.completion_note,
        completed_by=r.completed_by,
        cancelled_at=r.cancelled_at,
        cancelled_reason=r.cancelled_reason,
    )


@router.get(
    "",
    operation_id="listTrainingDeadlines",
    summary="List training deadlines (提任后一年内完成培训)",
)
def list_training_deadlines(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[
        TrainingStatusFilter | None,
        Query(
            description="open: outstanding, not yet overdue (due soon included); overdue: "
            "outstanding with due_on before today in China; completed; cancelled"
        ),
    ] = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    due_before: Annotated[
        Date | None, Query(description="Only deadlines with due_on earlier than this date")
    ] = None,
) -> Page[TrainingDeadlineOut]:
    """Soonest due first (then by id). `status=overdue` is the report of deadlines missed."""
    views, nxt = svc.listing(
        uow,
        actor,
        clock,
        cursor=cursor,
        limit=limit,
        status=status,
        candidate_id=candidate_id,
        case_id=case_id,
        due_before=due_before,
    )
    no_store(response)
    return Page[TrainingDeadlineOut](items=[to_out(v) for v in views], next_cursor=nxt)


@router.get(
    "/{deadline_id}",
    operation_id="getTrainingDeadline",
    summary="Read a training deadline",
)
def get_training_deadline(
    deadline_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> TrainingDeadlineOut:
    view = svc.read(uow, actor, clock, deadline_id)
    no_store(response)
    return to_out(view)


@router.post(
    "/{deadline_id}/completion",
    operation_id="completeTrainingDeadline",
    summary="Record the training made up",
)
def complete_training_deadline(
    deadline_id: uuid.UUID,
    body: TrainingCompletionIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> TrainingDeadlineOut:
    """Close the deadline with the hours completed and the evidence, recorded on the cadre's
    record. 422 when completed_on is after today (China) or before the deadline was created, or
    when the hours on file plus `hours` fall short of the requirement (rule QUAL-TRAINING); 409
    when the deadline is already completed or was cancelled."""
    view = svc.complete(
        uow,
        actor,
        clock,
        deadline_id,
        completed_on=body.completed_on,
        hours=body.hours,
        note=body.note,
    )
    no_store(response)
    return to_out(view)
