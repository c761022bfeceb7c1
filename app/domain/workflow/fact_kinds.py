"""The fact table: each kind's stages, permission, rules and check (pure).

A check takes the snapshot and the value about to be recorded (with any lookup the service
made, such as a decision body's roster) and returns the value as stored (derived fields
filled) and every rule it breaks. CASE-TIMELINE is checked for every kind.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.domain import facts as f
from app.domain.bodies import BodyKind, Roster
from app.domain.errors import InvalidInput, Violation
from app.domain.guards import appointment as app_
from app.domain.guards import decision as dec
from app.domain.guards import deliberation as dl
from app.domain.guards import inspection as ins
from app.domain.guards import publicity as pub
from app.domain.guards import recommendation as rec
from app.domain.guards import timeline
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.stages import Stage, Standing


@dataclass(frozen=True)
class Lookups:
    """What the service looked up for a check (never typed in by the client)."""

    roster: Roster | None = None
    full_committee_kind: BodyKind | None = None


Checked = tuple[f.FactValue, list[Violation]]
Check = Callable[[CaseSnapshot, f.FactValue, Lookups], Checked]


def _round(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.RecommendationRound)
    return rec.prepare_round(s, v), []


def _scope(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.ScopeAmendment)
    return replace(v, previous_scope=s.recommendation_scope), rec.scope(s, v)


def _scores(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.CompetitiveScores)
    return rec.rank_scores(s, v), []


def _approval(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.ExceptionApproval)
    if s.member(v.candidate_id) is None:
        raise InvalidInput(f"candidate {v.candidate_id} is not in this case")
    return v, []


def _targets(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.TargetDecision)
    return v, rec.target_violations(s, v)


def _notice(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.InspectionNotice)
    if not v.candidate_ids:
        v = replace(
            v,
            candidate_ids=tuple(
                sorted(
                    (uuid.UUID(m.candidate_id) for m in s.in_standing(Standing.TARGET)),
                    key=str,
                )
            ),
        )
    return v, ins.notice(s, v)


def _team(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.InspectionTeam)
    return v, ins.team(s, v)


def _report(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.InspectionReport)
    m = s.member(v.candidate_id)
    if m is None or m.standing != Standing.TARGET:
        raise InvalidInput(f"candidate {v.candidate_id} is not an inspection target")
    return v, []


def _proposal(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.Proposal)
    dl.check_proposal(s, v)
    return v, []


def _consultation(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.Consultation)
    dl.check_consultation(s, v)
    return v, []


def _meeting(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.DecisionMeeting)
    assert lk.roster is not None
    return dec.prepare_meeting(s, v, lk.roster, lk.full_committee_kind)


def _reconsideration(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.Reconsideration)
    assert lk.roster is not None
    return dec.prepare_reconsideration(v, lk.roster)


def _publicity(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.PublicityNotice)
    return pub.prepare_notice(s, v)


def _objection(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.Objection)
    pub.check_objection(s, v)
    return v, timeline.objection_open(s)


def _finding(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.ObjectionFinding)
    pub.check_finding(s, v)
    return v, []


def _appointment(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.Appointment)
    return v, app_.check_appointment(s, v)


def _assessment(s: CaseSnapshot, v: f.FactValue, lk: Lookups) -> Checked:
    assert isinstance(v, f.ProbationAssessment)
    app_.check_assessment(s, v)
    return v, []


@dataclass(frozen=True)
class FactKind:
    name: str
    path: str  # URL segment under /api/v1/cases/{id}/
    stages: frozenset[str]
    permission: str
    rules: tuple[str, ...]
    check: Check
    # One current fact per candidate (per objection for findings): a second one must supersede.
    unique_by: str | None = None
    # One current fact per pass of the stage (a second one must supersede).
    single: bool = False


S = Stage
_W, _D = "cases.write", "cases.decide"
_BEFORE_DECISION = frozenset({S.motion, S.recommendation, S.inspection, S.deliberation})
# fmt: off
FACT_KINDS: dict[str, FactKind] = {k.name: k for k in (
    FactKind("scope_amendment", "scope-amendments", frozenset({S.recommendation}), _W,
             ("REC-SCOPE",), _scope),
    FactKind("recommendation_round", "recommendation-rounds", frozenset({S.recommendation}), _W,
             ("REC-SCOPE", "REC-PARTICIPATION", "REC-SEPARATE-TALLY", "CASE-TIMELINE"), _round),
    FactKind("competitive_scores", "competitive-scores", frozenset({S.recommendation}), _W,
             ("COMP-SCORE", "COMP-DISSATISFACTION", "COMP-SHORTLIST", "COMP-CANVASSING"),
             _scores),
    FactKind("exception_approval", "exception-approvals", _BEFORE_DECISION, _W,
             ("EXC-APPROVAL", "CASE-TIMELINE"), _approval),
    FactKind("target_decision", "targets", frozenset({S.recommendation}), _W,
             ("REC-NOT-VOTES", "INS-MORE-THAN-PLACES", "CASE-TIMELINE"), _targets),
    FactKind("inspection_notice", "inspection-notice", frozenset({S.inspection}), _W,
             ("INS-NOTICE", "CASE-TIMELINE"), _notice),
    FactKind("inspection_team", "inspection-team", frozenset({S.inspection}), _W,
             ("INS-TEAM",), _team),
    FactKind("inspection_report", "inspection-reports", frozenset({S.inspection}), _W,
             ("INS-REPORT", "INS-FOUR-MUSTS", "INS-PREVIOUS-UNIT", "CASE-TIMELINE"), _report,
             unique_by="candidate_id"),
    FactKind("proposal", "proposals", frozenset({S.deliberation}), _W, ("DEL-CONSULT",),
             _proposal),
    FactKind("consultation", "consultations", frozenset({S.deliberation, S.deliberation_held}),
             _W, ("DEL-CONSULT", "CASE-TIMELINE"), _consultation),
    FactKind("decision_meeting", "decision-meetings", frozenset({S.decision}), _D,
             ("DEC-ROSTER", "DEC-QUORUM", "DEC-MAJORITY", "DEC-SECRET-BALLOT", "DEC-RECUSAL",
              "DEC-MINUTES", "DEC-FULL-COMMITTEE", "CASE-TIMELINE"), _meeting),
    FactKind("reconsideration", "reconsiderations", frozenset({S.publicity}), _D,
             ("DEC-ROSTER", "DEC-RECONSIDER", "CASE-TIMELINE"), _reconsideration),
    FactKind("publicity_notice", "publicity-notice", frozenset({S.publicity}), _W,
             ("PUB-DURATION", "PUB-EXCEPTION-REASON", "CASE-TIMELINE"), _publicity, single=True),
    FactKind("objection", "objections", frozenset({S.publicity, S.appointment_postponed}), _W,
             ("PUB-OBJECTIONS", "CASE-TIMELINE"), _objection),
    FactKind("objection_finding", "objection-findings",
             frozenset({S.publicity, S.appointment_postponed}), _W,
             ("PUB-OBJECTIONS", "CASE-TIMELINE"), _finding, unique_by="objection_id"),
    FactKind("appointment", "appointments", frozenset({S.publicity}), _W,
             ("APP-FORM", "CASE-TIMELINE"), _appointment, unique_by="candidate_id"),
    FactKind("probation_assessment", "probation-assessments", frozenset({S.probation}), _W,
             ("PROB-OUTCOME", "CASE-TIMELINE"), _assessment, unique_by="candidate_id"),
)}
# fmt: on


def check(kind: FactKind, snap: CaseSnapshot, value: f.FactValue, lookups: Lookups) -> Checked:
    """The value as stored and every rule it breaks, the timeline included."""
    stored, found = kind.check(snap, value, lookups)
    return stored, found + timeline.fact_dates(snap, stored)
