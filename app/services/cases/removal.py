"""DISC-MISCONDUCT in the cases: disqualify where the cadre still stands, remove from the post
where an open case appointed them, and end the case when nobody it appointed is left."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.db import cases_repo as repo
from app.db.uow import UnitOfWork
from app.domain.workflow import IN_POST_STAGES, OPEN_STAGES, Standing
from app.domain.workflow.effects import removal
from app.domain.workflow.machine import spec_for
from app.services import audit
from app.services.cases.apply import apply
from app.services.cases.loading import get, load
from app.services.cases.transition import run
from app.services.context import Actor, Clock

RULE = "DISC-MISCONDUCT"


def apply_misconduct(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    clock: Clock,
    candidate_id: uuid.UUID,
    reason: str,
    now: datetime,
) -> list[uuid.UUID]:
    """Every open case of the cadre, in the caller's transaction; returns the affected ids."""
    affected: list[uuid.UUID] = []
    for case_id in repo.cases_of_candidate(uow.session, candidate_id, OPEN_STAGES):
        ld = load(uow, get(uow, case_id, actor=None, lock=True), clock)
        plan = removal(ld.snap, str(candidate_id), reason)
        if not plan.moves:
            continue
        effects = apply(uow, actor, role, ld, plan, now)
        ld.case.updated_at = now
        audit.case_entry(
            uow.session,
            ld.case,
            action=f"candidate.{plan.moves[0].to.value}",
            actor=actor,
            role=role,
            at=now,
            rules=[RULE],
            payload={"candidate_id": str(candidate_id), "reason": reason, **effects},
        )
        ld.refresh()
        if ld.case.stage in IN_POST_STAGES and not ld.snap.in_standing(Standing.APPOINTED):
            run(
                uow,
                actor,
                role,
                ld,
                spec_for("close_removed", ld.case.stage, system=True),
                reason,
                now,
            )
        affected.append(case_id)
    return affected
