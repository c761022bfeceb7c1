"""Transitions: lock, check the ETag, let the machine decide, apply the effects, record, commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.db.uow import UnitOfWork
from app.domain.errors import AllowedAction, Violation
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow import Stage
from app.domain.workflow.actions import ActionSpec, actions_from
from app.domain.workflow.machine import evaluate, fire, spec_for
from app.services import audit
from app.services.cases.apply import apply
from app.services.cases.loading import Loaded, entry, get, load
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.retry import retry_transaction

_CLOSING = frozenset({Stage.withdrawn.value, Stage.void.value, Stage.not_appointed.value})


@dataclass
class TransitionOutcome:
    loaded: Loaded
    action: str
    from_stage: str
    to_stage: str
    executed: bool
    violations: list[Violation]


def allowed_actions(snap: CaseSnapshot) -> list[AllowedAction]:
    """What the client may do next, each with the rules that block it now (reason aside)."""
    out: list[AllowedAction] = []
    for spec in actions_from(snap.stage):
        blocking = spec.guard(snap)
        out.append(AllowedAction(spec.name, spec.dest.value, not blocking, blocking))
    return out


def run(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    ld: Loaded,
    spec: ActionSpec,
    reason: str | None,
    now: datetime,
) -> tuple[str, str]:
    """Fire `spec` on the loaded case (the machine decides), apply its effects and record it."""
    case = ld.case
    before, after = fire(case, spec.name, ld.snap, reason)
    effects = apply(uow, actor, role, ld, spec.effect(ld.snap, reason), now)
    if not spec.resumes:
        case.stage_entered = {**(case.stage_entered or {}), after: entry(now, ld.facts)}
    if after in _CLOSING:
        case.closed_reason = reason
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action=f"transition.{spec.name}",
        actor=actor,
        role=role,
        at=now,
        from_stage=before,
        to_stage=after,
        rules=list(spec.all_rules),
        payload={"reason": reason, **effects},
        locked=True,
    )
    ld.refresh()
    return before, after


@retry_transaction
def transition(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    action: str,
    reason: str | None,
    if_match: str | None,
    validate_only: bool,
) -> TransitionOutcome:
    case = get(uow, case_id, actor=actor, lock=not validate_only)
    spec = spec_for(action, case.stage)
    role = actor.role_for(spec.permission)
    if not validate_only:
        require_match(if_match, case.version)
    ld = load(uow, case, clock)
    if validate_only:
        found = evaluate(spec, ld.snap, reason)
        return TransitionOutcome(ld, action, case.stage, spec.dest.value, False, found)
    before, after = run(uow, actor, role, ld, spec, reason, clock.now())
    uow.session.flush()
    uow.commit()
    return TransitionOutcome(ld, action, before, after, True, [])
