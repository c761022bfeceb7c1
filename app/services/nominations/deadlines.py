"""Pending forward deadlines (NOM-SELF-FORWARD) filled in once their year's schedule is known.

A self-nomination lodged with the unit party leader in late December may have its deadline in a
year whose official schedule is not published yet: it is lodged with `deadline_pending` and no
deadline, never refused. Loading that year (`app.services.calendar.load`, in the same
transaction), or starting with a chinesecalendar release that covers it, fills the deadline in;
each one gets a record (纪实) entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db import nominations_repo as repo
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.domain.calendar import CHINA_TZ
from app.services import policies
from app.services.context import Actor
from app.services.nominations.common import record


def fill_pending(uow: UnitOfWork, actor: Actor, role: str, at: datetime) -> int:
    """Compute every pending deadline the known schedules now allow; returns how many. The
    caller commits (and holds the calendar lock, see calendar_repo.lock)."""
    filled = 0
    for row, policy in repo.pending_deadlines(uow.session):
        forwarded_on = row.forwarded_at.astimezone(CHINA_TZ).date() if row.forwarded_at else None
        settled = domain.settle_deadline(
            row.created_at.astimezone(CHINA_TZ).date(),
            policies.params_of(policy).self_nomination_forward_days,
            forwarded_on,
        )
        if settled is None:
            continue  # its year is still not known
        row.forward_deadline = settled.deadline
        row.deadline_pending = False
        payload: dict[str, Any] = {"forward_deadline": settled.deadline.isoformat()}
        if settled.forwarded_late is not None:
            row.forwarded_late = settled.forwarded_late
            payload["late"] = settled.forwarded_late
        row.updated_at = at
        record(
            uow,
            actor,
            role,
            row,
            "nomination.deadline_set",
            from_status=row.status,
            rules=domain.FORWARD_RULES,
            payload=payload,
        )
        filled += 1
    return filled
