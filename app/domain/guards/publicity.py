"""Pre-appointment publicity (任前公示): the window, exception reasons and objections."""

from __future__ import annotations

from dataclasses import replace

from app.domain.calendar import publicity_window
from app.domain.errors import InvalidInput, Violation
from app.domain.facts import Objection, ObjectionFinding, PublicityNotice
from app.domain.guards.common import v
from app.domain.snapshot import CaseSnapshot, Member
from app.domain.workflow.stages import Standing


def prepare_notice(
    snap: CaseSnapshot, n: PublicityNotice
) -> tuple[PublicityNotice, list[Violation]]:
    """The window (PUB-DURATION); exceptional promotions state why (PUB-EXCEPTION-REASON)."""
    window = publicity_window(
        n.start_date, snap.policy.publicity_working_days, snap.policy.publicity_calendar_days
    )
    out: list[Violation] = []
    approved = {m.candidate_id for m in snap.in_standing(Standing.APPROVED)}
    unknown = [k for k in n.exception_reasons if k not in approved]
    if unknown:
        raise InvalidInput(f"exception_reasons names candidates not approved: {', '.join(unknown)}")
    for m in snap.in_standing(Standing.APPROVED):
        if m.exceptional and not (n.exception_reasons.get(m.candidate_id) or "").strip():
            out.append(
                v(
                    "PUB-EXCEPTION-REASON",
                    "an exceptional promotion must state its reason in the notice",
                    m.candidate_id,
                )
            )
    done = replace(
        n, end_date=window.end, closes_at=window.closes_at, working_days=window.working_days
    )
    return done, out


def check_objection(snap: CaseSnapshot, o: Objection) -> None:
    if o.candidate_id is not None:
        m = snap.member(o.candidate_id)
        if m is None or m.standing != Standing.PUBLICISED:
            raise InvalidInput(f"candidate {o.candidate_id} is not publicised")


def objections(snap: CaseSnapshot, purpose: str) -> list[Violation]:
    """PUB-OBJECTIONS for `purpose`: appoint, postpone or reject after publicity."""
    status = snap.objections()
    refused = {str(v_.candidate_id) for _, v_, s in status if s == "not_appoint"}
    publicised = snap.in_standing(Standing.PUBLICISED)
    if purpose == "postpone":
        if any(s == "postpone" for _, _, s in status):
            return []
        return [v("PUB-OBJECTIONS", "no investigation found that the appointment be postponed")]
    if purpose == "reject":
        left = [m for m in publicised if m.candidate_id not in refused]
        if refused and not left:
            return []
        return [
            v(
                "PUB-OBJECTIONS",
                "not appointing needs an investigated objection with the finding not_appoint "
                "for every publicised candidate",
            )
        ]
    out: list[Violation] = []
    for _, o, s in status:
        if s == "open":
            out.append(
                v("PUB-OBJECTIONS", "an objection is still being investigated", o.candidate_id)
            )
        elif s == "postpone":
            out.append(
                v(
                    "PUB-OBJECTIONS",
                    "an investigation found the appointment should be postponed",
                    o.candidate_id,
                )
            )
    if not appointable(snap):
        out.append(v("PUB-OBJECTIONS", "no publicised candidate is left to appoint"))
    return out


def check_finding(snap: CaseSnapshot, f: ObjectionFinding) -> None:
    target = snap.fact(f.objection_id)
    if target is None or not isinstance(target.value, Objection) or not target.current:
        raise InvalidInput(f"objection {f.objection_id} is not an objection of this case")


def refused_ids(snap: CaseSnapshot) -> set[str]:
    return {str(o.candidate_id) for _, o, s in snap.objections() if s == "not_appoint"}


def appointable(snap: CaseSnapshot) -> list[Member]:
    refused = refused_ids(snap)
    return [m for m in snap.in_standing(Standing.PUBLICISED) if m.candidate_id not in refused]


def window(snap: CaseSnapshot) -> list[Violation]:
    """PUB-DURATION: the window has closed (end of its last working day, China time)."""
    n = snap.latest(PublicityNotice)
    if n is None:
        return [v("PUB-DURATION", "no publicity notice is recorded")]
    assert n.closes_at is not None
    if snap.now < n.closes_at:
        return [v("PUB-DURATION", f"the publicity window runs until the end of {n.end_date}")]
    return []


def postpone_appointment(snap: CaseSnapshot) -> list[Violation]:
    return objections(snap, "postpone")


def reject_after_publicity(snap: CaseSnapshot) -> list[Violation]:
    return objections(snap, "reject")
