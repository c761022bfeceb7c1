"""Admission to a case's candidate pool, shared by the workflow and the nominations use cases."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from app.db.models import CaseCandidate, SelectionCase
from app.db.uow import UnitOfWork
from app.domain.errors import Conflict, NotFound
from app.domain.workflow import POOL_STAGES, Standing
from app.services import audit
from app.services.context import Actor


def lock_case(uow: UnitOfWork, case_id: uuid.UUID) -> SelectionCase:
    """Load a case for change: SELECT ... FOR UPDATE on PostgreSQL (SQLite holds the write
    lock from BEGIN IMMEDIATE already)."""
    stmt = select(SelectionCase).where(SelectionCase.id == case_id)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    case = uow.session.scalars(stmt).first()
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def add_to_pool(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    case: SelectionCase,
    candidate_id: uuid.UUID,
    now: datetime,
    nomination_id: uuid.UUID | None = None,
) -> CaseCandidate:
    """Admit a candidate to the case's candidate pool (only while the pool is open)."""
    if case.stage not in POOL_STAGES:
        raise Conflict(
            f"the candidate pool is closed in stage {case.stage!r}; it is open in "
            + ", ".join(sorted(POOL_STAGES)),
            rule="REC-REQUIRED",
        )
    existing = uow.session.scalars(
        select(CaseCandidate).where(
            CaseCandidate.case_id == case.id, CaseCandidate.candidate_id == candidate_id
        )
    ).first()
    if existing is not None:
        raise Conflict("the candidate is already in this case")
    member = CaseCandidate(
        case_id=case.id,
        candidate_id=candidate_id,
        nomination_id=nomination_id,
        standing=Standing.POOL,
        added_at=now,
        updated_at=now,
    )
    uow.session.add(member)
    audit.case_entry(
        uow.session,
        case,
        action="pool.added",
        actor=actor,
        role=role,
        at=now,
        payload={
            "candidate_id": str(candidate_id),
            "nomination_id": str(nomination_id) if nomination_id else None,
        },
    )
    return member
