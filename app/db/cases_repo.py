"""Every query of the case core. Nothing here commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.db.models import (
    Candidate,
    CaseCandidate,
    CaseFact,
    MisconductRecord,
    PositionOccupant,
    ReservePoolEntry,
    SelectionCase,
)

# The statements of every request are built once (building them costs more than SQLite takes
# to run them); each call only binds its values.
_CASE = select(SelectionCase).where(SelectionCase.id == bindparam("case_id"))
_CASE_FOR_UPDATE = _CASE.with_for_update()
_MEMBERS = (
    select(CaseCandidate, Candidate)
    .join(Candidate, Candidate.id == CaseCandidate.candidate_id)
    .where(CaseCandidate.case_id == bindparam("case_id"))
    .order_by(CaseCandidate.added_at, CaseCandidate.id)
)
_FACTS = select(CaseFact).where(CaseFact.case_id == bindparam("case_id")).order_by(CaseFact.seq)
_LAST_FACT_SEQ = select(func.max(CaseFact.seq)).where(CaseFact.case_id == bindparam("case_id"))
_OCCUPIED = (
    select(func.count())
    .select_from(PositionOccupant)
    .where(
        PositionOccupant.position_id == bindparam("position_id"), PositionOccupant.until.is_(None)
    )
)


def case(
    session: Session, case_id: uuid.UUID, *, lock: bool, postgres: bool
) -> SelectionCase | None:
    """A case; for change, SELECT ... FOR UPDATE on PostgreSQL (SQLite holds the write lock
    from BEGIN IMMEDIATE already)."""
    stmt = _CASE_FOR_UPDATE if lock and postgres else _CASE
    return session.scalars(stmt, {"case_id": case_id}).first()


def case_by_external_id(session: Session, external_id: str) -> uuid.UUID | None:
    found: uuid.UUID | None = session.scalar(
        select(SelectionCase.id).where(SelectionCase.external_id == external_id)
    )
    return found


def members(session: Session, case_id: uuid.UUID) -> list[tuple[CaseCandidate, Candidate]]:
    rows = session.execute(_MEMBERS, {"case_id": case_id}).all()
    return [(cc, c) for cc, c in rows]


def facts(session: Session, case_id: uuid.UUID) -> list[CaseFact]:
    return list(session.scalars(_FACTS, {"case_id": case_id}))


def next_fact_seq(session: Session, case_id: uuid.UUID) -> int:
    """Facts are ordered by this, never by time (many facts share a timestamp)."""
    last = session.scalar(_LAST_FACT_SEQ, {"case_id": case_id})
    return int(last or 0) + 1


def in_pool(session: Session, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(ReservePoolEntry.candidate_id).where(
                ReservePoolEntry.candidate_id.in_(ids), ReservePoolEntry.removed_at.is_(None)
            )
        )
    )


def misconduct(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[MisconductRecord]]:
    out: dict[uuid.UUID, list[MisconductRecord]] = {i: [] for i in ids}
    for m in session.scalars(
        select(MisconductRecord).where(MisconductRecord.candidate_id.in_(ids))
    ):
        out[m.candidate_id].append(m)
    return out


def occupied(session: Session, position_id: uuid.UUID) -> int:
    return int(session.scalar(_OCCUPIED, {"position_id": position_id}) or 0)


def open_tenures(
    session: Session, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> list[PositionOccupant]:
    return list(
        session.scalars(
            select(PositionOccupant).where(
                PositionOccupant.case_id == case_id,
                PositionOccupant.candidate_id == candidate_id,
                PositionOccupant.until.is_(None),
            )
        )
    )


def cases_of_candidate(
    session: Session, candidate_id: uuid.UUID, stages: frozenset[str]
) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(SelectionCase.id)
            .join(CaseCandidate, CaseCandidate.case_id == SelectionCase.id)
            .where(CaseCandidate.candidate_id == candidate_id, SelectionCase.stage.in_(stages))
            .order_by(SelectionCase.created_at, SelectionCase.id)
        )
    )


def member_row(
    session: Session, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> CaseCandidate | None:
    return session.scalars(
        select(CaseCandidate).where(
            CaseCandidate.case_id == case_id, CaseCandidate.candidate_id == candidate_id
        )
    ).first()


def known_candidates(session: Session, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.scalars(select(Candidate.id).where(Candidate.id.in_(ids))))


def list_stmt(
    *,
    stage: Sequence[str] | None,
    external_id: str | None,
    position_id: uuid.UUID | None,
    candidate_id: uuid.UUID | None,
    method: str | None,
    updated_after: datetime | None,
    due_at: datetime | None,
    due_stages: Sequence[str],
) -> Select[Any]:
    stmt = select(SelectionCase)
    if stage:  # any of the stages
        stmt = stmt.where(SelectionCase.stage.in_(stage))
    if external_id:
        stmt = stmt.where(SelectionCase.external_id == external_id)
    if position_id:
        stmt = stmt.where(SelectionCase.position_id == position_id)
    if method:
        stmt = stmt.where(SelectionCase.method == method)
    if updated_after:
        stmt = stmt.where(SelectionCase.updated_at > updated_after)
    if candidate_id:
        stmt = stmt.where(
            SelectionCase.id.in_(
                select(CaseCandidate.case_id).where(CaseCandidate.candidate_id == candidate_id)
            )
        )
    if due_at is not None:
        stmt = stmt.where(
            SelectionCase.closes_at.is_not(None),
            SelectionCase.closes_at <= due_at,
            SelectionCase.stage.in_(due_stages),
        )
    return stmt
