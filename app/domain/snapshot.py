"""What the rules judge: a case with its candidates and facts at one instant (pure data).

The service loads a case once and builds a snapshot from it; guards, effects and the timeline
checks read only the snapshot, never a database or the clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from app.domain.calendar import CHINA_TZ
from app.domain.enums import FillMethod, SelectionMethod
from app.domain.facts import (
    Appointment,
    DecisionMeeting,
    Fact,
    FactValue,
    Objection,
    ObjectionFinding,
    PublicityNotice,
    Reconsideration,
)
from app.domain.policy import PolicyParams
from app.domain.qualification import CandidateProfile, ExceptionApprovals, TargetPost
from app.domain.workflow.stages import Standing

V = TypeVar("V", bound=FactValue)


@dataclass(frozen=True)
class Member:
    candidate_id: str
    name: str
    standing: Standing
    profile: CandidateProfile
    approvals: ExceptionApprovals
    current_post_since: date | None
    exceptional: bool = False
    training_deferred: bool = False
    appointed_on: date | None = None
    probation_ends: date | None = None


@dataclass(frozen=True)
class StageEntry:
    """When the current pass entered a stage, and how many facts the case had then."""

    at: datetime
    seq: int


# Facts that belong to one pass of their stage: after a reconsideration (复议) the case goes
# back to the decision, and the old meeting, notice, objections and appointments no longer count.
PASS_SCOPED: dict[type[FactValue], str] = {
    DecisionMeeting: "decision",
    Reconsideration: "publicity",
    PublicityNotice: "publicity",
    Objection: "publicity",
    ObjectionFinding: "publicity",
    Appointment: "publicity",
}


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: str
    stage: str
    method: SelectionMethod
    places: int
    position_id: str
    target: TargetPost
    fill_method: FillMethod
    probation_applies: bool
    full_committee_post: bool
    free_places: int
    motion: Mapping[str, object]
    policy: PolicyParams
    now: datetime
    members: tuple[Member, ...]
    facts: tuple[Fact, ...]  # every fact in recording order, superseded ones included
    created_at: datetime
    stage_entered: Mapping[str, StageEntry]  # stage -> when the current pass entered it

    @property
    def today(self) -> date:
        return self.now.astimezone(CHINA_TZ).date()

    def entered_on(self, stage: str) -> date:
        """China-time day on which the current pass entered `stage` (the case start if never)."""
        entry = self.stage_entered.get(stage)
        at = entry.at if entry else self.created_at
        return at.astimezone(CHINA_TZ).date()

    def in_pass(self, fact: Fact) -> bool:
        """Not superseded, and recorded in the current pass of its stage when that matters."""
        if not fact.current:
            return False
        anchor = PASS_SCOPED.get(type(fact.value))
        entry = self.stage_entered.get(anchor) if anchor else None
        return entry is None or fact.seq > entry.seq

    @property
    def recommendation_scope(self) -> int:
        return int(str(self.motion.get("recommendation_scope") or 0))

    @property
    def special_post(self) -> bool:
        return bool(self.motion.get("special_post"))

    def current(self, kind: type[V]) -> list[tuple[Fact, V]]:
        """Current (not superseded) facts of a kind, in recording order, with typed values."""
        return [(f, f.value) for f in self.facts if isinstance(f.value, kind) and self.in_pass(f)]

    def values(self, kind: type[V]) -> list[V]:
        return [v for _, v in self.current(kind)]

    def latest(self, kind: type[V]) -> V | None:
        found = self.values(kind)
        return found[-1] if found else None

    def fact(self, fact_id: uuid.UUID) -> Fact | None:
        return next((f for f in self.facts if f.id == fact_id), None)

    def member(self, candidate_id: object) -> Member | None:
        key = str(candidate_id)
        return next((m for m in self.members if m.candidate_id == key), None)

    def in_standing(self, *standings: Standing) -> list[Member]:
        return [m for m in self.members if m.standing in standings]

    def objection_status(self, objection: Fact) -> str:
        """open / noted / appoint / postpone / not_appoint: its latest current finding."""
        findings = [v for v in self.values(ObjectionFinding) if v.objection_id == objection.id]
        if findings:
            return findings[-1].finding
        assert isinstance(objection.value, Objection)
        return "open" if objection.value.has_specific_leads else "noted"

    def objections(self) -> list[tuple[Fact, Objection, str]]:
        return [(f, v, self.objection_status(f)) for f, v in self.current(Objection)]
