"""Use cases of positions and their approved headcount (核定职数, HEADCOUNT)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.db.models import Candidate, Position, PositionOccupant
from app.db.uow import UnitOfWork
from app.domain.enums import FillMethod, RankLevel
from app.domain.errors import Conflict, InvalidInput, NotFound, raise_if
from app.domain.guards.motion import headcount
from app.services import audit, scope
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.pagination import ListOrders
from app.services.retry import retry_transaction


@dataclass
class OccupantView:
    candidate_id: uuid.UUID
    name: str
    since: date


@dataclass
class PositionView:
    row: Position
    occupants: list[OccupantView]

    @property
    def free_places(self) -> int:
        return self.row.headcount - len(self.occupants)


def default_probation(fill_method: str, rank_level: str) -> bool:
    """PROB-TERM: non-elected posts at bureau level and below have a probation year."""
    return fill_method != FillMethod.ELECTED and RankLevel(rank_level).order <= (
        RankLevel.BUREAU_PRINCIPAL.order
    )


def occupied(uow: UnitOfWork, position_id: uuid.UUID) -> int:
    return int(
        uow.session.scalar(
            select(func.count())
            .select_from(PositionOccupant)
            .where(PositionOccupant.position_id == position_id, PositionOccupant.until.is_(None))
        )
        or 0
    )


def _views(uow: UnitOfWork, rows: list[Position]) -> list[PositionView]:
    ids = [r.id for r in rows]
    occ: dict[uuid.UUID, list[OccupantView]] = {i: [] for i in ids}
    if ids:
        for o, name in uow.session.execute(
            select(PositionOccupant, Candidate.name)
            .join(Candidate, Candidate.id == PositionOccupant.candidate_id)
            .where(PositionOccupant.position_id.in_(ids), PositionOccupant.until.is_(None))
            .order_by(PositionOccupant.since)
        ):
            occ[o.position_id].append(OccupantView(o.candidate_id, name, o.since))
    return [PositionView(r, occ[r.id]) for r in rows]


def get_row(uow: UnitOfWork, actor: Actor, position_id: uuid.UUID) -> Position:
    """The position, if it lies in the actor's scope (else the same 404 as a missing id)."""
    row = uow.session.get(Position, position_id)
    if row is None:
        raise NotFound(f"position {position_id} not found")
    scope.require(uow.session, actor, Position, position_id)
    return row


def _set_occupants(
    uow: UnitOfWork, actor: Actor, row: Position, candidate_ids: list[uuid.UUID], today: date
) -> None:
    if len(set(candidate_ids)) != len(candidate_ids):
        raise InvalidInput("occupant_ids has duplicates")
    raise_if(headcount(len(candidate_ids), row.headcount, "occupants"))
    # A cadre outside the caller's scope is as unknown as a missing one.
    known = set(
        uow.session.scalars(
            scope.restrict(select(Candidate.id), actor, Candidate).where(
                Candidate.id.in_(candidate_ids)
            )
        )
    )
    missing = [str(c) for c in candidate_ids if c not in known]
    if missing:
        raise InvalidInput(f"unknown candidates: {', '.join(missing)}")
    current = {
        o.candidate_id: o
        for o in uow.session.scalars(
            select(PositionOccupant).where(
                PositionOccupant.position_id == row.id, PositionOccupant.until.is_(None)
            )
        )
    }
    for cid, o in current.items():
        if cid not in candidate_ids:
            o.until = today
    for cid in candidate_ids:
        if cid not in current:
            uow.session.add(PositionOccupant(position_id=row.id, candidate_id=cid, since=today))


@retry_transaction
def create(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> PositionView:
    role = actor.role_for("positions.write")
    now = clock.now()
    occupant_ids = data.pop("occupant_ids", [])
    if data.get("probation_applies") is None:
        data["probation_applies"] = default_probation(data["fill_method"], data["rank_level"])
    data["unit_id"] = data.get("unit_id") or scope.default_unit(actor)
    scope.require_unit(uow.session, actor, data["unit_id"], data["rank_level"])
    row = Position(**data, created_at=now, updated_at=now)
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"external_id {data.get('external_id')!r} is already registered") from exc
    _set_occupants(uow, actor, row, occupant_ids, clock.today())
    audit.append(
        uow.session,
        subject_type="position",
        subject_id=row.id,
        action="position.created",
        actor=actor,
        role=role,
        at=now,
        payload={
            "headcount": row.headcount,
            "occupants": [str(o) for o in occupant_ids],
            "decided_by_full_committee": row.decided_by_full_committee,
        },
    )
    uow.session.flush()
    view = _views(uow, [row])[0]
    uow.commit()
    return view


@retry_transaction
def update(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    position_id: uuid.UUID,
    if_match: str | None,
    changes: dict[str, Any],
) -> PositionView:
    role = actor.role_for("positions.write")
    row = get_row(uow, actor, position_id)
    require_match(if_match, row.version)
    occupant_ids = changes.pop("occupant_ids", None)
    for key, value in changes.items():
        setattr(row, key, value)
    if "unit_id" in changes:
        scope.require_unit(uow.session, actor, row.unit_id, row.rank_level)
    if occupant_ids is not None:
        _set_occupants(uow, actor, row, occupant_ids, clock.today())
        uow.session.flush()
    raise_if(headcount(occupied(uow, row.id), row.headcount, "current occupants"))
    row.updated_at = clock.now()
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("external_id is already registered to another position") from exc
    audit.append(
        uow.session,
        subject_type="position",
        subject_id=row.id,
        action="position.updated",
        actor=actor,
        role=role,
        at=row.updated_at,
        payload={"fields": sorted([*changes, *(["occupant_ids"] if occupant_ids else [])])},
    )
    view = _views(uow, [row])[0]
    uow.commit()
    return view


def read(uow: UnitOfWork, actor: Actor, position_id: uuid.UUID) -> PositionView:
    actor.role_for("positions.read")
    return _views(uow, [get_row(uow, actor, position_id)])[0]


ORDERS = ListOrders(
    "positions",
    Position.id,
    {
        "created_at": (Position.created_at,),
        "updated_at": (Position.updated_at,),
        "title": (Position.title,),
    },
)


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    sort: str | None = None,
    org_unit: str | None = None,
    rank_level: str | None = None,
    has_vacancy: bool | None = None,
    updated_after: datetime | None = None,
) -> tuple[list[PositionView], str | None]:
    actor.role_for("positions.read")
    stmt = scope.restrict(select(Position), actor, Position)
    if org_unit:
        stmt = stmt.where(Position.org_unit == org_unit)
    if rank_level:
        stmt = stmt.where(Position.rank_level == rank_level)
    if updated_after:
        stmt = stmt.where(Position.updated_at > updated_after)
    if has_vacancy is not None:
        occ = (
            select(func.count())
            .select_from(PositionOccupant)
            .where(PositionOccupant.position_id == Position.id, PositionOccupant.until.is_(None))
            .scalar_subquery()
        )
        stmt = stmt.where(Position.headcount > occ if has_vacancy else Position.headcount <= occ)
    rows = list(uow.session.scalars(ORDERS.page(stmt, sort, cursor, limit)))
    return _views(uow, rows[:limit]), ORDERS.next_cursor(rows, sort, limit)
