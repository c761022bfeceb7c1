"""Selection case (选拔任用工作) bodies: the motion, transitions, and what a case reads as.

The bodies of the facts of each stage are in case_facts.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import Field, StrictBool, model_validator

from app.api.problems import AllowedActionOut, ViolationOut
from app.api.schemas.common import (
    Ident,
    Line,
    OutModel,
    ShortText,
    StrictModel,
    Text,
)
from app.domain import facts as f
from app.domain.enums import SelectionMethod

Required = Annotated[str, Text(2000, 1)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Ids = Annotated[list[uuid.UUID], Field(max_length=500)]


class Motion(StrictModel):
    """The motion (动议, MOT-PLAN): who proposed it, the scope of recommendation, conditions."""

    proposer_kind: Literal["main_leader", "leader_in_charge", "org_department"] = Field(
        description="main leader 主要领导 / leader in charge with consent 分管领导 / 组织部门"
    )
    proposed_by: Annotated[str, Line(200, 1)]
    recommendation_scope: int = Field(
        ge=1, le=100_000, description="How many people should take part (民主推荐范围)"
    )
    conditions: Annotated[str, Text(4000)] = Field(default="", description="任职条件")
    procedure: Annotated[str, Text(4000)] = Field(default="", description="工作方案/程序")
    special_post: StrictBool = Field(
        default=False,
        description="A special post named by the organisation: no democratic recommendation "
        "(REC-REQUIRED exception)",
    )
    special_post_reason: ShortText = ""

    @model_validator(mode="after")
    def _reason(self) -> Motion:
        if self.special_post and not self.special_post_reason:
            raise ValueError("special_post needs special_post_reason")
        return self


class MotionPatch(StrictModel):
    proposer_kind: Literal["main_leader", "leader_in_charge", "org_department"] | None = None
    proposed_by: Annotated[str, Line(200, 1)] | None = None
    recommendation_scope: int | None = Field(default=None, ge=1, le=100_000)
    conditions: Annotated[str, Text(4000)] | None = None
    procedure: Annotated[str, Text(4000)] | None = None
    special_post: StrictBool | None = None
    special_post_reason: ShortText | None = None


class CaseCreate(StrictModel):
    """Start a case with its motion. `policy` is a policy name (latest version) or id."""

    title: Annotated[str, Line(200, 1)]
    external_id: Annotated[str, Ident(100, 1)] | None = Field(
        default=None, description="The HR system's own id of this selection (unique)"
    )
    position_id: uuid.UUID
    places: int = Field(ge=1, le=1000, description="Places to fill (HEADCOUNT)")
    method: SelectionMethod
    policy: Annotated[str, Ident(100, 1)] | None = Field(
        default=None, examples=["central", "city-7-day-publicity"]
    )
    motion: Motion
    candidate_ids: Ids = Field(default_factory=list, description="Initial candidate pool")


class CasePatch(StrictModel):
    """Change the motion while the case is in the motion stage (If-Match required)."""

    title: Annotated[str, Line(200, 1)] | None = None
    places: int | None = Field(default=None, ge=1, le=1000)
    motion: MotionPatch | None = None


class PoolAdd(StrictModel):
    candidate_id: uuid.UUID


class TransitionIn(StrictModel):
    action: Annotated[str, Ident(64, 1)] = Field(examples=["start_recommendation"])
    reason: Annotated[str, Text(4000)] | None = None


# --- output -----------------------------------------------------------------------------------


V = TypeVar("V")


class FactOut(OutModel, Generic[V]):
    """A recorded fact: immutable; a correction is a new fact that supersedes it."""

    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    seq: int = Field(description="Order of recording within the case")
    stage: str = Field(description="The stage it was recorded in")
    candidate_id: uuid.UUID | None
    recorded_at: datetime
    current: bool = Field(description="False once a later fact supersedes it")
    supersedes: uuid.UUID | None
    superseded_by: uuid.UUID | None
    correction_reason: str | None
    status: str | None = Field(
        default=None, description="Objections only: open / noted / appoint / postpone / not_appoint"
    )
    data: V


class CaseFactsOut(OutModel):
    """Every fact of the case by kind, in recording order (superseded ones flagged)."""

    scope_amendment: list[FactOut[f.ScopeAmendment]] = Field(default_factory=list)
    recommendation_round: list[FactOut[f.RecommendationRound]] = Field(default_factory=list)
    competitive_scores: list[FactOut[f.CompetitiveScores]] = Field(default_factory=list)
    exception_approval: list[FactOut[f.ExceptionApproval]] = Field(default_factory=list)
    target_decision: list[FactOut[f.TargetDecision]] = Field(default_factory=list)
    inspection_notice: list[FactOut[f.InspectionNotice]] = Field(default_factory=list)
    inspection_team: list[FactOut[f.InspectionTeam]] = Field(default_factory=list)
    inspection_report: list[FactOut[f.InspectionReport]] = Field(default_factory=list)
    proposal: list[FactOut[f.Proposal]] = Field(default_factory=list)
    consultation: list[FactOut[f.Consultation]] = Field(default_factory=list)
    decision_meeting: list[FactOut[f.DecisionMeeting]] = Field(default_factory=list)
    reconsideration: list[FactOut[f.Reconsideration]] = Field(default_factory=list)
    publicity_notice: list[FactOut[f.PublicityNotice]] = Field(default_factory=list)
    objection: list[FactOut[f.Objection]] = Field(default_factory=list)
    objection_finding: list[FactOut[f.ObjectionFinding]] = Field(default_factory=list)
    appointment: list[FactOut[f.Appointment]] = Field(default_factory=list)
    probation_assessment: list[FactOut[f.ProbationAssessment]] = Field(default_factory=list)


FACT_OUT: dict[str, type[FactOut[Any]]] = {
    name: CaseFactsOut.model_fields[name].annotation.__args__[0]  # type: ignore[union-attr]
    for name in CaseFactsOut.model_fields
}


class TallyOut(OutModel):
    candidate_id: uuid.UUID
    votes_for: int
    votes_against: int
    votes_abstain: int
    participants: int


class MotionOut(OutModel):
    """The motion as it stands (动议); the scope changes by amendment after the motion stage."""

    proposer_kind: str
    proposed_by: str
    recommendation_scope: int = Field(description="参加推荐人员范围 (REC-SCOPE)")
    conditions: str = ""
    procedure: str = ""
    special_post: bool = False
    special_post_reason: str = ""


class CaseCandidateOut(OutModel):
    candidate_id: uuid.UUID
    name: str
    standing: str = Field(
        description="pool → recommended → target → inspected → proposed → "
        "approved → publicised → appointed → confirmed; or out"
    )
    out_rule: str | None
    out_reason: str | None
    nomination_id: uuid.UUID | None
    exceptional: bool
    training_deferred: bool
    training_deadline: date | None
    appointed_on: date | None
    probation_ends: date | None


class PolicyRef(OutModel):
    id: uuid.UUID
    name: str
    version: int


class PublicityWindowOut(OutModel):
    start_date: date
    end_date: date
    closes_at: datetime
    working_days: int


class CaseOut(OutModel):
    id: uuid.UUID
    external_id: str | None
    title: str
    stage: str
    stage_label_zh: str
    method: SelectionMethod
    places: int
    position_id: uuid.UUID
    free_places: int
    policy: PolicyRef
    motion: MotionOut
    candidates: list[CaseCandidateOut]
    recommendation_tallies: dict[Literal["talk", "meeting"], list[TallyOut]] = Field(
        description="Counted rounds' votes, per kind, never mixed (REC-SEPARATE-TALLY)"
    )
    in_post: list[uuid.UUID] = Field(
        description="Candidates this case appointed who still hold the post"
    )
    stage_entered: dict[str, datetime] = Field(
        description="When the current pass entered each stage (CASE-TIMELINE)"
    )
    facts: CaseFactsOut
    publicity: PublicityWindowOut | None
    closes_at: datetime | None
    closed_reason: str | None
    allowed_actions: list[AllowedActionOut]
    version: int
    etag: str
    created_at: datetime
    updated_at: datetime


class CaseSummaryOut(OutModel):
    id: uuid.UUID
    external_id: str | None
    title: str
    stage: str
    method: SelectionMethod
    places: int
    position_id: uuid.UUID
    closes_at: datetime | None
    etag: str
    created_at: datetime
    updated_at: datetime


class ValidationOut(OutModel):
    """The outcome of `?validate_only=true`: nothing changed."""

    action: str
    from_stage: str
    to_stage: str
    enabled: bool
    violations: list[ViolationOut]


class RecordEntryOut(OutModel):
    seq: int
    at: datetime
    action: str
    actor_id: uuid.UUID | None
    actor_name: str
    actor_role: str
    from_stage: str | None
    to_stage: str | None
    rules: list[str] = Field(description="Ids of the rules the step was checked against")
    payload: dict[str, Any] = Field(
        description="What the step recorded; its keys depend on `action` (a transition, a "
        "kind of fact) and are part of the hashed entry, so they are kept as written"
    )
    request_id: str | None
    prev_hash: str
    hash: str


class RecordOut(OutModel):
    case_id: uuid.UUID
    entries: list[RecordEntryOut]
    verified: bool = Field(
        description="The entries of this page verify under the key and link to the entry "
        "before the page; the record's last entry is the head the case's row carries and "
        "leaves the case in its stage (REC-RECORD). With `verify=chain`, the whole chain too"
    )
    verification: Literal["page", "chain"] = Field(
        description="What `verified` covers: this page (and the head), or the whole chain"
    )
    first_bad_seq: int | None = None
    problems: list[str] = Field(
        default_factory=list, description="What does not verify, in words (empty when verified)"
    )
    next_cursor: str | None = Field(
        default=None, description="Opaque; pass as `cursor` to get the next page of entries"
    )
