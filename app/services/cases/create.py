"""The motion (动议): starting a case, changing its plan, adding to the candidate pool."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.db import cases_repo as repo
from app.db.models import Candidate, Position, SelectionCase
from app.db.uow import UnitOfWork
from app.domain.errors import Conflict, InvalidInput, raise_if
from app.domain.guards.motion import headcount
from app.domain.workflow import Stage
from app.services import audit, case_members, policies, scope
from app.services.cases.loading import Loaded, get, load
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.retry import retry_transaction


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _ensure_candidates(uow: UnitOfWork, actor: Actor, ids: list[uuid.UUID]) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidInput("candidate_ids has duplicates")
    # A cadre outside the caller's scope is as unknown as a missing one.
    known = {
        i
        for i in repo.known_candidates(uow.session, ids)
        if scope.contains(uow.session, actor, Candidate, i)
    }
    missing = [str(i) for i in ids if i not in known]
    if missing:
        raise InvalidInput(f"unknown candidates: {', '.join(missing)}")


@retry_transaction
def create(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> Loaded:
    role = actor.role_for("cases.write")
    now = clock.now()
    position = uow.session.get(Position, data["position_id"])
    if position is None or not scope.contains(uow.session, actor, Position, position.id):
        raise InvalidInput(f"position {data['position_id']} does not exist")
    policy_row = policies.resolve(uow.session, data.pop("policy", None))
    free = position.headcount - repo.occupied(uow.session, position.id)
    raise_if(headcount(data["places"], free))
    pool_ids: list[uuid.UUID] = data.pop("candidate_ids", []) or []
    _ensure_candidates(uow, actor, pool_ids)
    if data.get("external_id") and repo.case_by_external_id(uow.session, data["external_id"]):
        raise Conflict(f"external_id {data['external_id']!r} is already used by another case")
    case = SelectionCase(
        title=data["title"],
        external_id=data.get("external_id"),
        position_id=position.id,
        policy_id=policy_row.id,
        method=data["method"],
        places=data["places"],
        stage=Stage.motion.value,
        motion=jsonable(data["motion"]),
        stage_entered={Stage.motion.value: {"at": now.isoformat(), "seq": 0}},
        created_by=actor.principal_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(case)
    uow.session.flush()
    audit.case_entry(
        uow.session,
        case,
        action="case.created",
        actor=actor,
        role=role,
        at=now,
        from_stage=None,
        rules=["MOT-PLAN", "HEADCOUNT", "REC-SCOPE"],
        payload={
            "position_id": str(position.id),
            "places": case.places,
            "method": case.method,
            "policy": f"{policy_row.name} v{policy_row.version}",
            "motion": case.motion,
        },
    )
    for cid in pool_ids:
        case_members.add_to_pool(uow, actor, role, case, cid, now)
    uow.session.flush()
    ld = load(uow, case, clock)
    uow.commit()
    return ld


@retry_transaction
def update_motion(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    if_match: str | None,
    changes: dict[str, Any],
) -> Loaded:
    """The plan may change only while it is a motion; later, the scope is amended by a fact."""
    role = actor.role_for("cases.write")
    case = get(uow, case_id, actor=actor, lock=True)
    require_match(if_match, case.version)
    if case.stage != Stage.motion:
        raise Conflict(
            "the motion can be changed only in the motion stage; amend the recommendation "
            "scope with POST .../scope-amendments",
            rule="MOT-PLAN",
        )
    if "title" in changes:
        case.title = changes.pop("title")
    if "places" in changes:
        position = uow.session.get(Position, case.position_id)
        assert position is not None
        raise_if(
            headcount(
                changes["places"], position.headcount - repo.occupied(uow.session, position.id)
            )
        )
        case.places = changes.pop("places")
    if "motion" in changes:
        case.motion = {**case.motion, **jsonable(changes.pop("motion"))}
    now = clock.now()
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action="motion.updated",
        actor=actor,
        role=role,
        at=now,
        rules=["MOT-PLAN", "HEADCOUNT", "REC-SCOPE"],
        payload={"motion": case.motion, "places": case.places, "title": case.title},
    )
    uow.session.flush()
    ld = load(uow, case, clock)
    uow.commit()
    return ld


@retry_transaction
def add_pool_member(
    uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> Loaded:
    role = actor.role_for("cases.write")
    case = get(uow, case_id, actor=actor, lock=True)
    _ensure_candidates(uow, actor, [candidate_id])
    now = clock.now()
    case_members.add_to_pool(uow, actor, role, case, candidate_id, now)
    case.updated_at = now
    uow.session.flush()
    ld = load(uow, case, clock)
    uow.commit()
    return ld
