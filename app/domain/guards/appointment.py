"""Appointment (任职) and probation (试用期)."""

from __future__ import annotations

from app.domain.enums import FillMethod, SelectionMethod
from app.domain.errors import InvalidInput, Violation
from app.domain.facts import Appointment, ProbationAssessment
from app.domain.guards.common import v
from app.domain.guards.motion import headcount
from app.domain.guards.publicity import appointable, objections, window
from app.domain.guards.timeline import appointment_dates
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.stages import Standing


def appointment_form(snap: CaseSnapshot, a: Appointment | None, cid: str) -> list[Violation]:
    """APP-FORM: the form matches how the post is filled; the talk (任职谈话) is recorded."""
    if a is None:
        return [v("APP-FORM", "record the appointment (form, talk, date) first", cid)]
    if a.form != snap.fill_method:
        return [v("APP-FORM", f"the position is filled by {snap.fill_method}, not {a.form}", cid)]
    return []


def check_appointment(snap: CaseSnapshot, a: Appointment) -> list[Violation]:
    m = snap.member(a.candidate_id)
    if m is None or m.standing != Standing.PUBLICISED:
        raise InvalidInput(f"candidate {a.candidate_id} is not publicised")
    return appointment_form(snap, a, m.candidate_id)


def appoint(snap: CaseSnapshot) -> list[Violation]:
    out = window(snap) + objections(snap, "appoint")
    records = {str(a.candidate_id): a for a in snap.values(Appointment)}
    to_appoint = appointable(snap)
    for m in to_appoint:
        record = records.get(m.candidate_id)
        out += appointment_form(snap, record, m.candidate_id)
        if record is not None:
            # Dated after the window as it stands now (a corrected notice may have moved it).
            out += appointment_dates(snap, record)
    return out + headcount(len(to_appoint), snap.free_places, "to appoint")


def probation_applies(snap: CaseSnapshot) -> bool:
    if snap.fill_method == FillMethod.ELECTED:
        return False
    competitive = snap.method == SelectionMethod.COMPETITIVE
    return snap.probation_applies or (competitive and snap.policy.probation_for_all_competitive)


def probation_term(snap: CaseSnapshot, on_confirm: bool = False) -> list[Violation]:
    """PROB-TERM: a probation post serves the term from the appointment date to its end."""
    if not on_confirm:
        if probation_applies(snap):
            return []
        return [
            v(
                "PROB-TERM",
                "this post has no probation (elected, or outside the probation rule); "
                "the case ends at appointed",
            )
        ]
    return [
        v("PROB-TERM", f"the probation runs until {m.probation_ends}", m.candidate_id)
        for m in snap.in_standing(Standing.APPOINTED)
        if m.probation_ends is not None and snap.today < m.probation_ends
    ]


def check_assessment(snap: CaseSnapshot, a: ProbationAssessment) -> None:
    m = snap.member(a.candidate_id)
    if m is None or m.standing != Standing.APPOINTED:
        raise InvalidInput(f"candidate {a.candidate_id} is not on probation")


def outcome(snap: CaseSnapshot, competent: bool) -> list[Violation]:
    """PROB-OUTCOME: confirm needs every appointee assessed and at least one competent;
    removal needs every appointee assessed not competent."""
    assessed = {str(a.candidate_id): a for a in snap.values(ProbationAssessment)}
    appointees = snap.in_standing(Standing.APPOINTED)
    if not appointees:
        return [v("PROB-OUTCOME", "nobody appointed by this case is still in the post")]
    if not competent:
        if all(
            m.candidate_id in assessed and not assessed[m.candidate_id].competent
            for m in appointees
        ):
            return []
        return [
            v(
                "PROB-OUTCOME",
                "removal from the trial post needs an assessment of not competent for every "
                "appointee",
            )
        ]
    out = [
        v("PROB-OUTCOME", "no probation assessment is recorded", m.candidate_id)
        for m in appointees
        if m.candidate_id not in assessed
    ]
    if not any(a.competent for cid, a in assessed.items() if snap.member(cid) in appointees):
        out.append(v("PROB-OUTCOME", "nobody was assessed competent; use fail_probation"))
    return out


def begin_probation(snap: CaseSnapshot) -> list[Violation]:
    return probation_term(snap)


def confirm(snap: CaseSnapshot) -> list[Violation]:
    return probation_term(snap, on_confirm=True) + outcome(snap, competent=True)


def fail_probation(snap: CaseSnapshot) -> list[Violation]:
    return outcome(snap, competent=False)


def nobody_in_post(snap: CaseSnapshot) -> list[Violation]:
    """DISC-MISCONDUCT: the case ends `removed` once misconduct removed every appointee."""
    left = snap.in_standing(Standing.APPOINTED)
    if not left:
        return []
    return [v("DISC-MISCONDUCT", f"{len(left)} appointee(s) of this case are still in the post")]
