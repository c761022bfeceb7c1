"""Deliberation (酝酿): consultations, disagreement, and what goes to the decision."""

from __future__ import annotations

from datetime import date

from app.domain.enums import PartyMembership
from app.domain.errors import InvalidInput, Violation
from app.domain.facts import Consultation, Proposal
from app.domain.guards.common import v
from app.domain.guards.qualification import qualification_violations
from app.domain.qualification import add_months
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.stages import Standing


def check_proposal(snap: CaseSnapshot, p: Proposal) -> None:
    if not p.candidate_ids:
        raise InvalidInput("propose at least one candidate")
    if len(set(p.candidate_ids)) != len(p.candidate_ids):
        raise InvalidInput("candidate_ids has duplicates")
    for cid in p.candidate_ids:
        m = snap.member(cid)
        if m is None or m.standing not in (Standing.INSPECTED, Standing.PROPOSED):
            raise InvalidInput(f"candidate {cid} is not an inspected target")
    for cid in p.dual_managed_ids:
        if cid not in p.candidate_ids:
            raise InvalidInput(f"dual_managed_ids: {cid} is not proposed")


def check_consultation(snap: CaseSnapshot, c: Consultation) -> None:
    if c.party != "leaders" and c.candidate_id is None:
        raise InvalidInput(
            "a consultation of the united front or co-managing side names the candidate"
        )
    if c.candidate_id is not None and snap.member(c.candidate_id) is None:
        raise InvalidInput(f"candidate {c.candidate_id} is not in this case")


def consent(c: Consultation, today: date) -> bool:
    """Agreement, or no answer within one month of asking (DEL-CONSULT)."""
    if c.answer == "agree":
        return True
    return c.answer == "no_answer" and add_months(c.consulted_on, 1) <= today


def consultations(snap: CaseSnapshot) -> list[Violation]:
    """DEL-CONSULT and DEL-DISAGREEMENT."""
    out: list[Violation] = []
    proposal = snap.latest(Proposal)
    proposed = snap.in_standing(Standing.PROPOSED)
    if proposal is None or not proposed:
        out.append(v("DEL-CONSULT", "no candidate is proposed for the decision"))
    asked = snap.values(Consultation)
    if not any(c.party == "leaders" for c in asked):
        out.append(v("DEL-CONSULT", "the relevant leaders have not been consulted"))
    dual = {str(c) for c in proposal.dual_managed_ids} if proposal else set()
    for m in proposed:
        needs: list[tuple[str, str]] = []
        if m.profile.party_membership == PartyMembership.NON_PARTY:
            needs.append(("united_front", "the united-front department (统战部)"))
        if m.candidate_id in dual:
            needs.append(("co_managing", "the co-managing side (协管方)"))
        for party, label in needs:
            answers = [
                c for c in asked if c.party == party and str(c.candidate_id) == m.candidate_id
            ]
            if not any(consent(c, snap.today) for c in answers):
                out.append(v("DEL-CONSULT", f"{label} has not consented", m.candidate_id))
    for c in asked:
        if c.answer == "disagree":
            out.append(
                v(
                    "DEL-DISAGREEMENT",
                    f"{c.party} disagrees; hold the case (hold_deliberation)",
                    c.candidate_id,
                )
            )
    return out


def submit_for_decision(snap: CaseSnapshot) -> list[Violation]:
    out = consultations(snap)
    for m in snap.in_standing(Standing.PROPOSED):
        out += qualification_violations(snap, m, at="submit")
    return out
