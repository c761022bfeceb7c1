"""Use cases of the cadre registry (干部信息)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db.models import Candidate, MisconductRecord, ReservePoolEntry
from app.db.uow import UnitOfWork
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.services import audit, scope, training
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.pagination import ListOrders
from app.services.retry import retry_transaction

JSON_FIELDS = ("posts", "appraisals", "sanctions")


@dataclass
class CandidateView:
    row: Candidate
    pool: ReservePoolEntry | None
    misconduct: list[MisconductRecord]
    # Open, due-soon and overdue deadlines (QUAL-TRAINING-DUE), soonest first.
    training_deadlines: list[training.OutstandingDeadline] = field(default_factory=list)


def _check_consistency(c: Candidate, today: date) -> None:
    """Dates must tell a possible story (end after start, no future birth)."""
    problems: list[str] = []
    if c.birth_date > today:
        problems.append("birth_date is in the future")
    if c.work_start_date < c.birth_date:
        problems.append("work_start_date is before birth_date")
    if c.work_start_date > today:
        problems.append("work_start_date is in the future")
    # A party member's join date may be unknown to the HR system; QUAL-PARTY-STANDING then
    # refuses party posts that need a standing, with that reason.
    if c.party_membership == "non_party" and c.party_join_date is not None:
        problems.append("party_join_date given for a non-party cadre")
    elif c.party_join_date is not None and not c.birth_date <= c.party_join_date <= today:
        problems.append("party_join_date must lie between birth_date and today")
    if (c.rank_level is None) != (c.rank_since is None):
        problems.append("rank_level and rank_since go together")
    if c.rank_since is not None and (c.rank_since < c.birth_date or c.rank_since > today):
        problems.append("rank_since must lie between birth_date and today")
    for i, p in enumerate(c.posts):
        assert isinstance(p, dict)
        start, end = p.get("start"), p.get("end")
        if isinstance(start, str) and start > today.isoformat():
            problems.append(f"posts[{i}].start is in the future")
        if isinstance(start, str) and isinstance(end, str) and end <= start:
            problems.append(f"posts[{i}].end must be after its start")
    for i, s in enumerate(c.sanctions):
        assert isinstance(s, dict)
        if str(s.get("end")) < str(s.get("start")):
            problems.append(f"sanctions[{i}].end must not be before its start")
    years = [a.get("year") for a in c.appraisals if isinstance(a, dict)]
    if len(years) != len(set(years)):
        problems.append("appraisals: one grade per year")
    if any(isinstance(y, int) and y > today.year for y in years):
        problems.append("appraisals: a year in the future")
    if problems:
        raise InvalidInput("; ".join(problems))


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key in JSON_FIELDS:
        if key in out and out[key] is not None:
            out[key] = [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in item.items()}
                for item in out[key]
            ]
    return out


def _views(uow: UnitOfWork, rows: list[Candidate], today: date) -> list[CandidateView]:
    """Views for many candidates in three extra queries, whatever their number; the training
    deadlines' status is as of `today` (the date in China)."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    s = uow.session
    pools = {
        p.candidate_id: p
        for p in s.scalars(
            select(ReservePoolEntry).where(
                ReservePoolEntry.candidate_id.in_(ids), ReservePoolEntry.removed_at.is_(None)
            )
        )
    }
    misconduct: dict[uuid.UUID, list[MisconductRecord]] = {i: [] for i in ids}
    for m in s.scalars(
        select(MisconductRecord)
        .where(MisconductRecord.candidate_id.in_(ids))
        .order_by(MisconductRecord.recorded_at)
    ):
        misconduct[m.candidate_id].append(m)
    deadlines = training.outstanding_by_candidate(uow, ids, today)
    views: list[CandidateView] = []
    for r in rows:
        views.append(
            CandidateView(
                row=r,
                pool=pools.get(r.id),
                misconduct=misconduct[r.id],
                training_deadlines=deadlines[r.id],
            )
        )
    return views


def _view(uow: UnitOfWork, row: Candidate, today: date) -> CandidateView:
    return _views(uow, [row], today)[0]


def get_row(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, if it lies in the actor's scope (else the same 404 as a missing id)."""
    row = uow.session.get(Candidate, candidate_id)
    if row is None:
        raise NotFound(f"candidate {candidate_id} not found")
    scope.require(uow.session, actor, Candidate, candidate_id)
    return row


@retry_transaction
def create(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> CandidateView:
    role = actor.role_for("candidates.write")
    now = clock.now()
    pool = data.pop("reserve_pool", None)
    data["unit_id"] = data.get("unit_id") or scope.default_unit(actor)
    scope.require_unit(uow.session, actor, data["unit_id"], data.get("rank_level"))
    row = Candidate(**_jsonable(data), created_at=now, updated_at=now)
    _check_consistency(row, clock.today())
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"external_id {data.get('external_id')!r} is already registered") from exc
    if pool:
        assert actor.principal_id is not None
        uow.session.add(
            ReservePoolEntry(
                candidate_id=row.id,
                category=pool["category"],
                reason=pool.get("reason") or "",
                added_at=now,
                added_by=actor.principal_id,
            )
        )
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=row.id,
        action="candidate.created",
        actor=actor,
        role=role,
        at=now,
        payload={"external_id": row.external_id},
    )
    view = _view(uow, row, clock.today())
    uow.commit()
    return view


@retry_transaction
def update(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    candidate_id: uuid.UUID,
    if_match: str | None,
    changes: dict[str, Any],
) -> CandidateView:
    role = actor.role_for("candidates.write")
    row = get_row(uow, actor, candidate_id)
    require_match(if_match, row.version)
    for key, value in _jsonable(changes).items():
        setattr(row, key, value)
    if "unit_id" in changes or "rank_level" in changes:
        # Neither moved out of the caller's own scope (the row would vanish from its view).
        scope.require_unit(uow.session, actor, row.unit_id, row.rank_level)
    _check_consistency(row, clock.today())
    row.updated_at = clock.now()
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("external_id is already registered to another candidate") from exc
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=row.id,
        action="candidate.updated",
        actor=actor,
        role=role,
        at=row.updated_at,
        payload={"fields": sorted(changes)},
    )
    view = _view(uow, row, clock.today())
    uow.commit()
    return view


def read(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID, clock: Clock) -> CandidateView:
    """`clock` dates the training deadlines' status (QUAL-TRAINING-DUE)."""
    actor.role_for("candidates.read")
    return _view(uow, get_row(uow, actor, candidate_id), clock.today())


ORDERS = ListOrders(
    "candidates",
    Candidate.id,
    {
        "created_at": (Candidate.created_at,),
        "updated_at": (Candidate.updated_at,),
        "name": (Candidate.name,),
    },
)


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    sort: str | None = None,
    name: str | None = None,
    external_id: str | None = None,
    rank_level: str | None = None,
    education: str | None = None,
    org_unit: str | None = None,
    updated_after: datetime | None = None,
    in_reserve_pool: bool | None = None,
    clock: Clock,
) -> tuple[list[CandidateView], str | None]:
    actor.role_for("candidates.read")
    stmt = scope.restrict(select(Candidate), actor, Candidate)
    if name:
        stmt = stmt.where(Candidate.name.contains(name, autoescape=True))
    if external_id:
        stmt = stmt.where(Candidate.external_id == external_id)
    if rank_level:
        stmt = stmt.where(Candidate.rank_level == rank_level)
    if education:
        stmt = stmt.where(Candidate.education == education)
    if org_unit:
        stmt = stmt.where(Candidate.org_unit == org_unit)
    if updated_after:
        stmt = stmt.where(Candidate.updated_at > updated_after)
    if in_reserve_pool is not None:
        open_pool = select(ReservePoolEntry.candidate_id).where(
            ReservePoolEntry.removed_at.is_(None)
        )
        stmt = stmt.where(
            Candidate.id.in_(open_pool) if in_reserve_pool else Candidate.id.not_in(open_pool)
        )
    rows = list(uow.session.scalars(ORDERS.page(stmt, sort, cursor, limit)))
    nxt = ORDERS.next_cursor(rows, sort, limit)
    return _views(uow, rows[:limit], clock.today()), nxt
