"""The pictures of a case: its timeline and the workflow with its current stage (SVG).

The timeline is read from the case's record (纪实): the stage each transition entered (holds
and postponements marked), each fact recorded with who recorded it, and refusals: candidates
taken out with a rule, and the endings that refuse the appointment.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from app.db import cases_repo as repo
from app.db.models import Candidate, CaseCandidate, RecordEntry
from app.db.uow import UnitOfWork
from app.domain import pictures
from app.domain.pictures import TimelineEvent
from app.domain.workflow import Stage
from app.services.cases.loading import get
from app.services.context import Actor

HOLDS = frozenset({"hold_deliberation", "postpone_vote", "postpone_appointment"})
REFUSING_ENDS = frozenset(
    {
        Stage.not_appointed.value,
        Stage.void.value,
        Stage.withdrawn.value,
        Stage.removed.value,
        Stage.probation_failed.value,
    }
)


def workflow(actor: Actor) -> str:
    actor.role_for("cases.read")
    return pictures.workflow_svg()


def case_workflow(uow: UnitOfWork, actor: Actor, case_id: uuid.UUID) -> str:
    actor.role_for("cases.read")
    return pictures.workflow_svg(get(uow, case_id, actor=actor, lock=False).stage)


def timeline(uow: UnitOfWork, actor: Actor, case_id: uuid.UUID) -> str:
    actor.role_for("cases.read")
    case = get(uow, case_id, actor=actor, lock=False)
    entries = uow.session.scalars(
        select(RecordEntry)
        .where(RecordEntry.subject_type == "case", RecordEntry.case_id == case.id)
        .order_by(RecordEntry.seq)
    )
    out = {
        str(cc.candidate_id): (cc, c) for cc, c in repo.members(uow.session, case.id) if cc.out_rule
    }
    events: list[TimelineEvent] = []
    for e in entries:
        who = f"{e.actor_name} ({e.actor_role})"
        if e.action == "case.created":
            events.append(
                TimelineEvent(e.at, "stage", Stage.motion.value, f"case created by {who}")
            )
        elif e.action.startswith("transition."):
            name = e.action.removeprefix("transition.")
            kind = "hold" if name in HOLDS else "stage"
            if e.to_stage in REFUSING_ENDS:
                kind = "refusal"
            rules = f" [{', '.join(str(r) for r in e.rules)}]" if e.rules else ""
            events.append(TimelineEvent(e.at, kind, str(e.to_stage), f"{name} by {who}{rules}"))
        elif e.action.startswith("fact."):
            events.append(TimelineEvent(e.at, "fact", e.action.removeprefix("fact."), who))
        elif e.action.startswith("candidate."):
            events.append(TimelineEvent(e.at, "refusal", e.action, who))
        # A candidate taken out (with the rule) at the entry whose effects moved them out.
        moves = e.payload.get("standings") if isinstance(e.payload, dict) else None
        for mv in moves if isinstance(moves, list) else []:
            row = out.get(str(mv.get("candidate_id"))) if isinstance(mv, dict) else None
            if row is not None and mv.get("to") == row[0].standing:
                events.append(_out(e.at, *row))
                del out[str(mv.get("candidate_id"))]
    events += [_out(cc.updated_at, cc, c) for cc, c in out.values()]  # no entry says when
    return pictures.timeline_svg(case.title, events, case.stage)


def _out(at: datetime, cc: CaseCandidate, c: Candidate) -> TimelineEvent:
    return TimelineEvent(
        at, "refusal", f"{c.name} {cc.standing} ({cc.out_rule})", cc.out_reason or ""
    )
