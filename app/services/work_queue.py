"""The organisation department's work queue: every dated thing that waits for it, soonest first.

Publicity windows closing and probation terms ending (the case's `closes_at`, the same as the
due list `GET /cases?due=true`), training deadlines deferred at appointment (QUAL-TRAINING-DUE,
outstanding ones) and forward deadlines of self-nominations still with the unit party leader
(NOM-SELF-FORWARD). Items already past their date stay in the queue, marked `overdue`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, select, true

from app.db.models import Candidate, Position, SelectionCase
from app.db.nomination_models import Nomination
from app.db.training_models import TrainingDeadline
from app.db.uow import UnitOfWork
from app.domain.calendar import CHINA_TZ
from app.domain.nominations import NominationKind, NominationStatus
from app.domain.workflow import Stage
from app.services import scope
from app.services.context import Actor, Clock

KINDS = ("publicity_closes", "probation_ends", "training_due", "forward_due")


@dataclass(frozen=True)
class Item:
    kind: str
    date: date
    overdue: bool
    title: str
    case_id: uuid.UUID | None = None
    nomination_id: uuid.UUID | None = None
    candidate_id: uuid.UUID | None = None
    training_deadline_id: uuid.UUID | None = None


def _in_scope(actor: Actor, entity: scope.Owned) -> ColumnElement[bool]:
    """The caller's management authority (app/services/scope.py); true when unrestricted."""
    cond = scope.clause(actor, entity)
    return true() if cond is None else cond


def queue(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    *,
    within_days: int | None = None,
    kinds: frozenset[str] | None = None,
) -> list[Item]:
    actor.role_for("work_queue.read")
    today = clock.today()
    until = today + timedelta(days=within_days) if within_days is not None else None
    wanted = kinds or frozenset(KINDS)
    s = uow.session
    items: list[Item] = []

    if wanted & {"publicity_closes", "probation_ends"}:
        rows = s.execute(
            select(SelectionCase.id, SelectionCase.stage, SelectionCase.closes_at, Position.title)
            .join(Position, Position.id == SelectionCase.position_id)
            .where(
                SelectionCase.closes_at.is_not(None),
                SelectionCase.stage.in_((Stage.publicity.value, Stage.probation.value)),
            )
            .where(_in_scope(actor, Position))
        ).all()
        for cid, stage, closes_at, title in rows:
            kind = "publicity_closes" if stage == Stage.publicity.value else "probation_ends"
            # closes_at is the first instant after the window (China midnight): the last day
            # of the window or term is the day before for publicity, the day itself otherwise.
            if closes_at is None:
                continue
            day = closes_at.astimezone(CHINA_TZ).date()
            if kind == "publicity_closes":
                day -= timedelta(days=1)
            if kind in wanted:
                items.append(Item(kind, day, day < today, title, case_id=cid))

    if "training_due" in wanted:
        rows2 = s.execute(
            select(TrainingDeadline, Candidate.name)
            .join(Candidate, Candidate.id == TrainingDeadline.candidate_id)
            .where(TrainingDeadline.completed_on.is_(None), TrainingDeadline.cancelled_at.is_(None))
            .where(_in_scope(actor, Candidate))
        ).all()
        for d, name in rows2:
            items.append(
                Item(
                    "training_due",
                    d.due_on,
                    d.due_on < today,
                    f"{name}: {d.hours_required} training hours",
                    case_id=d.case_id,
                    candidate_id=d.candidate_id,
                    training_deadline_id=d.id,
                )
            )

    if "forward_due" in wanted:
        rows3 = s.execute(
            select(Nomination, Candidate.name)
            .join(Candidate, Candidate.id == Nomination.candidate_id)
            .where(
                Nomination.kind == NominationKind.SELF.value,
                Nomination.status == NominationStatus.LODGED.value,
                Nomination.forward_deadline.is_not(None),
            )
            .where(_in_scope(actor, Nomination))
        ).all()
        for n, name in rows3:
            assert n.forward_deadline is not None
            items.append(
                Item(
                    "forward_due",
                    n.forward_deadline,
                    n.forward_deadline < today,
                    f"{name}: self-nomination to be forwarded",
                    nomination_id=n.id,
                    candidate_id=n.candidate_id,
                )
            )

    if until is not None:
        items = [i for i in items if i.date <= until]
    items.sort(key=lambda i: (i.date, KINDS.index(i.kind), str(i.case_id or i.nomination_id)))
    return items
