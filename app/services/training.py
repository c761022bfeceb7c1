"""Training deadlines deferred at appointment (QUAL-TRAINING-DUE): create, cancel, complete, list.

`create_deadline` and `cancel_for_case` are steps of the case workflow: they run in the
caller's transaction, under the role the caller was granted, and never commit. `complete`,
`listing` and `read` are use cases of their own.

Every writer of a deadline locks the cadre's row first (reserve_pool.lock_candidate): it orders
the writers of the deadline and of the cadre's record (纪实), where each change is entered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, and_, or_, select

from app.db.models import Candidate, Position, SelectionCase
from app.db.training_models import TrainingDeadline
from app.db.uow import UnitOfWork
from app.domain import training
from app.domain.calendar import CHINA_TZ
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.training import TrainingDeadlineStatus, TrainingStatusFilter
from app.services import audit, scope
from app.services.context import Actor, Clock
from app.services.pagination import decode_cursor, encode_cursor
from app.services.reserve_pool import lock_candidate
from app.services.retry import retry_transaction

RULES = ("QUAL-TRAINING", "QUAL-TRAINING-DUE")


@dataclass(frozen=True)
class DeadlineView:
    row: TrainingDeadline
    status: TrainingDeadlineStatus
    candidate_name: str
    position_title: str

    @property
    def hours_missing(self) -> int:
        return training.hours_missing(self.row.hours_required, self.row.hours_on_file)


@dataclass(frozen=True)
class OutstandingDeadline:
    """An open, due-soon or overdue deadline, as shown on the cadre."""

    id: uuid.UUID
    case_id: uuid.UUID
    position_id: uuid.UUID
    due_on: date
    hours_required: int
    hours_on_file: int
    hours_missing: int
    status: TrainingDeadlineStatus
    created_at: datetime


def status_of(row: TrainingDeadline, today: date) -> TrainingDeadlineStatus:
    return training.status_on(
        row.due_on,
        today,
        completed_on=row.completed_on,
        cancelled=row.cancelled_at is not None,
    )


def _payload(row: TrainingDeadline, **extra: Any) -> dict[str, Any]:
    return {
        "deadline_id": str(row.id),
        "case_id": str(row.case_id),
        "position_id": str(row.position_id),
        "due_on": row.due_on.isoformat(),
        "hours_required": row.hours_required,
        "hours_on_file": row.hours_on_file,
        **extra,
    }


# --- steps of the case workflow (caller's transaction, caller commits) ------------------------


def create_deadline(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    *,
    candidate_id: uuid.UUID,
    case_id: uuid.UUID,
    position_id: uuid.UUID,
    appointed_on: date,
    hours_required: int,
    hours_on_file: int,
    now: datetime,
) -> TrainingDeadline:
    """Track the training deferred at appointment: due 12 months after `appointed_on`.

    Refused when the hours on file meet the requirement (nothing is deferred), when the case is
    not for that position, or when the cadre already has a live deadline from the same case.
    """
    training.check_deferral(hours_required, hours_on_file)
    if lock_candidate(uow, candidate_id) is None:
        raise InvalidInput(f"candidate {candidate_id} does not exist")
    case = uow.session.get(SelectionCase, case_id)
    if case is None:
        raise InvalidInput(f"case {case_id} does not exist")
    if case.position_id != position_id:
        raise InvalidInput(f"case {case_id} is not for position {position_id}")
    live = uow.session.scalars(
        select(TrainingDeadline.id).where(
            TrainingDeadline.candidate_id == candidate_id,
            TrainingDeadline.case_id == case_id,
            TrainingDeadline.cancelled_at.is_(None),
        )
    ).first()
    if live is not None:
        raise Conflict(
            f"the cadre already has training deadline {live} from this case",
            rule="QUAL-TRAINING-DUE",
        )
    row = TrainingDeadline(
        candidate_id=candidate_id,
        case_id=case_id,
        position_id=position_id,
        due_on=training.deadline_for(appointed_on),
        hours_required=hours_required,
        hours_on_file=hours_on_file,
        created_at=now,
        completion_note="",
    )
    uow.session.add(row)
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=candidate_id,
        case_id=case_id,
        action="training.deadline_created",
        actor=actor,
        role=role,
        at=now,
        rules=list(RULES),
        payload=_payload(
            row,
            appointed_on=appointed_on.isoformat(),
            hours_missing=training.hours_missing(hours_required, hours_on_file),
        ),
    )
    return row


def cancel_for_case(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    *,
    candidate_id: uuid.UUID,
    case_id: uuid.UUID,
    reason: str,
    now: datetime,
) -> TrainingDeadline | None:
    """The appointee left the post of `case_id` (probation failed, decision void, misconduct):
    the outstanding deadline from that case is cancelled and recorded. A completed deadline is
    kept as it is. Returns the cancelled deadline (None: there was none outstanding)."""
    if not reason.strip():
        raise InvalidInput("a cancellation needs a reason")
    if lock_candidate(uow, candidate_id) is None:
        return None
    row = uow.session.scalars(
        select(TrainingDeadline)
        .where(
            TrainingDeadline.candidate_id == candidate_id,
            TrainingDeadline.case_id == case_id,
            TrainingDeadline.completed_on.is_(None),
            TrainingDeadline.cancelled_at.is_(None),
        )
        .order_by(TrainingDeadline.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    row.cancelled_at = now
    row.cancelled_reason = reason
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=candidate_id,
        case_id=case_id,
        action="training.deadline_cancelled",
        actor=actor,
        role=role,
        at=now,
        rules=list(RULES),
        payload=_payload(row, reason=reason),
    )
    return row


# --- use cases ------------------------------------------------------------------------------


def _joined() -> Select[TrainingDeadline, str, str]:
    return (
        select(TrainingDeadline, Candidate.name, Position.title)
        .join(Candidate, Candidate.id == TrainingDeadline.candidate_id)
        .join(Position, Position.id == TrainingDeadline.position_id)
    )


def _load(uow: UnitOfWork, actor: Actor, deadline_id: uuid.UUID, today: date) -> DeadlineView:
    """The deadline, if its cadre lies in the actor's scope (else the same 404 as a missing id)."""
    stmt = scope.restrict(_joined(), actor, Candidate).where(TrainingDeadline.id == deadline_id)
    found = uow.session.execute(stmt).first()
    if found is None:
        raise NotFound(f"training deadline {deadline_id} not found")
    row, name, title = found
    return DeadlineView(
        row=row, status=status_of(row, today), candidate_name=name, position_title=title
    )


@retry_transaction
def complete(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    deadline_id: uuid.UUID,
    *,
    completed_on: date,
    hours: int,
    note: str,
) -> DeadlineView:
    """Record the training made up. 409 when cancelled or already completed; 422 when the date
    is in the future or before the deadline was created, or the hours fall short (QUAL-TRAINING).
    """
    role = actor.role_for("training.write")
    row = uow.session.get(TrainingDeadline, deadline_id)
    if row is None or not scope.contains(uow.session, actor, Candidate, row.candidate_id):
        raise NotFound(f"training deadline {deadline_id} not found")
    lock_candidate(uow, row.candidate_id)
    uow.session.refresh(row)  # as of the lock: the other writers hold it too
    if row.cancelled_at is not None:
        raise Conflict(
            f"the deadline was cancelled on {row.cancelled_at.astimezone(CHINA_TZ).date()}: "
            f"{row.cancelled_reason}"
        )
    if row.completed_on is not None:
        raise Conflict(f"the deadline was already completed on {row.completed_on.isoformat()}")
    today = clock.today()
    training.check_completion(
        today=today,
        created_on=row.created_at.astimezone(CHINA_TZ).date(),
        completed_on=completed_on,
        hours_required=row.hours_required,
        hours_on_file=row.hours_on_file,
        hours=hours,
    )
    now = clock.now()
    row.completed_on = completed_on
    row.completed_hours = hours
    row.completion_note = note
    row.completed_by = actor.principal_id
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=row.candidate_id,
        case_id=row.case_id,
        action="training.deadline_completed",
        actor=actor,
        role=role,
        at=now,
        rules=list(RULES),
        payload=_payload(
            row,
            completed_on=completed_on.isoformat(),
            completed_hours=hours,
            late=completed_on > row.due_on,
            note=note,
        ),
    )
    uow.session.flush()
    view = _load(uow, actor, row.id, today)
    uow.commit()
    return view


def read(uow: UnitOfWork, actor: Actor, clock: Clock, deadline_id: uuid.UUID) -> DeadlineView:
    actor.role_for("training.read")
    return _load(uow, actor, deadline_id, clock.today())


def _cursor_day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def listing(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    *,
    cursor: str | None,
    limit: int,
    status: TrainingStatusFilter | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    due_before: date | None = None,
) -> tuple[list[DeadlineView], str | None]:
    """Deadlines by due date (then id). `status` open: outstanding and not yet due (due today
    included); overdue: outstanding with due_on before today; `due_before`: due_on earlier."""
    actor.role_for("training.read")
    today = clock.today()
    d = TrainingDeadline
    stmt = scope.restrict(_joined(), actor, Candidate)
    outstanding = and_(d.completed_on.is_(None), d.cancelled_at.is_(None))
    if status == TrainingStatusFilter.OPEN:
        stmt = stmt.where(outstanding, d.due_on >= today)
    elif status == TrainingStatusFilter.OVERDUE:
        stmt = stmt.where(outstanding, d.due_on < today)
    elif status == TrainingStatusFilter.COMPLETED:
        stmt = stmt.where(d.completed_on.is_not(None))
    elif status == TrainingStatusFilter.CANCELLED:
        stmt = stmt.where(d.cancelled_at.is_not(None))
    if candidate_id is not None:
        stmt = stmt.where(d.candidate_id == candidate_id)
    if case_id is not None:
        stmt = stmt.where(d.case_id == case_id)
    if due_before is not None:
        stmt = stmt.where(d.due_on < due_before)
    if cursor:
        at, rid = decode_cursor(cursor)
        day = at.date()
        stmt = stmt.where(or_(d.due_on > day, and_(d.due_on == day, d.id > rid)))
    rows = list(uow.session.execute(stmt.order_by(d.due_on, d.id).limit(limit + 1)).all())
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        nxt = encode_cursor(_cursor_day(last.due_on), last.id)
    views = [
        DeadlineView(row=r, status=status_of(r, today), candidate_name=n, position_title=t)
        for r, n, t in rows[:limit]
    ]
    return views, nxt


def outstanding_by_candidate(
    uow: UnitOfWork, candidate_ids: Iterable[uuid.UUID], today: date
) -> dict[uuid.UUID, list[OutstandingDeadline]]:
    """Open, due-soon and overdue deadlines of many cadres in one query, soonest first."""
    ids = list(candidate_ids)
    found: dict[uuid.UUID, list[OutstandingDeadline]] = {i: [] for i in ids}
    if not ids:
        return found
    d = TrainingDeadline
    for row in uow.session.scalars(
        select(d)
        .where(d.candidate_id.in_(ids), d.completed_on.is_(None), d.cancelled_at.is_(None))
        .order_by(d.due_on, d.id)
    ):
        found[row.candidate_id].append(
            OutstandingDeadline(
                id=row.id,
                case_id=row.case_id,
                position_id=row.position_id,
                due_on=row.due_on,
                hours_required=row.hours_required,
                hours_on_file=row.hours_on_file,
                hours_missing=training.hours_missing(row.hours_required, row.hours_on_file),
                status=status_of(row, today),
                created_at=row.created_at,
            )
        )
    return found
