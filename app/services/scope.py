"""Management authority (干部管理权限): the one place that decides what lies in a caller's scope.

A principal is bound to a unit and manages the cadres of that unit's subtree, at the rank levels
its scope names (all levels when it names none). Candidates and positions belong to a unit; a
case belongs to the unit of its position and a nomination to the unit of its nominee, so both
follow their owner and cannot drift from it. Everything outside the scope is answered exactly
as a missing id (404): its existence is not disclosed.

`restrict` narrows a SELECT of an owned entity, `require` checks one row by id (same clause, so
lists, counts and single reads can never disagree), `require_unit` checks a unit named on a
create or update.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.models import Candidate, Position, Principal, SelectionCase
from app.db.nomination_models import Nomination
from app.db.unit_models import ROOT_UNIT_ID, OrgUnit
from app.domain.errors import Forbidden, NotFound
from app.services.context import Actor, Scope

# The entities that belong to a unit (directly or through their owner).
Owned = type[Candidate] | type[Position] | type[SelectionCase] | type[Nomination]
Ts = TypeVarTuple("Ts")

_NOUN = {
    Candidate: "candidate",
    Position: "position",
    SelectionCase: "case",
    Nomination: "nomination",
}


def scope_of(principal: Principal, unit_path: str) -> Scope:
    """The scope a principal's grant gives: its unit's subtree (`unit_path`), its levels."""
    levels = principal.scope_levels
    return Scope(
        unit_id=principal.unit_id,
        path=unit_path,
        levels=None if levels is None else frozenset(str(v) for v in levels),
    )


def _subtree(scope: Scope) -> Select[Any]:
    return select(OrgUnit.id).where(OrgUnit.path.startswith(scope.path, autoescape=True))


def _candidate_clause(scope: Scope) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = Candidate.unit_id.in_(_subtree(scope))
    if scope.levels is not None:
        # A cadre without a leadership rank yet is managed by whoever manages the unit.
        clause = clause & or_(
            Candidate.rank_level.is_(None), Candidate.rank_level.in_(scope.levels)
        )
    return clause


def _position_clause(scope: Scope) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = Position.unit_id.in_(_subtree(scope))
    if scope.levels is not None:
        clause = clause & Position.rank_level.in_(scope.levels)
    return clause


def clause(actor: Actor, entity: Owned) -> ColumnElement[bool] | None:
    """The SQL condition for rows of `entity` inside the actor's scope (None: unrestricted)."""
    scope = actor.scope
    if scope is None:
        return None
    if entity is Candidate:
        return _candidate_clause(scope)
    if entity is Position:
        return _position_clause(scope)
    if entity is SelectionCase:
        return SelectionCase.position_id.in_(select(Position.id).where(_position_clause(scope)))
    managed = Nomination.candidate_id.in_(select(Candidate.id).where(_candidate_clause(scope)))
    # A cadre's own nominations are theirs wherever their record lies.
    if actor.candidate_id is not None:
        return or_(Nomination.candidate_id == actor.candidate_id, managed)
    return managed


_SUBJECTS: dict[str, Owned] = {
    "candidate": Candidate,
    "position": Position,
    "case": SelectionCase,
    "nomination": Nomination,
}


def subject_clause(
    actor: Actor,
    subject_type: InstrumentedAttribute[str],
    subject_id: InstrumentedAttribute[uuid.UUID],
) -> ColumnElement[bool] | None:
    """For rows about a subject (record entries, change-feed events): those whose subject is
    one of the owned kinds lie in the scope when their subject does; others are not about a
    unit's cadres (None: unrestricted)."""
    if actor.scope is None:
        return None
    conds = [
        and_(subject_type == kind, subject_id.in_(select(entity.id).where(_owned(actor, entity))))
        for kind, entity in _SUBJECTS.items()
    ]
    return or_(subject_type.not_in(sorted(_SUBJECTS)), *conds)


def _owned(actor: Actor, entity: Owned) -> ColumnElement[bool]:
    cond = clause(actor, entity)
    assert cond is not None
    return cond


def restrict(stmt: Select[*Ts], actor: Actor, entity: Owned) -> Select[*Ts]:
    """`stmt` (a SELECT involving `entity`) narrowed to the actor's scope."""
    cond = clause(actor, entity)
    return stmt if cond is None else stmt.where(cond)


def contains(session: Session, actor: Actor, entity: Owned, row_id: uuid.UUID) -> bool:
    cond = clause(actor, entity)
    if cond is None:
        return True
    return session.scalar(select(entity.id).where(entity.id == row_id, cond)) is not None


def require(session: Session, actor: Actor, entity: Owned, row_id: uuid.UUID) -> None:
    """NotFound, worded as for a missing id, when the row lies outside the actor's scope."""
    if not contains(session, actor, entity, row_id):
        raise NotFound(f"{_NOUN[entity]} {row_id} not found")


def default_unit(actor: Actor) -> uuid.UUID:
    """Where a new row lands when the request names no unit: the caller's own unit."""
    return actor.scope.unit_id if actor.scope is not None else ROOT_UNIT_ID


def require_unit(
    session: Session, actor: Actor, unit_id: uuid.UUID, rank_level: str | None
) -> None:
    """A unit (and rank level) a row is placed in must lie in the caller's scope: a row placed
    outside would vanish from the caller's own view. Outside the scope a unit does not exist."""
    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == unit_id))
    scope = actor.scope
    if path is None or (scope is not None and not path.startswith(scope.path)):
        raise NotFound(f"unit {unit_id} not found")
    levels = None if scope is None else scope.levels
    if levels is not None and rank_level is not None and rank_level not in levels:
        raise Forbidden(
            f"rank level {rank_level} is outside your management authority "
            f"({', '.join(sorted(levels))})"
        )
