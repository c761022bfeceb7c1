"""Accountability tracing (责任追究, ACC-TRACE): a cadre's promotions and the reviews they need.

`promotions` lists every case that appointed the cadre, step by step with the persons its facts
name (app/domain/accountability.py) and the actors of the record's entries of that step (the
excerpt of the 纪实). `reviews` lists the promoting cases that misconduct or a sanction found
within `accountability_years` (a setting, CADRE_ACCOUNTABILITY_YEARS) after the appointment puts
under review, for discipline inspection. A flag is derived on read from the misconduct and
sanctions on file, never stored: it cannot go stale, and recording misconduct stays as it was.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from app.db import cases_repo as repo
from app.db.models import (
    Candidate,
    CaseCandidate,
    MisconductRecord,
    Position,
    RecordEntry,
    SelectionCase,
)
from app.db.uow import UnitOfWork
from app.domain import accountability as acc
from app.domain.calendar import CHINA_TZ
from app.domain.errors import NotFound
from app.services import scope
from app.services.cases import codec
from app.services.context import Actor

_Row = tuple[CaseCandidate, SelectionCase, Position]


def _promoting_rows(
    uow: UnitOfWork, actor: Actor, candidate_ids: list[uuid.UUID] | None
) -> list[_Row]:
    stmt = (
        select(CaseCandidate, SelectionCase, Position)
        .join(SelectionCase, SelectionCase.id == CaseCandidate.case_id)
        .join(Position, Position.id == SelectionCase.position_id)
        .where(CaseCandidate.appointed_on.is_not(None))
        .order_by(CaseCandidate.appointed_on, SelectionCase.id)
    )
    if candidate_ids is not None:
        stmt = stmt.where(CaseCandidate.candidate_id.in_(candidate_ids))
    # Only the promoting cases within the caller's management authority.
    cond = scope.clause(actor, Position)
    if cond is not None:
        stmt = stmt.where(cond)
    return [(cc, case, pos) for cc, case, pos in uow.session.execute(stmt).all()]


def _entries(uow: UnitOfWork, case_id: uuid.UUID) -> list[RecordEntry]:
    return list(
        uow.session.scalars(
            select(RecordEntry)
            .where(RecordEntry.subject_type == "case", RecordEntry.case_id == case_id)
            .order_by(RecordEntry.seq)
        )
    )


def steps(uow: UnitOfWork, case: SelectionCase, candidate_id: uuid.UUID) -> list[dict[str, Any]]:
    """Each step with who is responsible and the record entries that show it."""
    facts = codec.decode_all(repo.facts(uow.session, case.id))
    persons = acc.responsible(case.motion, facts, candidate_id)
    out: dict[str, dict[str, Any]] = {
        name: {"step": name, "label_zh": label, "responsible": [], "actors": [], "record": []}
        for name, label in acc.STEPS
    }
    for p in persons:
        out[p.step]["responsible"].append({"duty": p.duty, "name": p.name, "fact_id": p.fact_id})
    for e in _entries(uow, case.id):
        step = out[acc.step_of_entry(e.action, e.from_stage, e.to_stage)]
        actor = {"name": e.actor_name, "role": e.actor_role, "principal_id": e.actor_id}
        if actor not in step["actors"]:
            step["actors"].append(actor)
        fact_id = e.payload.get("fact_id") if isinstance(e.payload, dict) else None
        step["record"].append(
            {
                "seq": e.seq,
                "at": e.at,
                "action": e.action,
                "actor_name": e.actor_name,
                "actor_role": e.actor_role,
                "from_stage": e.from_stage,
                "to_stage": e.to_stage,
                "rules": [str(r) for r in e.rules],
                "fact_id": fact_id,
            }
        )
    return list(out.values())


def _findings(uow: UnitOfWork, candidate_ids: list[uuid.UUID] | None) -> list[dict[str, Any]]:
    """Misconduct (by the day it was recorded, China time) and sanctions (by their start)."""
    stmt = select(MisconductRecord).order_by(MisconductRecord.recorded_at, MisconductRecord.id)
    if candidate_ids is not None:
        stmt = stmt.where(MisconductRecord.candidate_id.in_(candidate_ids))
    found: list[dict[str, Any]] = [
        {
            "candidate_id": m.candidate_id,
            "type": "misconduct",
            "id": m.id,
            "kind": m.kind,
            "found_on": m.recorded_at.astimezone(CHINA_TZ).date(),
            "occurred_on": m.occurred_on,
            "description": m.description,
        }
        for m in uow.session.scalars(stmt)
    ]
    cstmt = select(Candidate.id, Candidate.sanctions)
    if candidate_ids is not None:
        cstmt = cstmt.where(Candidate.id.in_(candidate_ids))
    for cid, sanctions in uow.session.execute(cstmt).all():
        for s in sanctions or []:
            if not isinstance(s, dict) or "start" not in s:
                continue
            try:
                start = date.fromisoformat(str(s["start"]))
            except ValueError:  # the API writes ISO dates; anything else is not a date to trace
                continue
            found.append(
                {
                    "candidate_id": cid,
                    "type": "sanction",
                    "id": None,
                    "kind": str(s.get("kind", "")),
                    "found_on": start,
                    "occurred_on": None,
                    "description": str(s.get("description", "")),
                }
            )
    return found


def _flags(cc: CaseCandidate, findings: list[dict[str, Any]], years: int) -> list[dict[str, Any]]:
    assert cc.appointed_on is not None
    return [
        {
            **{k: v for k, v in f.items() if k != "candidate_id"},
            "before_promotion": f["occurred_on"] is not None and f["occurred_on"] < cc.appointed_on,
        }
        for f in findings
        if f["candidate_id"] == cc.candidate_id
        and acc.within_review_window(cc.appointed_on, f["found_on"], years)
    ]


def _promotion(
    uow: UnitOfWork, row: _Row, flags: list[dict[str, Any]], years: int
) -> dict[str, Any]:
    cc, case, pos = row
    assert cc.appointed_on is not None
    return {
        "case_id": case.id,
        "title": case.title,
        "position_id": pos.id,
        "position_title": pos.title,
        "org_unit": pos.org_unit,
        "method": case.method,
        "stage": case.stage,
        "standing": cc.standing,
        "appointed_on": cc.appointed_on,
        "review_window_ends": acc.review_window_end(cc.appointed_on, years),
        "flagged_for_review": bool(flags),
        "flags": flags,
        "steps": steps(uow, case, cc.candidate_id),
    }


def promotions(
    uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID, years: int
) -> list[dict[str, Any]]:
    """Every case that appointed the cadre, oldest appointment first."""
    actor.role_for("promotions.read")
    if uow.session.get(Candidate, candidate_id) is None:
        raise NotFound(f"candidate {candidate_id} not found")
    scope.require(uow.session, actor, Candidate, candidate_id)
    findings = _findings(uow, [candidate_id])
    return [
        _promotion(uow, row, _flags(row[0], findings, years), years)
        for row in _promoting_rows(uow, actor, [candidate_id])
    ]


def reviews(uow: UnitOfWork, actor: Actor, years: int, limit: int) -> list[dict[str, Any]]:
    """Promoting cases under review, the latest finding first, with the record of each step."""
    actor.role_for("oversight.reviews")
    findings = _findings(uow, None)
    ids = sorted({f["candidate_id"] for f in findings}, key=str)
    if not ids:
        return []
    names = dict(
        uow.session.execute(select(Candidate.id, Candidate.name).where(Candidate.id.in_(ids))).all()
    )
    flagged: list[tuple[date, _Row, list[dict[str, Any]]]] = []
    for row in _promoting_rows(uow, actor, ids):
        flags = _flags(row[0], findings, years)
        if flags:
            flagged.append((max(f["found_on"] for f in flags), row, flags))
    flagged.sort(key=lambda t: (t[0], str(t[1][1].id)), reverse=True)
    return [
        {
            "candidate_id": row[0].candidate_id,
            "candidate_name": names.get(row[0].candidate_id, ""),
            "within_years": years,
            **_promotion(uow, row, flags, years),
        }
        for _, row, flags in flagged[:limit]
    ]
