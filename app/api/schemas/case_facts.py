"""Bodies of the facts of a case (sub-resources), one model per kind."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from app.api.schemas.common import (
    AwareDateTime,
    Date,
    Ident,
    Line,
    LongText,
    ShortText,
    StrictModel,
    Text,
)
from app.domain.enums import FillMethod

Required = Annotated[str, Text(2000, 1)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Ids = Annotated[list[uuid.UUID], Field(max_length=500)]


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
    organised_by: Annotated[str, Line(200)] = Field(
        default="", description="Who organised the round (责任人, ACC-TRACE)"
    )


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
