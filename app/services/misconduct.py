"""Misconduct on the cadre's file (DISC-MISCONDUCT): append-only, with its consequences.

Recording one, in the same transaction: the candidate is disqualified in every open case where
they still stand, removed from a post an open case gave them (the place freed, probation ended,
the former rank restored), and a reserve-pool membership is closed. Each consequence is recorded.
(EXCL-DISCIPLINE, which keeps the cadre from future inspection, is the qualification check's.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.db.models import Candidate, MisconductRecord
from app.db.uow import UnitOfWork
from app.domain.enums import MisconductKind
from app.domain.errors import InvalidInput, NotFound
from app.services import audit, reserve_pool, scope
from app.services.cases import removal
from app.services.context import Actor, Clock
from app.services.pagination import encode_cursor, paginate

RULE = "DISC-MISCONDUCT"


@dataclass
class MisconductOutcome:
    record: MisconductRecord
    affected_case_ids: list[uuid.UUID] = field(default_factory=list)
    pool_entry_closed: bool = False


def record(
    uow: UnitOfWork, actor: Actor, clock: Clock, candidate_id: uuid.UUID, data: dict[str, Any]
) -> MisconductOutcome:
    role = actor.role_for("misconduct.write")
    if reserve_pool.lock_candidate(uow, candidate_id) is None:
        raise NotFound(f"candidate {candidate_id} not found")
    scope.require(uow.session, actor, Candidate, candidate_id)
    today = clock.today()
    if data["occurred_on"] > today:
        raise InvalidInput(
            f"occurred_on {data['occurred_on'].isoformat()} is in the future "
            f"(today is {today.isoformat()} in China)"
        )
    kind = MisconductKind(data["kind"])
    now = clock.now()
    assert actor.principal_id is not None
    row = MisconductRecord(
        candidate_id=candidate_id,
        kind=kind.value,
        occurred_on=data["occurred_on"],
        description=data["description"],
        source=data["source"],
        recorded_by=actor.principal_id,
        recorded_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=candidate_id,
        action="misconduct.recorded",
        actor=actor,
        role=role,
        at=now,
        rules=[RULE],
        payload={
            "misconduct_id": str(row.id),
            "kind": kind.value,
            "occurred_on": row.occurred_on.isoformat(),
            "source": row.source,
        },
    )
    reason = f"misconduct recorded ({kind.value}, {row.occurred_on.isoformat()}; id {row.id})"
    affected = removal.apply_misconduct(uow, actor, role, clock, candidate_id, reason, now)
    closed = reserve_pool.close_open_entry(
        uow,
        actor,
        role,
        candidate_id,
        reason=reason,
        rule=RULE,
        now=now,
        payload={"misconduct_id": str(row.id)},
    )
    outcome = MisconductOutcome(
        record=row, affected_case_ids=affected, pool_entry_closed=closed is not None
    )
    uow.commit()
    return outcome


def listing(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[MisconductRecord], str | None]:
    """The candidate's misconduct records, oldest first."""
    actor.role_for("misconduct.read")
    if uow.session.get(Candidate, candidate_id) is None:
        raise NotFound(f"candidate {candidate_id} not found")
    scope.require(uow.session, actor, Candidate, candidate_id)
    stmt = select(MisconductRecord).where(MisconductRecord.candidate_id == candidate_id)
    rows = list(
        uow.session.scalars(
            paginate(stmt, MisconductRecord.recorded_at, MisconductRecord.id, cursor, limit)
        )
    )
    nxt = (
        encode_cursor(rows[limit - 1].recorded_at, rows[limit - 1].id)
        if len(rows) > limit
        else None
    )
    return rows[:limit], nxt
