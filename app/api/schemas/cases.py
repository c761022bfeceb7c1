"""Selection case (选拔任用工作) bodies: the motion, the facts of each stage, transitions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import Field, StrictBool, model_validator

from app.api.problems import AllowedActionOut, ViolationOut
from app.api.schemas.common import (
    AwareDateTime,
    Date,
    Ident,
    Line,
    LongText,
    OutModel,
    ShortText,
    StrictModel,
    Text,
)
from app.domain import facts as f
from app.domain.enums import FillMethod, SelectionMethod

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


# --- facts ------------------------------------------------------------------------------------


class FactIn(StrictModel):
    """Every fact body may correct an earlier fact of its kind: it then supersedes it."""

    supersedes: uuid.UUID | None = Field(
        default=None,
        description="Id of the fact of this kind that this one corrects (facts are immutable)",
    )
    correction_reason: Annotated[str, Text(2000)] | None = Field(
        default=None, description="Why the earlier fact is corrected; required with supersedes"
    )


class ScopeAmendmentIn(FactIn):
    """Amend the recommendation scope fixed by the motion (参加推荐人员范围, REC-SCOPE)."""

    recommendation_scope: int = Field(ge=1, le=100_000)
    reason: Required


class VoteResult(StrictModel):
    candidate_id: uuid.UUID
    votes_for: Count
    votes_against: Count = 0
    votes_abstain: Count = 0


class RecommendationRoundIn(FactIn):
    """A democratic recommendation round (民主推荐): talk-research 谈话调研推荐 or meeting 会议推荐.

    Tallied separately by kind (REC-SEPARATE-TALLY); counted against the scope fixed by the
    motion, never a number in the round (REC-SCOPE), only with participants >= 2/3 of it
    (REC-PARTICIPATION); usable 1 year and for its position (REC-VALIDITY)."""

    kind: Literal["talk", "meeting"]
    held_on: Date
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
    canvassing: StrictBool = Field(default=False, description="走门子、拉选票 (COMP-CANVASSING)")

    @model_validator(mode="after")
    def _one_rate(self) -> ScoreIn:
        if (self.dissatisfaction_percent is None) == (self.dissatisfaction_rate is None):
            raise ValueError("give exactly one of dissatisfaction_percent, dissatisfaction_rate")
        if self.dissatisfaction_percent is None:
            assert self.dissatisfaction_rate is not None
            self.dissatisfaction_percent = self.dissatisfaction_rate * 100
        self.dissatisfaction_rate = None
        return self


class CompetitiveScoresIn(FactIn):
    """Competitive selection scores (竞争上岗: 笔试、面试、民主测评), COMP-SCORE."""

    scores: list[ScoreIn] = Field(min_length=1, max_length=500)


class ExceptionApprovalIn(FactIn):
    """Written approval of the upper organisation department for an exceptional promotion
    (破格/越级, EXC-APPROVAL)."""

    candidate_id: uuid.UUID
    kinds: list[Literal["service", "tenure", "skip_level"]] = Field(min_length=1, max_length=3)
    approved_by: Annotated[str, Line(200, 1)]
    document_no: Annotated[str, Ident(100, 1)]
    approved_on: Date
    reason: Required


class TargetDecisionIn(FactIn):
    """The collective decision that fixes the inspection targets (确定考察对象, REC-NOT-VOTES)."""

    decided_by: Annotated[str, Line(200, 1)] = Field(examples=["部务会"])
    decided_on: Date
    minutes: Required
    candidate_ids: Ids
    equal_number_reason: Annotated[str, Text(2000)] | None = Field(
        default=None, description="Needed when targets equal places (INS-MORE-THAN-PLACES)"
    )


class InspectionNoticeIn(FactIn):
    """考察预告 (INS-NOTICE)."""

    candidate_ids: Ids = Field(default_factory=list, description="Default: every target")
    period_start: Date
    period_end: Date
    team: Annotated[str, Text(2000, 1)]
    contact: Annotated[str, Line(200, 1)]
    how_to_report: Required
    published_on: Date


class TeamMember(StrictModel):
    name: Annotated[str, Line(100, 1)]
    unit: ShortText = ""
    leader: StrictBool = Field(default=False, description="Team leader (组长, ACC-TRACE)")
    related_candidate_ids: Ids = Field(default_factory=list)
    recused: StrictBool = False


class InspectionTeamIn(FactIn):
    """The inspection team (考察组): at least 2 members; related members recuse (INS-TEAM)."""

    members: list[TeamMember] = Field(min_length=1, max_length=50)


class FourMusts(StrictModel):
    """凡提四必 (INS-FOUR-MUSTS)."""

    dossier_audited: StrictBool
    personal_matters_checked: StrictBool
    discipline_opinion_received: StrictBool
    complaints_verified: StrictBool


class IntegrityConclusion(StrictModel):
    text: Required
    party_secretary_signed: StrictBool
    discipline_secretary_signed: StrictBool
    signed_on: Date


class InspectionReportIn(FactIn):
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
    previous_unit_inspected: StrictBool = False
    previous_unit: ShortText = ""


class ProposalIn(FactIn):
    """Candidates put forward for the decision (拟任人选)."""

    candidate_ids: Ids
    dual_managed_ids: Ids = Field(
        default_factory=list, description="Dual-managed cadres (双重管理): consult the co-manager"
    )


class ConsultationIn(FactIn):
    """Deliberation (酝酿, DEL-CONSULT): no answer within a month counts as consent."""

    party: Literal["leaders", "united_front", "co_managing"]
    candidate_id: uuid.UUID | None = None
    consulted_on: Date
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


class RecusalIn(StrictModel):
    """A roster member who withdraws for one candidate (DEC-RECUSAL)."""

    member_id: uuid.UUID = Field(description="Roster member id of the decision body")
    candidate_id: uuid.UUID
    relation: ShortText = ""


class FullCommitteeOpinionsIn(StrictModel):
    """Urgent case of a full-committee post decided by the standing committee."""

    full_committee_id: uuid.UUID
    solicited_on: Date
    summary: Required
    urgent_reason: Required


class DecisionMeetingIn(FactIn):
    """The committee meeting (讨论决定): tallies only, never who voted how (DEC-SECRET-BALLOT).

    Who should attend is the roster of `body_id` on the meeting day (DEC-ROSTER); attendance
    and recusals name roster members. DEC-QUORUM: present >= 2/3 of the roster. DEC-MAJORITY:
    votes_for > half of the roster (not of those present)."""

    body_id: uuid.UUID = Field(description="The decision body (常委会, 党组, 全委会 ...)")
    held_at: AwareDateTime
    place: Annotated[str, Line(200, 1)]
    attendee_ids: Ids = Field(description="Roster members present (实到会成员)")
    recusals: list[RecusalIn] = Field(default_factory=list, max_length=100)
    voting_method: Literal["secret_ballot", "show_of_hands", "oral"] = "secret_ballot"
    host: Annotated[str, Line(100, 1)]
    recorder: Annotated[str, Line(100, 1)]
    host_signed: StrictBool
    recorder_signed: StrictBool
    discussion: Required
    decision: Required
    results: list[BallotResult] = Field(min_length=1, max_length=100)
    full_committee_opinions: FullCommitteeOpinionsIn | None = Field(
        default=None,
        description="DEC-FULL-COMMITTEE: when urgent, the standing committee decides a "
        "full-committee post after soliciting the full committee members' opinions",
    )


class ReconsiderationIn(FactIn):
    """A vote to reopen the decision (复议, DEC-RECONSIDER): more than half of all members of
    the deciding body's roster on that day."""

    held_on: Date
    attendee_ids: Ids
    votes_for: Count
    reason: Required


class PublicityNoticeIn(FactIn):
    """The pre-appointment notice (任前公示). The end is computed (PUB-DURATION)."""

    start_date: Date
    how_to_object: Required
    contact: Annotated[str, Line(200, 1)]
    exception_reasons: dict[str, Annotated[str, Text(2000, 1)]] = Field(
        default_factory=dict,
        max_length=100,
        description="candidate id -> why the promotion is exceptional (PUB-EXCEPTION-REASON)",
    )


class ObjectionIn(FactIn):
    """An objection (反映) during publicity (PUB-OBJECTIONS)."""

    candidate_id: uuid.UUID | None = None
    content: Annotated[str, Text(5000, 1)]
    has_specific_leads: StrictBool = True
    contact: Annotated[str, Line(200)] | None = Field(
        default=None, description="Confidential; never shown publicly"
    )


class FindingIn(FactIn):
    """The investigation finding of an objection (调查核实, PUB-OBJECTIONS)."""

    finding: Literal["appoint", "postpone", "not_appoint"]
    investigation: Required
    investigated_by: Annotated[str, Line(200, 1)]
    concluded_on: Date


class ObjectionFindingIn(FindingIn):
    objection_id: uuid.UUID


class Talk(StrictModel):
    held_on: Date
    by: Annotated[str, Line(200, 1)]
    summary: Annotated[str, Text(4000)] = ""


class AppointmentIn(FactIn):
    """The appointment (任职, APP-FORM): form, appointment talk (任职谈话), date."""

    candidate_id: uuid.UUID
    form: FillMethod
    notice_no: Annotated[str, Ident(100)] = ""
    appointed_on: Date
    talk: Talk


class ProbationAssessmentIn(FactIn):
    """Assessment at the end of probation (试用期满考核, PROB-OUTCOME)."""

    candidate_id: uuid.UUID
    assessed_on: Date
    competent: StrictBool
    summary: Required


FACT_BODIES: dict[str, type[FactIn]] = {
    "scope_amendment": ScopeAmendmentIn,
    "objection_finding": ObjectionFindingIn,
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
