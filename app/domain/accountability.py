"""Who is responsible for each step of a case (责任追究, ACC-TRACE).

The steps of a selection and the persons its facts name for each: who proposed the motion, who
organised the recommendation and fixed the inspection targets, the inspection team's leader and
members, who presided at the decision meeting and who signed its minutes, who investigated an
objection, who held the appointment talk. Beside them, every entry of the record (纪实) names
its actor: the service adds those per step (app/services/accountability.py). Nothing here
refuses anything: ACC-TRACE is satisfied by the record being traceable, not by a guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.facts import (
    Appointment,
    DecisionMeeting,
    ExceptionApproval,
    Fact,
    InspectionTeam,
    ObjectionFinding,
    RecommendationRound,
    TargetDecision,
)
from app.domain.qualification import add_months
from app.domain.workflow import Stage

RULE = "ACC-TRACE"

STEPS: tuple[tuple[str, str], ...] = (
    ("motion", "分析研判和动议"),
    ("recommendation", "民主推荐"),
    ("inspection", "考察"),
    ("deliberation", "酝酿"),
    ("decision", "讨论决定"),
    ("publicity", "任前公示"),
    ("appointment", "任职"),
)

_STEP_OF_STAGE: dict[str, str] = {
    Stage.motion: "motion",
    Stage.recommendation: "recommendation",
    Stage.inspection: "inspection",
    Stage.deliberation: "deliberation",
    Stage.deliberation_held: "deliberation",
    Stage.decision: "decision",
    Stage.decision_postponed: "decision",
    Stage.publicity: "publicity",
    Stage.appointment_postponed: "publicity",
}


def step_of_stage(stage: str | None) -> str:
    """Stages after the appointment (probation, confirmed, removed ...) are its step."""
    if stage is None:
        return "motion"
    return _STEP_OF_STAGE.get(stage, "appointment")


def step_of_entry(action: str, from_stage: str | None, to_stage: str | None) -> str:
    """A transition belongs to the step it closes; a fact to the stage it was recorded in,
    except the appointment (recorded while the notice runs, it is the appointment's act)."""
    if action.startswith("fact.appointment"):
        return "appointment"
    if action.startswith("transition."):
        return step_of_stage(from_stage)
    return step_of_stage(to_stage or from_stage)


@dataclass(frozen=True)
class Responsible:
    step: str
    duty: str  # proposed_motion, organised_recommendation, ..., signed_minutes
    name: str
    fact_id: uuid.UUID | None = None


def responsible(
    motion: Mapping[str, object], facts: Iterable[Fact], candidate_id: uuid.UUID | None
) -> list[Responsible]:
    """The persons the motion and the current facts name, step by step (in fact order).
    `candidate_id`: the appointee whose appointment talk and exception approval count."""
    found: list[Responsible] = []
    proposer = str(motion.get("proposed_by") or "")
    if proposer:
        found.append(Responsible("motion", "proposed_motion", proposer))
    for f in facts:
        if not f.current:
            continue
        v = f.value
        if isinstance(v, RecommendationRound) and v.organised_by:
            found.append(
                Responsible("recommendation", "organised_recommendation", v.organised_by, f.id)
            )
        elif isinstance(v, TargetDecision):
            found.append(Responsible("recommendation", "decided_targets", v.decided_by, f.id))
        elif isinstance(v, ExceptionApproval) and v.candidate_id == candidate_id:
            found.append(Responsible("recommendation", "approved_exception", v.approved_by, f.id))
        elif isinstance(v, InspectionTeam):
            for m in v.members:
                if m.recused:
                    continue
                duty = "inspection_team_leader" if m.leader else "inspection_team_member"
                found.append(Responsible("inspection", duty, m.name, f.id))
        elif isinstance(v, DecisionMeeting):
            found.append(Responsible("decision", "presided", v.host, f.id))
            found.append(Responsible("decision", "recorded_minutes", v.recorder, f.id))
            if v.host_signed:
                found.append(Responsible("decision", "signed_minutes", v.host, f.id))
            if v.recorder_signed:
                found.append(Responsible("decision", "signed_minutes", v.recorder, f.id))
        elif isinstance(v, ObjectionFinding):
            found.append(
                Responsible("publicity", "investigated_objection", v.investigated_by, f.id)
            )
        elif isinstance(v, Appointment) and v.candidate_id == candidate_id:
            found.append(Responsible("appointment", "appointment_talk", v.talk.by, f.id))
    return found


def review_window_end(appointed_on: date, years: int) -> date:
    return add_months(appointed_on, 12 * years)


def within_review_window(appointed_on: date, found_on: date, years: int) -> bool:
    """Misconduct or a sanction found on `found_on` puts a promotion on `appointed_on` under
    review when it comes no earlier than the appointment and within `years` of it (the last
    day of the window included)."""
    return appointed_on <= found_on <= review_window_end(appointed_on, years)
