"""The public side of publicity (向社会公示): open notices and objections from anyone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.db import cases_repo
from app.db.models import Candidate, CaseCandidate, CaseFact, Position, SelectionCase
from app.db.uow import UnitOfWork
from app.domain.calendar import CHINA_TZ
from app.domain.errors import Conflict, InvalidInput, NotFound, raise_if
from app.domain.facts import SCHEMA_VERSION, Objection
from app.domain.guards.timeline import objection_open
from app.domain.workflow import Stage, Standing
from app.services import audit, case_members
from app.services.cases import codec
from app.services.cases.loading import load
from app.services.context import PUBLIC, Clock


def _open_notices(uow: UnitOfWork, now: datetime) -> list[tuple[CaseFact, SelectionCase]]:
    """The current notice of each case in publicity whose window has started and not closed."""
    superseded = select(CaseFact.supersedes_id).where(CaseFact.supersedes_id.is_not(None))
    rows = uow.session.execute(
        select(CaseFact, SelectionCase)
        .join(SelectionCase, SelectionCase.id == CaseFact.case_id)
        .where(
            CaseFact.kind == "publicity_notice",
            CaseFact.id.not_in(superseded),
            SelectionCase.stage == Stage.publicity.value,
            SelectionCase.closes_at.is_not(None),
            SelectionCase.closes_at > now,
        )
        .order_by(CaseFact.seq.desc())
    ).all()
    today = now.astimezone(CHINA_TZ).date().isoformat()
    latest: dict[uuid.UUID, tuple[CaseFact, SelectionCase]] = {}
    for fact, case in rows:
        latest.setdefault(case.id, (fact, case))
    # A notice scheduled to start later is not public before it starts (CASE-TIMELINE).
    return [(f, c) for f, c in latest.values() if str(f.data["start_date"]) <= today]


def notice_view(uow: UnitOfWork, fact: CaseFact, case: SelectionCase) -> dict[str, Any]:
    """Only what a notice may show (PIPL minimisation): nothing of votes or nominations."""
    position = uow.session.get(Position, case.position_id)
    assert position is not None
    reasons = fact.data.get("exception_reasons") or {}
    assert isinstance(reasons, dict)
    people = uow.session.execute(
        select(CaseCandidate, Candidate)
        .join(Candidate, Candidate.id == CaseCandidate.candidate_id)
        .where(CaseCandidate.case_id == case.id, CaseCandidate.standing == Standing.PUBLICISED)
        .order_by(Candidate.name)
    ).all()
    return {
        "notice_id": fact.id,
        "start_date": fact.data["start_date"],
        "end_date": fact.data["end_date"],
        "closes_at": fact.data["closes_at"],
        "how_to_object": fact.data["how_to_object"],
        "contact": fact.data["contact"],
        "candidates": [
            {
                "candidate_id": c.id,
                "name": c.name,
                "gender": c.gender,
                "birth_year_month": c.birth_date.strftime("%Y-%m"),
                "education": c.education,
                "current_post": " ".join(x for x in (c.org_unit, c.current_title) if x),
                "proposed_post": f"{position.org_unit} {position.title}",
                "exceptional_promotion_reason": reasons.get(str(c.id)),
            }
            for _, c in people
        ],
    }


def list_notices(uow: UnitOfWork, clock: Clock) -> list[dict[str, Any]]:
    return [notice_view(uow, f, c) for f, c in _open_notices(uow, clock.now())]


def lodge_objection(
    uow: UnitOfWork, clock: Clock, notice_id: uuid.UUID, data: dict[str, Any], client: str
) -> uuid.UUID:
    """Anyone may object to an open notice; the objection enters the case's objections."""
    notice = uow.session.get(CaseFact, notice_id)
    if notice is None or notice.kind != "publicity_notice":
        raise NotFound(f"notice {notice_id} not found")
    corrected = uow.session.scalar(select(CaseFact.id).where(CaseFact.supersedes_id == notice.id))
    if corrected is not None:
        raise Conflict(
            f"this notice was corrected by notice {corrected}; object to that one",
            rule="PUB-OBJECTIONS",
        )
    case = case_members.lock_case(uow, notice.case_id)
    now = clock.now()
    if case.stage != Stage.publicity or case.closes_at is None or case.closes_at <= now:
        raise Conflict("this notice is not open for objections", rule="PUB-OBJECTIONS")
    cid = data.get("candidate_id")
    if cid is not None:
        member = uow.session.scalars(
            select(CaseCandidate).where(
                CaseCandidate.case_id == case.id,
                CaseCandidate.candidate_id == cid,
                CaseCandidate.standing == Standing.PUBLICISED,
            )
        ).first()
        if member is None:
            raise InvalidInput("the candidate is not on this notice")
    raise_if(objection_open(load(uow, case, clock).snap))
    value = Objection(
        content=data["content"],
        candidate_id=cid,
        has_specific_leads=data.get("has_specific_leads", True),
        contact=data.get("contact"),
        source="public",
    )
    fact = CaseFact(
        case_id=case.id,
        seq=cases_repo.next_fact_seq(uow.session, case.id),
        kind="objection",
        stage=case.stage,
        candidate_id=cid,
        data=codec.to_json("objection", value),
        schema_version=SCHEMA_VERSION,
        created_at=now,
    )
    uow.session.add(fact)
    uow.session.flush()
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action="fact.objection",
        actor=PUBLIC,
        role="public",
        at=now,
        rules=["PUB-OBJECTIONS"],
        payload={
            "fact_id": str(fact.id),
            "source": "public",
            "candidate_id": str(cid) if cid else None,
        },
    )
    uow.commit()
    return fact.id
