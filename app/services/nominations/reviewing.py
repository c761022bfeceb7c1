"""The organisation department's review (分析研判): start it, then admit the nominee to a case's
candidate pool (纳入人选库) or decline the nomination (不予采纳) with the reason.

Admission is never a shortcut: the nominee enters the pool and every normal stage follows.
"""

from __future__ import annotations

import uuid

from app.db import nominations_repo as repo
from app.db.nomination_models import Nomination
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.domain.errors import InvalidInput
from app.services import case_members
from app.services.context import Actor, Clock
from app.services.nominations.common import NominationView, record, views, visible_row


def _row_for(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID, step: domain.ReviewStep
) -> Nomination:
    """The nomination, locked, if `step` is allowed from its status."""
    row = visible_row(uow, actor, nomination_id, lock=True)
    domain.check_review_step(domain.NominationStatus(row.status), step)
    return row


def review(uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID) -> NominationView:
    """The organisation department starts its analysis (分析研判)."""
    role = actor.role_for("nominations.review")
    row = _row_for(uow, actor, nomination_id, domain.REVIEW)
    previous = row.status
    row.status = domain.REVIEW.to.value
    row.updated_at = clock.now()
    record(uow, actor, role, row, "nomination.review_started", from_status=previous)
    view = views(uow, [row])[0]
    uow.commit()
    return view


def admit(
    uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID, case_id: uuid.UUID
) -> NominationView:
    """Admit the nominee to a case's candidate pool (while the pool is open)."""
    role = actor.role_for("nominations.review")
    row = _row_for(uow, actor, nomination_id, domain.ADMIT)
    if not repo.case_exists(uow.session, case_id):
        raise InvalidInput(f"case {case_id} does not exist")
    case = case_members.lock_case(uow, case_id)
    now = clock.now()
    case_members.add_to_pool(uow, actor, role, case, row.candidate_id, now, nomination_id=row.id)
    previous = row.status
    row.status = domain.ADMIT.to.value
    row.case_id = case.id
    row.decided_at = now
    row.updated_at = now
    record(
        uow,
        actor,
        role,
        row,
        "nomination.admitted",
        from_status=previous,
        case_id=case.id,
        payload={"case_id": str(case.id), "candidate_id": str(row.candidate_id)},
    )
    view = views(uow, [row])[0]
    uow.commit()
    return view


def decline(
    uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID, reason: str
) -> NominationView:
    """The organisation department does not take the nomination up (with the reason)."""
    role = actor.role_for("nominations.review")
    row = _row_for(uow, actor, nomination_id, domain.DECLINE)
    previous = row.status
    now = clock.now()
    row.status = domain.DECLINE.to.value
    row.decline_reason = reason
    row.decided_at = now
    row.updated_at = now
    record(
        uow,
        actor,
        role,
        row,
        "nomination.declined",
        from_status=previous,
        payload={"reason": reason},
    )
    view = views(uow, [row])[0]
    uow.commit()
    return view
