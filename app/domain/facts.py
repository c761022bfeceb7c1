"""Typed facts of a case (案件事实), one frozen value per kind, as they are stored.

A fact is recorded in its stage and never edited: a correction is a new fact of the same kind
that supersedes the old one, with a reason (both stay in the record). Server-derived fields
(the scope a round is counted against, the roster of a meeting, the publicity window) are part
of the stored value so that a fact reads back exactly as the guards judged it.

Bumping a kind's layout bumps SCHEMA_VERSION; the loader refuses a stored fact whose version
it does not know rather than guessing (app/services/cases/codec.py). A version whose layout the
current one only extends with defaulted fields stays in READABLE_SCHEMA_VERSIONS: its facts read
with those defaults.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

# 3: who is responsible for a step (ACC-TRACE): `organised_by` of a recommendation round.
SCHEMA_VERSION = 3
# Version 2 facts lack only fields that version 3 adds with a default ("": not recorded).
READABLE_SCHEMA_VERSIONS = frozenset({2, 3})


# --- recommendation (民主推荐) ------------------------------------------------------------------


@dataclass(frozen=True)
class VoteTally:
    candidate_id: uuid.UUID
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0


@dataclass(frozen=True)
class RecommendationRound:
    """A talk-research (谈话调研推荐) or meeting (会议推荐) round, tallied separately."""

    kind: Literal["talk", "meeting"]
    held_on: date
    participants: int
    results: tuple[VoteTally, ...]
    # Derived: the scope fixed by the motion when the round was recorded (REC-SCOPE), the
    # position it was directed at, and whether it reached the participation share.
    scope_size: int = 0
    position_id: uuid.UUID | None = None
    counted: bool = False
    # Who organised the round (组织推荐的责任人, ACC-TRACE); "" in facts of schema 2.
    organised_by: str = ""


@dataclass(frozen=True)
class ScopeAmendment:
    """A recorded change of the recommendation scope fixed by the motion (REC-SCOPE)."""

    recommendation_scope: int
    reason: str
    previous_scope: int = 0


@dataclass(frozen=True)
class Score:
    candidate_id: uuid.UUID
    written: Decimal
    interview: Decimal
    evaluation: Decimal
    dissatisfaction_percent: Decimal
    canvassing: bool = False


@dataclass(frozen=True)
class Ranking:
    candidate_id: uuid.UUID
    total: str
    rank: int
    excluded_rule: str | None
    shortlisted: bool
    detail: str


@dataclass(frozen=True)
class CompetitiveScores:
    """Written exam, interview and democratic evaluation of a competitive selection."""

    scores: tuple[Score, ...]
    ranking: tuple[Ranking, ...] = ()


@dataclass(frozen=True)
class ExceptionApproval:
    """The upper organisation department's written approval (破格/越级审批)."""

    candidate_id: uuid.UUID
    kinds: tuple[Literal["service", "tenure", "skip_level"], ...]
    approved_by: str
    document_no: str
    approved_on: date
    reason: str


@dataclass(frozen=True)
class TargetDecision:
    """The collective decision fixing the inspection targets (确定考察对象)."""

    decided_by: str
    decided_on: date
    minutes: str
    candidate_ids: tuple[uuid.UUID, ...]
    equal_number_reason: str | None = None


# --- inspection (考察) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionNotice:
    """考察预告."""

    period_start: date
    period_end: date
    team: str
    contact: str
    how_to_report: str
    published_on: date
    candidate_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class TeamMember:
    name: str
    unit: str = ""
    leader: bool = False
    related_candidate_ids: tuple[uuid.UUID, ...] = ()
    recused: bool = False


@dataclass(frozen=True)
class InspectionTeam:
    """考察组."""

    members: tuple[TeamMember, ...]


@dataclass(frozen=True)
class FourMusts:
    """凡提四必."""

    dossier_audited: bool
    personal_matters_checked: bool
    discipline_opinion_received: bool
    complaints_verified: bool


@dataclass(frozen=True)
class IntegrityConclusion:
    text: str
    party_secretary_signed: bool
    discipline_secretary_signed: bool
    signed_on: date


@dataclass(frozen=True)
class InspectionReport:
    """A target's report (考察材料): 德能勤绩廉, shortcomings, recommendation and evaluation."""

    candidate_id: uuid.UUID
    morality: str
    ability: str
    diligence: str
    achievement: str
    integrity: str
    shortcomings: str
    recommendation_results: str
    evaluation_results: str
    four_musts: FourMusts
    integrity_conclusion: IntegrityConclusion
    key_interviews: str = ""
    previous_unit_inspected: bool = False
    previous_unit: str = ""


# --- deliberation (酝酿) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """Candidates put forward for the decision (拟任人选)."""

    candidate_ids: tuple[uuid.UUID, ...]
    dual_managed_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Consultation:
    party: Literal["leaders", "united_front", "co_managing"]
    consulted_on: date
    answer: Literal["agree", "disagree", "no_answer"]
    candidate_id: uuid.UUID | None = None
    note: str = ""


# --- decision (讨论决定) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Briefing:
    nomination: str
    recommendation: str
    inspection: str
    reasons: str


@dataclass(frozen=True)
class Ballot:
    candidate_id: uuid.UUID
    briefing: Briefing
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0
    proposed_post: str = ""
    passed: bool = False  # derived: quorum met and votes_for > half of the roster


@dataclass(frozen=True)
class Recusal:
    """A roster member who withdraws for one candidate (DEC-RECUSAL)."""

    member_id: uuid.UUID
    candidate_id: uuid.UUID
    relation: str = ""


@dataclass(frozen=True)
class FullCommitteeOpinions:
    """Urgent case: the standing committee decides after soliciting the full committee
    members' opinions, which are recorded (DEC-FULL-COMMITTEE)."""

    full_committee_id: uuid.UUID
    solicited_on: date
    summary: str
    urgent_reason: str


@dataclass(frozen=True)
class DecisionMeeting:
    """The committee meeting (讨论决定). Who should attend is the body's roster that day."""

    body_id: uuid.UUID
    held_at: datetime
    place: str
    attendee_ids: tuple[uuid.UUID, ...]
    voting_method: Literal["secret_ballot", "show_of_hands", "oral"]
    host: str
    recorder: str
    host_signed: bool
    recorder_signed: bool
    discussion: str
    decision: str
    results: tuple[Ballot, ...]
    recusals: tuple[Recusal, ...] = ()
    full_committee_opinions: FullCommitteeOpinions | None = None
    # Derived from the roster on the meeting day (DEC-ROSTER).
    body_kind: str = ""
    roster_ids: tuple[uuid.UUID, ...] = ()
    members_expected: int = 0
    members_present: int = 0
    quorum_met: bool = False


@dataclass(frozen=True)
class Reconsideration:
    """A vote to reopen the decision (复议), counted against the same body's roster."""

    held_on: date
    attendee_ids: tuple[uuid.UUID, ...]
    votes_for: int
    reason: str
    body_id: uuid.UUID | None = None  # derived: the body of the decision
    members_expected: int = 0  # derived: its roster on held_on


# --- publicity (任前公示) -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicityNotice:
    start_date: date
    how_to_object: str
    contact: str
    exception_reasons: Mapping[str, str] = field(default_factory=dict)
    # Derived (PUB-DURATION).
    end_date: date | None = None
    closes_at: datetime | None = None
    working_days: int = 0


@dataclass(frozen=True)
class Objection:
    content: str
    candidate_id: uuid.UUID | None = None
    has_specific_leads: bool = True
    contact: str | None = None  # confidential
    source: Literal["case", "public"] = "case"


@dataclass(frozen=True)
class ObjectionFinding:
    """The investigation finding of an objection (调查核实)."""

    objection_id: uuid.UUID
    finding: Literal["appoint", "postpone", "not_appoint"]
    investigation: str
    investigated_by: str
    concluded_on: date


# --- appointment and probation (任职, 试用期) ----------------------------------------------------


@dataclass(frozen=True)
class Talk:
    held_on: date
    by: str
    summary: str = ""


@dataclass(frozen=True)
class Appointment:
    candidate_id: uuid.UUID
    form: str
    appointed_on: date
    talk: Talk
    notice_no: str = ""


@dataclass(frozen=True)
class ProbationAssessment:
    candidate_id: uuid.UUID
    assessed_on: date
    competent: bool
    summary: str


FactValue = (
    RecommendationRound
    | ScopeAmendment
    | CompetitiveScores
    | ExceptionApproval
    | TargetDecision
    | InspectionNotice
    | InspectionTeam
    | InspectionReport
    | Proposal
    | Consultation
    | DecisionMeeting
    | Reconsideration
    | PublicityNotice
    | Objection
    | ObjectionFinding
    | Appointment
    | ProbationAssessment
)

KINDS: dict[str, type[FactValue]] = {
    "recommendation_round": RecommendationRound,
    "scope_amendment": ScopeAmendment,
    "competitive_scores": CompetitiveScores,
    "exception_approval": ExceptionApproval,
    "target_decision": TargetDecision,
    "inspection_notice": InspectionNotice,
    "inspection_team": InspectionTeam,
    "inspection_report": InspectionReport,
    "proposal": Proposal,
    "consultation": Consultation,
    "decision_meeting": DecisionMeeting,
    "reconsideration": Reconsideration,
    "publicity_notice": PublicityNotice,
    "objection": Objection,
    "objection_finding": ObjectionFinding,
    "appointment": Appointment,
    "probation_assessment": ProbationAssessment,
}


@dataclass(frozen=True)
class Fact:
    """A recorded fact: its value plus when, in which stage and what it supersedes."""

    id: uuid.UUID
    kind: str
    seq: int
    stage: str
    value: FactValue
    recorded_at: datetime
    candidate_id: uuid.UUID | None = None
    supersedes: uuid.UUID | None = None
    superseded_by: uuid.UUID | None = None
    correction_reason: str | None = None

    @property
    def current(self) -> bool:
        return self.superseded_by is None
