"""Reading cases: one case with its snapshot, and the filtered list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from app.db import cases_repo as repo
from app.db.models import SelectionCase
from app.db.uow import UnitOfWork
from app.domain.workflow import Stage
from app.services import scope
from app.services.cases.loading import Loaded, get, load
from app.services.context import Actor, Clock
from app.services.pagination import ListOrders

# Publicity windows that have closed and probation terms that have run out wait for an action.
_DUE_STAGES = (Stage.publicity.value, Stage.probation.value)

ORDERS = ListOrders(
    "cases",
    SelectionCase.id,
    {
        "created_at": (SelectionCase.created_at,),
        "updated_at": (SelectionCase.updated_at,),
        "title": (SelectionCase.title,),
    },
)


def read(uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID) -> Loaded:
    actor.role_for("cases.read")
    return load(uow, get(uow, case_id, actor=actor, lock=False), clock)


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    sort: str | None = None,
    stage: Sequence[str] | None = None,
    external_id: str | None = None,
    position_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
    method: str | None = None,
    updated_after: datetime | None = None,
    due: bool | None = None,
    now: datetime | None = None,
) -> tuple[list[SelectionCase], str | None]:
    actor.role_for("cases.read")
    stmt = repo.list_stmt(
        stage=stage,
        external_id=external_id,
        position_id=position_id,
        candidate_id=candidate_id,
        method=method,
        updated_after=updated_after,
        due_at=now if due else None,
        due_stages=_DUE_STAGES,
    )
    stmt = scope.restrict(stmt, actor, SelectionCase)
    rows = list(uow.session.scalars(ORDERS.page(stmt, sort, cursor, limit)))
    return rows[:limit], ORDERS.next_cursor(rows, sort, limit)
