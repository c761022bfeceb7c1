"""CASE-TIMELINE: every date a fact carries lies inside the case's own timeline.

Not before the stage it belongs to was entered, and not after today (China time). A publicity
notice starts no earlier than the day of the decision (it may be scheduled later); an
appointment is dated after the publicity window has closed; a probation assessment is dated on
or after the end of the term. Historical cases are never entered through this path.
"""

from __future__ import annotations

from datetime import date

from app.domain.calendar import CHINA_TZ
from app.domain.errors import Violation
from app.domain.facts import (
    Appointment,
    Consultation,
    DecisionMeeting,
    ExceptionApproval,
    FactValue,
    InspectionNotice,
    InspectionReport,
    ObjectionFinding,
    ProbationAssessment,
    PublicityNotice,
    RecommendationRound,
    Reconsideration,
    TargetDecision,
)
from app.domain.guards.common import v
from app.domain.snapshot import CaseSnapshot

_EARLIEST = date(1949, 10, 1)


def _span(
    what: str,
    day: date,
    not_before: tuple[date, str],
    not_after: tuple[date, str] | None,
    subject: object | None = None,
) -> list[Violation]:
    """The one place CASE-TIMELINE is decided: `day` within [not_before, not_after]."""
    low, low_why = not_before
    if day < max(low, _EARLIEST):
        return [v("CASE-TIMELINE", f"{what} {day} is before {low_why} ({low})", subject)]
    if not_after is not None and day > not_after[0]:
        return [
            v("CASE-TIMELINE", f"{what} {day} is after {not_after[1]} ({not_after[0]})", subject)
        ]
    return []


def decision_day(snap: CaseSnapshot) -> date | None:
    m = snap.latest(DecisionMeeting)
    return m.held_at.astimezone(CHINA_TZ).date() if m else None


def fact_dates(snap: CaseSnapshot, value: FactValue) -> list[Violation]:
    """Every date of a fact about to be recorded, against the timeline and today."""
    today = (snap.today, "today")

    def entered(stage: str) -> tuple[date, str]:
        return snap.entered_on(stage), f"the case entered {stage}"

    match value:
        case RecommendationRound():
            return _span("held_on", value.held_on, entered("recommendation"), today)
        case ExceptionApproval():
            started = (snap.created_at.astimezone(CHINA_TZ).date(), "the motion")
            return _span("approved_on", value.approved_on, started, today, value.candidate_id)
        case TargetDecision():
            return _span("decided_on", value.decided_on, entered("recommendation"), today)
        case InspectionNotice():
            return _span("published_on", value.published_on, entered("inspection"), today)
        case InspectionReport():
            day = value.integrity_conclusion.signed_on
            return _span("signed_on", day, entered("inspection"), today, value.candidate_id)
        case Consultation():
            return _span("consulted_on", value.consulted_on, entered("deliberation"), today)
        case DecisionMeeting():
            held = value.held_at.astimezone(CHINA_TZ)
            out = _span("held_at", held.date(), entered("decision"), today)
            if not out and value.held_at > snap.now:
                out = [v("CASE-TIMELINE", f"held_at {value.held_at.isoformat()} is in the future")]
            o = value.full_committee_opinions
            if o is not None:
                started = (snap.created_at.astimezone(CHINA_TZ).date(), "the motion")
                out += _span("solicited_on", o.solicited_on, started, (held.date(), "the meeting"))
            return out
        case Reconsideration():
            return _span("held_on", value.held_on, entered("publicity"), today)
        case PublicityNotice():
            decided = decision_day(snap)
            low = (decided, "the day of the decision") if decided else entered("publicity")
            return _span("start_date", value.start_date, max(low, entered("publicity")), None)
        case ObjectionFinding():
            target = snap.fact(value.objection_id)
            lodged = target.recorded_at.astimezone(CHINA_TZ).date() if target else snap.today
            return _span("concluded_on", value.concluded_on, (lodged, "the objection"), today)
        case Appointment():
            return appointment_dates(snap, value)
        case ProbationAssessment():
            m = snap.member(value.candidate_id)
            end = m.probation_ends if m and m.probation_ends else snap.today
            return _span(
                "assessed_on",
                value.assessed_on,
                (end, "the end of the probation term"),
                today,
                value.candidate_id,
            )
        case _:
            return []


def appointment_dates(snap: CaseSnapshot, a: Appointment) -> list[Violation]:
    notice = snap.latest(PublicityNotice)
    if notice is None or notice.end_date is None:
        return [v("CASE-TIMELINE", "no publicity window precedes this appointment")]
    closed = (
        notice.end_date.fromordinal(notice.end_date.toordinal() + 1),
        "the publicity window closed",
    )
    out = _span("appointed_on", a.appointed_on, closed, (snap.today, "today"), a.candidate_id)
    decided = decision_day(snap) or notice.start_date
    out += _span("talk.held_on", a.talk.held_on, (decided, "the decision"), (snap.today, "today"))
    return out


def objection_open(snap: CaseSnapshot) -> list[Violation]:
    """An objection concerns a notice that has started (a notice is not public before)."""
    notice = snap.latest(PublicityNotice)
    if notice is None:
        return [v("CASE-TIMELINE", "no publicity notice has been published")]
    return _span("today", snap.today, (notice.start_date, "the notice starts"), None)
