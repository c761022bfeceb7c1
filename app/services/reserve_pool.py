"""Use cases of the reserve pool (后备干部库): add, remove, list; removal closes the row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.db.models import Candidate, ReservePoolEntry
from app.db.uow import UnitOfWork
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.services import audit, scope
from app.services.context import Actor, Clock
from app.services.pagination import encode_cursor, paginate


@dataclass
class PoolMemberView:
    entry: ReservePoolEntry
    candidate_name: str


def lock_candidate(uow: UnitOfWork, candidate_id: uuid.UUID) -> Candidate | None:
    """The candidate row, locked on PostgreSQL: it orders the writers of the candidate's record
    (pool membership, misconduct). SQLite holds the write lock from BEGIN IMMEDIATE already."""
    stmt = select(Candidate).where(Candidate.id == candidate_id)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    return uow.session.scalars(stmt).first()


def open_entry(uow: UnitOfWork, candidate_id: uuid.UUID) -> ReservePoolEntry | None:
    return uow.session.scalars(
        select(ReservePoolEntry)
        .where(ReservePoolEntry.candidate_id == candidate_id, ReservePoolEntry.removed_at.is_(None))
        .order_by(ReservePoolEntry.added_at.desc())
        .limit(1)
    ).first()


def close_open_entry(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    candidate_id: uuid.UUID,
    *,
    reason: str,
    rule: str | None,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> ReservePoolEntry | None:
    """Close the candidate's open membership, if any, and record it; the caller holds the
    candidate's lock and commits. Returns the closed entry (None: not a member)."""
    entry = open_entry(uow, candidate_id)
    if entry is None:
        return None
    entry.removed_at = now
    entry.removed_reason = reason
    entry.removed_rule = rule
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=candidate_id,
        action="reserve_pool.removed",
        actor=actor,
        role=role,
        at=now,
        rules=[rule] if rule else [],
        payload={
            "entry_id": str(entry.id),
            "category": entry.category,
            "reason": reason,
            **(payload or {}),
        },
    )
    return entry


def add(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> PoolMemberView:
    """Enrol a cadre in the reserve pool; an open member cannot be enrolled twice."""
    role = actor.role_for("pool.write")
    candidate_id: uuid.UUID = data["candidate_id"]
    candidate = lock_candidate(uow, candidate_id)
    if candidate is None or not scope.contains(uow.session, actor, Candidate, candidate_id):
        raise InvalidInput(f"candidate {candidate_id} does not exist")
    current = open_entry(uow, candidate_id)
    if current is not None:
        raise Conflict(
            f"the candidate is already in the reserve pool ({current.category!r}, since "
            f"{current.added_at.date().isoformat()}); remove them first to change the category"
        )
    now = clock.now()
    assert actor.principal_id is not None
    entry = ReservePoolEntry(
        candidate_id=candidate_id,
        category=data["category"],
        reason=data.get("reason") or "",
        added_at=now,
        added_by=actor.principal_id,
    )
    uow.session.add(entry)
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=candidate_id,
        action="reserve_pool.added",
        actor=actor,
        role=role,
        at=now,
        payload={"entry_id": str(entry.id), "category": entry.category, "reason": entry.reason},
    )
    view = PoolMemberView(entry=entry, candidate_name=candidate.name)
    uow.commit()
    return view


def remove(
    uow: UnitOfWork, actor: Actor, clock: Clock, candidate_id: uuid.UUID, reason: str
) -> PoolMemberView:
    """Take a cadre out of the reserve pool (the membership row is closed, never deleted)."""
    role = actor.role_for("pool.write")
    candidate = lock_candidate(uow, candidate_id)
    if candidate is None:
        raise NotFound(f"candidate {candidate_id} not found")
    scope.require(uow.session, actor, Candidate, candidate_id)
    entry = close_open_entry(
        uow, actor, role, candidate_id, reason=reason, rule=None, now=clock.now()
    )
    if entry is None:
        raise Conflict("the candidate is not in the reserve pool")
    view = PoolMemberView(entry=entry, candidate_name=candidate.name)
    uow.commit()
    return view


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    category: str | None = None,
) -> tuple[list[PoolMemberView], str | None]:
    """Open members, oldest enrolment first."""
    actor.role_for("pool.read")
    stmt = (
        select(ReservePoolEntry, Candidate.name)
        .join(Candidate, Candidate.id == ReservePoolEntry.candidate_id)
        .where(ReservePoolEntry.removed_at.is_(None))
    )
    stmt = scope.restrict(stmt, actor, Candidate)
    if category:
        stmt = stmt.where(ReservePoolEntry.category == category)
    rows = list(
        uow.session.execute(
            paginate(stmt, ReservePoolEntry.added_at, ReservePoolEntry.id, cursor, limit)
        ).all()
    )
    nxt = (
        encode_cursor(rows[limit - 1][0].added_at, rows[limit - 1][0].id)
        if len(rows) > limit
        else None
    )
    return [PoolMemberView(entry=e, candidate_name=n) for e, n in rows[:limit]], nxt
