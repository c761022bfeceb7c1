"""Apply a plan of effects to the loaded rows: the one place a standing changes.

Everything runs inside the caller's transaction; the caller writes the record entry and commits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.db import cases_repo as repo
from app.db.models import CaseCandidate, PositionOccupant
from app.db.uow import UnitOfWork
from app.domain.workflow import Standing
from app.domain.workflow.effects import KEEP, Plan
from app.domain.workflow.standings import check_move
from app.services import training
from app.services.cases.loading import Loaded
from app.services.context import Actor


def set_standing(
    cc: CaseCandidate, to: Standing, now: datetime, rule: str | None, reason: str | None
) -> None:
    """The only writer of `CaseCandidate.standing`."""
    check_move(Standing(cc.standing), to)
    cc.standing = to.value
    cc.updated_at = now
    if to.is_out:
        cc.out_rule, cc.out_reason = rule, reason


def apply(
    uow: UnitOfWork, actor: Actor, role: str, ld: Loaded, plan: Plan, now: datetime
) -> dict[str, Any]:
    """Apply `plan`; returns what changed, for the record entry."""
    moved: list[dict[str, Any]] = []
    for mv in plan.moves:
        cc, _ = ld.row(mv.candidate_id)
        if cc.standing == mv.to.value:
            continue
        moved.append({"candidate_id": mv.candidate_id, "from": cc.standing, "to": mv.to.value})
        set_standing(cc, mv.to, now, mv.rule, mv.reason)
    for cid, (exceptional, deferred) in plan.flags.items():
        cc, _ = ld.row(cid)
        cc.exceptional, cc.training_deferred = exceptional, deferred
    for cid, on in plan.appoint.items():
        _appoint(uow, actor, role, ld, cid, on, now)
    for cid, rule in plan.vacate.items():
        _vacate(uow, actor, role, ld, cid, rule, now)
    for cid, ends in plan.probation_ends.items():
        cc, c = ld.row(cid)
        cc.probation_ends = ends
        c.on_probation = True
        c.updated_at = now
    if plan.closes_at != KEEP:
        ld.case.closes_at = plan.closes_at if isinstance(plan.closes_at, datetime) else None
    out: dict[str, Any] = dict(plan.summary)
    if moved:
        out["standings"] = moved
    if plan.vacate:
        out["removed_from_post"] = sorted(plan.vacate)
    return out


def _appoint(
    uow: UnitOfWork, actor: Actor, role: str, ld: Loaded, cid: str, on: date, now: datetime
) -> None:
    cc, c = ld.row(cid)
    position = ld.position
    cc.appointed_on = on
    cc.previous_rank_level, cc.previous_rank_since = c.rank_level, c.rank_since
    cc.previous_org_unit, cc.previous_title = c.org_unit, c.current_title
    cc.previous_promotion_date = c.last_promotion_date
    required = ld.policy.training_hours_required
    if cc.training_deferred and c.training_hours_5y < required:
        # QUAL-TRAINING-DUE: completed within one year after the appointment, and tracked.
        deadline = training.create_deadline(
            uow,
            actor,
            role,
            candidate_id=c.id,
            case_id=ld.case.id,
            position_id=position.id,
            appointed_on=on,
            hours_required=required,
            hours_on_file=c.training_hours_5y,
            now=now,
        )
        cc.training_deadline = deadline.due_on
    uow.session.add(
        PositionOccupant(position_id=position.id, candidate_id=c.id, since=on, case_id=ld.case.id)
    )
    ld.occupied += 1
    if c.rank_level != position.rank_level:
        c.last_promotion_date = on
    c.rank_level, c.rank_since = position.rank_level, on
    c.org_unit, c.current_title = position.org_unit, position.title
    c.updated_at = now


def _vacate(
    uow: UnitOfWork, actor: Actor, role: str, ld: Loaded, cid: str, rule: str, now: datetime
) -> None:
    """Close the tenure this case created; back to the former rank; probation ends; a pending
    training deadline is cancelled."""
    cc, c = ld.row(cid)
    for occ in repo.open_tenures(uow.session, ld.case.id, c.id):
        occ.until = ld.snap.today
        ld.occupied -= 1
    # The cadre's file as it was before this case appointed them.
    c.rank_level, c.rank_since = cc.previous_rank_level, cc.previous_rank_since
    c.org_unit, c.current_title = cc.previous_org_unit or "", cc.previous_title or ""
    c.last_promotion_date = cc.previous_promotion_date
    c.on_probation = False
    c.updated_at = now
    if cc.training_deadline is not None:
        training.cancel_for_case(
            uow,
            actor,
            role,
            candidate_id=c.id,
            case_id=ld.case.id,
            reason=f"removed from the post ({rule})",
            now=now,
        )
        cc.training_deadline = None
