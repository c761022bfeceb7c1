"""Effects of actions and facts: pure plans the service applies in the same transaction.

An effect never writes anything: it reads the snapshot and returns a `Plan` (standing moves,
appointments, removals from the post, probation terms, the case's due date). The service
applies a plan in one function, so a standing changes in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from app.domain.calendar import CHINA_TZ
from app.domain.facts import (
    Appointment,
    DecisionMeeting,
    ProbationAssessment,
    Proposal,
    PublicityNotice,
    TargetDecision,
)
from app.domain.guards.publicity import appointable, refused_ids
from app.domain.guards.qualification import result as qualification
from app.domain.guards.recommendation import recommended_ids
from app.domain.qualification import add_months
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.stages import Standing
from app.domain.workflow.standings import Move

KEEP = "keep"


@dataclass
class Plan:
    moves: list[Move] = field(default_factory=list)
    # candidate id -> (exceptional, training deferred), fixed when targets are fixed
    flags: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    appoint: dict[str, date] = field(default_factory=dict)  # candidate id -> appointed on
    # Leave the post this case gave: close the tenure, restore the former rank, end probation,
    # cancel a pending training deadline. Value: the rule that removes them.
    vacate: dict[str, str] = field(default_factory=dict)
    probation_ends: dict[str, date] = field(default_factory=dict)
    closes_at: datetime | str | None = KEEP
    summary: dict[str, object] = field(default_factory=dict)

    def move(self, cid: str, to: Standing, rule: str | None = None, why: str | None = None) -> None:
        self.moves.append(Move(cid, to, rule, why))


def start_inspection(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    decision = snap.latest(TargetDecision)
    assert decision is not None
    targets = {str(c) for c in decision.candidate_ids}
    for m in snap.members:
        if m.standing.is_out:
            continue
        if m.candidate_id in targets:
            q = qualification(snap, m)
            plan.flags[m.candidate_id] = (q.exceptional, q.training_deferred)
            plan.move(m.candidate_id, Standing.TARGET)
        else:
            plan.move(
                m.candidate_id, Standing.ELIMINATED, "REC-NOT-VOTES", "not chosen as a target"
            )
    plan.summary["targets"] = sorted(targets)
    return plan


def start_deliberation(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    for m in snap.in_standing(Standing.TARGET):
        plan.move(m.candidate_id, Standing.INSPECTED)
    return plan


def submit(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    for m in snap.in_standing(Standing.INSPECTED):
        plan.move(
            m.candidate_id, Standing.ELIMINATED, "DEL-CONSULT", "not proposed for the decision"
        )
    return plan


def approve(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    meeting = snap.latest(DecisionMeeting)
    assert meeting is not None
    passed = {str(b.candidate_id) for b in meeting.results if b.passed}
    for m in snap.in_standing(Standing.PROPOSED):
        if m.candidate_id in passed:
            plan.move(m.candidate_id, Standing.APPROVED)
        else:
            plan.move(m.candidate_id, Standing.ELIMINATED, "DEC-MAJORITY", "not approved")
    plan.summary["approved"] = sorted(passed)
    return plan


def reconsider(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    for m in snap.in_standing(Standing.APPROVED, Standing.PUBLICISED):
        plan.move(m.candidate_id, Standing.PROPOSED)
    plan.closes_at = None
    return plan


def reject(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    for m in snap.in_standing(Standing.PUBLICISED):
        plan.move(m.candidate_id, Standing.NOT_APPOINTED, "PUB-OBJECTIONS", reason)
    plan.closes_at = None
    return plan


def appoint(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    refused = refused_ids(snap)
    records = {str(a.candidate_id): a for a in snap.values(Appointment)}
    for m in snap.in_standing(Standing.PUBLICISED):
        if m.candidate_id in refused:
            plan.move(m.candidate_id, Standing.NOT_APPOINTED, "PUB-OBJECTIONS", "publicity finding")
    for m in appointable(snap):
        plan.move(m.candidate_id, Standing.APPOINTED)
        plan.appoint[m.candidate_id] = records[m.candidate_id].appointed_on
    plan.closes_at = None
    plan.summary["appointed"] = sorted(plan.appoint)
    return plan


def begin_probation(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    months = snap.policy.probation_months
    for m in snap.in_standing(Standing.APPOINTED):
        if m.appointed_on is not None:
            plan.probation_ends[m.candidate_id] = add_months(m.appointed_on, months)
    if plan.probation_ends:
        last = max(plan.probation_ends.values())
        plan.closes_at = datetime.combine(last, time(), CHINA_TZ)
    plan.summary["probation_months"] = months
    return plan


def end_probation(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    competent = {str(a.candidate_id) for a in snap.values(ProbationAssessment) if a.competent}
    for m in snap.in_standing(Standing.APPOINTED):
        if m.candidate_id in competent:
            plan.move(m.candidate_id, Standing.CONFIRMED)
        else:
            plan.move(
                m.candidate_id, Standing.REMOVED, "PROB-OUTCOME", "not competent in probation"
            )
            plan.vacate[m.candidate_id] = "PROB-OUTCOME"
    plan.closes_at = None
    return plan


def void(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    for m in snap.in_standing(Standing.APPOINTED):
        plan.move(m.candidate_id, Standing.REMOVED, "DISC-VOID", reason)
        plan.vacate[m.candidate_id] = "DISC-VOID"
    plan.closes_at = None
    return plan


def close(snap: CaseSnapshot, reason: str | None) -> Plan:
    plan = Plan()
    plan.closes_at = None
    return plan


def none(snap: CaseSnapshot, reason: str | None) -> Plan:
    """No standings or dates change (holds, resumes, postponements)."""
    return Plan()


def for_fact(kind: str, snap: CaseSnapshot) -> Plan:
    """Standings that follow from the current facts after one of `kind` is recorded."""
    plan = Plan()
    if kind == "recommendation_round":
        recommended = recommended_ids(snap)
        for m in snap.in_standing(Standing.POOL, Standing.RECOMMENDED):
            to = Standing.RECOMMENDED if m.candidate_id in recommended else Standing.POOL
            if to != m.standing:
                plan.move(m.candidate_id, to)
    elif kind == "proposal":
        proposal = snap.latest(Proposal)
        chosen = {str(c) for c in proposal.candidate_ids} if proposal else set()
        for m in snap.in_standing(Standing.INSPECTED, Standing.PROPOSED):
            to = Standing.PROPOSED if m.candidate_id in chosen else Standing.INSPECTED
            if to != m.standing:
                plan.move(m.candidate_id, to)
    elif kind == "publicity_notice":
        notice = snap.latest(PublicityNotice)
        assert notice is not None
        for m in snap.in_standing(Standing.APPROVED):
            plan.move(m.candidate_id, Standing.PUBLICISED)
        plan.closes_at = notice.closes_at
    return plan


def removal(snap: CaseSnapshot, candidate_id: str, reason: str) -> Plan:
    """DISC-MISCONDUCT: an appointee of an open case is removed from the post at once."""
    plan = Plan()
    m = snap.member(candidate_id)
    if m is not None and m.standing == Standing.APPOINTED:
        plan.move(candidate_id, Standing.REMOVED, "DISC-MISCONDUCT", reason)
        plan.vacate[candidate_id] = "DISC-MISCONDUCT"
    elif m is not None and not m.standing.is_out and m.standing != Standing.CONFIRMED:
        plan.move(candidate_id, Standing.DISQUALIFIED, "DISC-MISCONDUCT", reason)
    return plan
