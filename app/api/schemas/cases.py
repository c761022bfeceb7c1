"""Selection case (选拔任用工作) bodies: the motion, the facts of each stage, transitions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from app.api.problems import AllowedActionOut
from app.api.schemas.common import LongText, OutModel, ShortText, StrictModel, Text
from app.domain.enums import FillMethod, SelectionMethod

Required = Annotated[str, Text(2000, 1)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Ids = Annotated[list[uuid.UUID], Field(max_length=500)]


class Motion(StrictModel):
    """The motion (动议, MOT-PLAN): who proposed it, the scope of recommendation, conditions."""

    proposer_kind: Literal["main_leader", "leader_in_charge", "org_department"] = Field(
        description="main leader 主要领导 / leader in charge with consent 分管领导 / 组织部门"
    )
    proposed_by: Annotated[str, Text(200, 1)]
    recommendation_scope: int = Field(
        ge=1, le=100_000, description="How many people should take part (民主推荐范围)"
    )
    conditions: Annotated[str, Text(4000)] = Field(default="", description="任职条件")
    procedure: Annotated[str, Text(4000)] = Field(default="", description="工作方案/程序")
    special_post: bool = Field(
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
    proposed_by: Annotated[str, Text(200, 1)] | None = None
    recommendation_scope: int | None = Field(default=None, ge=1, le=100_000)
    conditions: Annotated[str, Text(4000)] | None = None
    procedure: Annotated[str, Text(4000)] | None = None
    special_post: bool | None = None
    special_post_reason: ShortText | None = None


class CaseCreate(StrictModel):
    """Start a case with its motion. `policy` is a policy name (latest version) or id."""

    title: Annotated[str, Text(200, 1)]
    position_id: uuid.UUID
    places: int = Field(ge=1, le=1000, description="Places to fill (HEADCOUNT)")
    method: SelectionMethod
    policy: Annotated[str, Text(100, 1)] | None = Field(
        default=None, examples=["central", "city-7-day-publicity"]
    )
    motion: Motion
    candidate_ids: Ids = Field(default_factory=list, description="Initial candidate pool")


class CasePatch(StrictModel):
    """Change the motion while the case is in the motion stage (If-Match required)."""

    title: Annotated[str, Text(200, 1)] | None = None
    places: int | None = Field(default=None, ge=1, le=1000)
    motion: MotionPatch | None = None


class PoolAdd(StrictModel):
    candidate_id: uuid.UUID


class TransitionIn(StrictModel):
    action: Annotated[str, Text(64, 1)] = Field(examples=["start_recommendation"])
    reason: Annotated[str, Text(4000)] | None = None


# --- facts ------------------------------------------------------------------------------------


class VoteResult(StrictModel):
    candidate_id: uuid.UUID
    votes_for: Count
    votes_against: Count = 0
    votes_abstain: Count = 0


class RecommendationRoundIn(StrictModel):
    """A democratic recommendation round (民主推荐): talk-research 谈话调研推荐 or meeting 会议推荐.

    Tallied separately by kind (REC-SEPARATE-TALLY); counts only with participants >= 2/3 of
    the scope (REC-PARTICIPATION); usable 1 year and for its position (REC-VALIDITY)."""

    kind: Literal["talk", "meeting"]
    held_on: date
    scope_size: int = Field(ge=1, le=1_000_000)
    participants: Count
    position_id: uuid.UUID | None = Field(
        default=None, description="Position the round was directed at (default: this case's)"
    )
    results: list[VoteResult] = Field(max_length=500)


class ScoreIn(StrictModel):
    candidate_id: uuid.UUID
    written: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
    interview: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
    evaluation: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
    dissatisfaction_percent: (
        Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=3)] | None
    ) = Field(
        default=None,
        description="不满意率 in percent (30 = 30 %): above the policy cut-off excludes",
    )
    dissatisfaction_rate: (
        Annotated[Decimal, Field(ge=0, le=1, max_digits=7, decimal_places=5)] | None
    ) = Field(default=None, description="The same as a fraction (0.3 = 30 %); give one of the two")
    canvassing: bool = Field(default=False, description="走门子、拉选票 (COMP-CANVASSING)")

    @model_validator(mode="after")
    def _one_rate(self) -> ScoreIn:
        if (self.dissatisfaction_percent is None) == (self.dissatisfaction_rate is None):
            raise ValueError("give exactly one of dissatisfaction_percent, dissatisfaction_rate")
        if self.dissatisfaction_percent is None:
            assert self.dissatisfaction_rate is not None
            self.dissatisfaction_percent = self.dissatisfaction_rate * 100
        self.dissatisfaction_rate = None
        return self


class CompetitiveScoresIn(StrictModel):
    """Competitive selection scores (竞争上岗: 笔试、面试、民主测评), COMP-SCORE."""

    scores: list[ScoreIn] = Field(min_length=1, max_length=500)


class ExceptionApprovalIn(StrictModel):
    """Written approval of the upper organisation department for an exceptional promotion
    (破格/越级, EXC-APPROVAL)."""

    candidate_id: uuid.UUID
    kinds: list[Literal["service", "tenure", "skip_level"]] = Field(min_length=1, max_length=3)
    approved_by: Annotated[str, Text(200, 1)]
    document_no: Annotated[str, Text(100, 1)]
    approved_on: date
    reason: Required


class TargetDecisionIn(StrictModel):
    """The collective decision that fixes the inspection targets (确定考察对象, REC-NOT-VOTES)."""

    decided_by: Annotated[str, Text(200, 1)] = Field(examples=["部务会"])
    decided_on: date
    minutes: Required
    candidate_ids: Ids
    equal_number_reason: Annotated[str, Text(2000)] | None = Field(
        default=None, description="Needed when targets equal places (INS-MORE-THAN-PLACES)"
    )


class InspectionNoticeIn(StrictModel):
    """考察预告 (INS-NOTICE)."""

    candidate_ids: Ids = Field(default_factory=list, description="Default: every target")
    period_start: date
    period_end: date
    team: Annotated[str, Text(2000, 1)]
    contact: Annotated[str, Text(200, 1)]
    how_to_report: Required
    published_on: date


class TeamMember(StrictModel):
    name: Annotated[str, Text(100, 1)]
    unit: ShortText = ""
    related_candidate_ids: Ids = Field(default_factory=list)
    recused: bool = False


class InspectionTeamIn(StrictModel):
    """The inspection team (考察组): at least 2 members; related members recuse (INS-TEAM)."""

    members: list[TeamMember] = Field(min_length=1, max_length=50)


class FourMusts(StrictModel):
    """凡提四必 (INS-FOUR-MUSTS)."""

    dossier_audited: bool
    personal_matters_checked: bool
    discipline_opinion_received: bool
    complaints_verified: bool


class IntegrityConclusion(StrictModel):
    text: Required
    party_secretary_signed: bool
    discipline_secretary_signed: bool
    signed_on: date


class InspectionReportIn(StrictModel):
    """A target's inspection report (考察材料): 德能勤绩廉, shortcomings, results (INS-REPORT)."""

    candidate_id: uuid.UUID
    morality: Required
    ability: Required
    diligence: Required
    achievement: Required
    integrity: Required
    shortcomings: Required
    recommendation_results: Required
    evaluation_results: Required
    key_interviews: LongText = ""
    four_musts: FourMusts
    integrity_conclusion: IntegrityConclusion
    previous_unit_inspected: bool = False
    previous_unit: ShortText = ""


class ProposalIn(StrictModel):
    """Candidates put forward for the decision (拟任人选)."""

    candidate_ids: Ids
    dual_managed_ids: Ids = Field(
        default_factory=list, description="Dual-managed cadres (双重管理): consult the co-manager"
    )


class ConsultationIn(StrictModel):
    """Deliberation (酝酿, DEL-CONSULT): no answer within a month counts as consent."""

    party: Literal["leaders", "united_front", "co_managing"]
    candidate_id: uuid.UUID | None = None
    consulted_on: date
    answer: Literal["agree", "disagree", "no_answer"]
    note: Annotated[str, Text(2000)] = ""


class Briefing(StrictModel):
    """DEC-BRIEFING: nomination, recommendation, inspection and reasons, one by one."""

    nomination: Required
    recommendation: Required
    inspection: Required
    reasons: Required


class BallotResult(StrictModel):
    candidate_id: uuid.UUID
    proposed_post: ShortText = ""
    briefing: Briefing
    votes_for: Count
    votes_against: Count = 0
    votes_abstain: Count = 0


class Recusal(StrictModel):
    name: Annotated[str, Text(100, 1)]
    candidate_id: uuid.UUID | None = None
    relation: ShortText = ""


class DecisionMeetingIn(StrictModel):
    """The committee meeting (讨论决定): tallies only, never who voted how (DEC-SECRET-BALLOT).

    DEC-QUORUM: present >= 2/3 of members_expected. DEC-MAJORITY: votes_for > half of
    members_expected (not of those present)."""

    held_at: datetime
    place: Annotated[str, Text(200, 1)]
    members_expected: int = Field(ge=1, le=1000, description="应到会成员")
    members_present: int = Field(ge=0, le=1000, description="实到会成员")
    member_candidate_ids: Ids = Field(
        default_factory=list, description="Members who are themselves candidates (must recuse)"
    )
    recusals: list[Recusal] = Field(default_factory=list, max_length=100)
    voting_method: Literal["secret_ballot", "show_of_hands", "oral"] = "secret_ballot"
    host: Annotated[str, Text(100, 1)]
    recorder: Annotated[str, Text(100, 1)]
    host_signed: bool
    recorder_signed: bool
    discussion: Required
    decision: Required
    results: list[BallotResult] = Field(min_length=1, max_length=100)


class ReconsiderationIn(StrictModel):
    """A vote to reopen the decision (复议, DEC-RECONSIDER: more than half of all members)."""

    held_on: date
    members_expected: int = Field(ge=1, le=1000)
    votes_for: Count
    reason: Required


class PublicityNoticeIn(StrictModel):
    """The pre-appointment notice (任前公示). The end is computed (PUB-DURATION)."""

    start_date: date
    how_to_object: Required
    contact: Annotated[str, Text(200, 1)]
    exception_reasons: dict[str, Annotated[str, Text(2000, 1)]] = Field(
        default_factory=dict,
        max_length=100,
        description="candidate id -> why the promotion is exceptional (PUB-EXCEPTION-REASON)",
    )


class ObjectionIn(StrictModel):
    """An objection (反映) during publicity (PUB-OBJECTIONS)."""

    candidate_id: uuid.UUID | None = None
    content: Annotated[str, Text(5000, 1)]
    has_specific_leads: bool = True
    contact: Annotated[str, Text(200)] | None = Field(
        default=None, description="Confidential; never shown publicly"
    )


class FindingIn(StrictModel):
    finding: Literal["appoint", "postpone", "not_appoint"]
    investigation: Required
    investigated_by: Annotated[str, Text(200, 1)]
    concluded_on: date


class Talk(StrictModel):
    held_on: date
    by: Annotated[str, Text(200, 1)]
    summary: Annotated[str, Text(4000)] = ""


class AppointmentIn(StrictModel):
    """The appointment (任职, APP-FORM): form, appointment talk (任职谈话), date."""

    candidate_id: uuid.UUID
    form: FillMethod
    notice_no: Annotated[str, Text(100)] = ""
    appointed_on: date
    talk: Talk


class ProbationAssessmentIn(StrictModel):
    """Assessment at the end of probation (试用期满考核, PROB-OUTCOME)."""

    candidate_id: uuid.UUID
    assessed_on: date
    competent: bool
    summary: Required


FACT_BODIES: dict[str, type[StrictModel]] = {
    "recommendation_round": RecommendationRoundIn,
    "competitive_scores": CompetitiveScoresIn,
    "exception_approval": ExceptionApprovalIn,
    "target_decision": TargetDecisionIn,
    "inspection_notice": InspectionNoticeIn,
    "inspection_team": InspectionTeamIn,
    "inspection_report": InspectionReportIn,
    "proposal": ProposalIn,
    "consultation": ConsultationIn,
    "decision_meeting": DecisionMeetingIn,
    "reconsideration": ReconsiderationIn,
    "publicity_notice": PublicityNoticeIn,
    "objection": ObjectionIn,
    "appointment": AppointmentIn,
    "probation_assessment": ProbationAssessmentIn,
}

# --- output -----------------------------------------------------------------------------------


class FactOut(OutModel):
    id: uuid.UUID
    kind: str
    stage: str
    candidate_id: uuid.UUID | None
    status: str | None
    data: dict[str, Any]
    created_at: datetime


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
    title: str
    stage: str
    stage_label_zh: str
    method: SelectionMethod
    places: int
    position_id: uuid.UUID
    free_places: int
    policy: PolicyRef
    motion: dict[str, Any]
    candidates: list[CaseCandidateOut]
    recommendation_tallies: dict[str, list[dict[str, Any]]] = Field(
        description="Counted rounds' votes, per kind, never mixed (REC-SEPARATE-TALLY)"
    )
    facts: dict[str, list[FactOut]]
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
    violations: list[dict[str, Any]]


class RecordEntryOut(OutModel):
    seq: int
    at: datetime
    action: str
    actor_id: uuid.UUID | None
    actor_name: str
    actor_role: str
    from_stage: str | None
    to_stage: str | None
    rules: list[Any]
    payload: dict[str, Any]
    request_id: str | None
    prev_hash: str
    hash: str


class RecordOut(OutModel):
    case_id: uuid.UUID
    entries: list[RecordEntryOut]
    verified: bool = Field(description="The hash chain verifies (REC-RECORD)")
    first_bad_seq: int | None = None
