"""Forwarding self-nominations (转递自荐材料) and the interception list (截留), NOM-SELF-FORWARD.

A self-nomination lodged with the unit party leader waits there until that leader forwards it to
the organisation department. Forwarding after the deadline is still allowed and marked
`forwarded_late`; until it happens, the nomination is on the interception list from the day after
the deadline. A pending deadline (its year's schedule not loaded yet) is not late: such a
nomination is neither intercepted nor forwarded late until the deadline is filled in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from app.db import nominations_repo as repo
from app.db.nomination_models import Nomination
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.services import access_log, scope
from app.services.context import Actor, Clock
from app.services.nominations.common import (
    NominationView,
    facts_of,
    reader_of,
    record,
    visible_row,
)
from app.services.pagination import decode_cursor, encode_cursor


@dataclass
class InterceptedView:
    """A self-nomination the unit party leader has not forwarded in time (NOM-SELF-FORWARD)."""

    id: uuid.UUID
    leader_id: uuid.UUID
    leader_name: str
    lodged_at: datetime
    forward_deadline: date
    days_overdue: int
    candidate_id: uuid.UUID | None  # None: the caller may not see the nominee


def forward(
    uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID
) -> NominationView:
    """The unit party leader forwards the self-nomination to the organisation department."""
    role = actor.role_for("nominations.forward")
    row = visible_row(uow, actor, nomination_id, lock=True)
    domain.check_forward(facts_of(row), actor.principal_id)
    previous = row.status
    now = clock.now()
    row.status = domain.NominationStatus.FORWARDED.value
    row.forwarded_at = now
    row.forwarded_late = domain.is_late(row.forward_deadline, clock.today())
    row.updated_at = now
    record(
        uow,
        actor,
        role,
        row,
        "nomination.forwarded",
        from_status=previous,
        rules=domain.FORWARD_RULES,
        payload={
            "forward_deadline": row.forward_deadline.isoformat() if row.forward_deadline else None,
            "late": row.forwarded_late,
            # Forwarded before its deadline could be computed: judged when the year is loaded.
            **({"deadline_pending": True} if row.deadline_pending else {}),
        },
    )
    view = NominationView(row=row)
    uow.commit()
    return view


def intercepted(
    uow: UnitOfWork, actor: Actor, clock: Clock, *, cursor: str | None, limit: int
) -> tuple[list[InterceptedView], str | None]:
    """Self-nominations still with a unit party leader after their forward deadline, oldest
    first. Oversight watches the leader: the nominee is shown only to those who may see the
    self-nomination itself (NOM-SELF-CONFIDENTIAL)."""
    actor.role_for("nominations.intercepted")
    today = clock.today()
    reader = reader_of(actor)
    rows = repo.waiting_past(
        uow.session,
        domain.latest_overdue_deadline(today),
        after=decode_cursor(cursor) if cursor else None,
        limit=limit,
        within=scope.clause(actor, Nomination),
    )
    nxt = (
        encode_cursor(rows[limit - 1][0].created_at, rows[limit - 1][0].id)
        if len(rows) > limit
        else None
    )
    out = []
    for row, leader_name in rows[:limit]:
        assert row.forward_deadline is not None
        assert row.leader_id is not None
        hidden = domain.confidentiality_violations(reader, facts_of(row))
        out.append(
            InterceptedView(
                id=row.id,
                leader_id=row.leader_id,
                leader_name=leader_name,
                lodged_at=row.created_at,
                forward_deadline=row.forward_deadline,
                days_overdue=domain.days_overdue(row.forward_deadline, today),
                candidate_id=None if hidden else row.candidate_id,
            )
        )
    # Naming the nominee discloses the self-nomination: logged like reading it.
    access_log.log_reads(
        uow, actor, access_log.NOMINATION, (v.id for v in out if v.candidate_id is not None)
    )
    return out, nxt
