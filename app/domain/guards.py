"""Guards of the workflow: pure functions from a case snapshot to the rules that fail.

The service gathers the recorded facts into a `CaseSnapshot`; each action's guard returns every
failing rule (never only the first). Nothing here reads a database or the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.enums import FillMethod, PartyMembership, SelectionMethod
from app.domain.errors import Violation
from app.domain.policy import PolicyParams
from app.domain.qualification import (
    CandidateProfile,
    ExceptionApprovals,
    TargetPost,
    add_months,
    check_qualifications,
    full_years,
)
from app.domain.workflow import Standing

# Rule ids a qualification check may return that are re-checked at the decision.
QUALIFICATION_RULES = (
    "QUAL-SERVICE",
    "QUAL-TENURE",
    "QUAL-EDUCATION",
    "QUAL-PARTY-STANDING",
    "EXC-APPROVAL",
    "EXC-LIMITS",
    "EXCL-APPRAISAL",
    "EXCL-DISCIPLINE",
    "RES-POOL-REQUIRED",
)


@dataclass(frozen=True)
class Fact:
    id: str
    kind: str
    candidate_id: str | None
    data: Mapping[str, Any]
    status: str | None
    created_at: datetime


@dataclass(frozen=True)
class Member:
    candidate_id: str
    name: str
    standing: Standing
    profile: CandidateProfile
    approvals: ExceptionApprovals
    current_post_since: date | None
    probation_ends: date | None = None


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: str
    stage: str
    method: SelectionMethod
    places: int
    position_id: str
    target: TargetPost
    fill_method: FillMethod
    probation_applies: bool
    free_places: int
    motion: Mapping[str, Any]
    policy: PolicyParams
    today: date
    now: datetime
    members: tuple[Member, ...]
    facts: tuple[Fact, ...]

    def facts_of(self, kind: str) -> list[Fact]:
        return [f for f in self.facts if f.kind == kind]

    def latest(self, kind: str) -> Fact | None:
        found = self.facts_of(kind)
        return found[-1] if found else None

    def member(self, candidate_id: str) -> Member | None:
        return next((m for m in self.members if m.candidate_id == candidate_id), None)

    def in_standing(self, *standings: Standing) -> list[Member]:
        return [m for m in self.members if m.standing in standings]

    @property
    def special_post(self) -> bool:
        return bool(self.motion.get("special_post"))


def _v(rule: str, detail: str, subject: str | None = None) -> Violation:
    return Violation(rule=rule, detail=detail, subject=subject)


# --- recommendation ---------------------------------------------------------------------------


def round_counts(scope_size: int, participants: int, policy: PolicyParams) -> bool:
    """REC-PARTICIPATION: participants >= share of the scope (exactly 2/3 passes)."""
    share = policy.recommendation_participation
    return participants * share.denominator >= scope_size * share.numerator


def round_usable(f: Fact, snap: CaseSnapshot) -> str | None:
    """Why a counted round cannot be used here (REC-VALIDITY), or None."""
    held = date.fromisoformat(str(f.data["held_on"]))
    if add_months(held, 12) < snap.today:
        return f"round of {held} is older than one year"
    directed = f.data.get("position_id")
    if directed and directed != snap.position_id:
        return "round was directed at another position"
    return None


def _rounds_for(snap: CaseSnapshot, candidate_id: str) -> list[Fact]:
    return [
        f
        for f in snap.facts_of("recommendation_round")
        if any(r["candidate_id"] == candidate_id for r in f.data.get("results", []))
    ]


def recommendation_violations(snap: CaseSnapshot, target_ids: Sequence[str]) -> list[Violation]:
    out: list[Violation] = []
    if snap.special_post:
        return out
    rounds = snap.facts_of("recommendation_round")
    if not rounds:
        out.append(_v("REC-REQUIRED", "no democratic recommendation round is recorded"))
        return out
    counted = [f for f in rounds if f.data.get("counted")]
    if not counted:
        out.append(
            _v(
                "REC-PARTICIPATION",
                "no recorded round reached the participation threshold of "
                f"{snap.policy.recommendation_participation} of its scope",
            )
        )
        return out
    for cid in target_ids:
        mine = [f for f in _rounds_for(snap, cid) if f.data.get("counted")]
        if not mine:
            out.append(_v("REC-REQUIRED", "not recommended in a counted round", cid))
            continue
        usable = [f for f in mine if round_usable(f, snap) is None]
        if not usable:
            reasons = "; ".join(sorted({str(round_usable(f, snap)) for f in mine}))
            out.append(_v("REC-VALIDITY", f"no usable recommendation result: {reasons}", cid))
            continue
        if snap.policy.recommendation_majority_required:
            for f in usable:
                res = next(r for r in f.data["results"] if r["candidate_id"] == cid)
                participants = int(f.data["participants"])
                if int(res["votes_for"]) * 2 <= participants:
                    out.append(
                        _v(
                            "REC-MAJORITY",
                            f"{res['votes_for']} votes of {participants} participants in the "
                            f"{f.data['kind']} round of {f.data['held_on']} is not a majority",
                            cid,
                        )
                    )
    return out


def competitive_violations(snap: CaseSnapshot, target_ids: Sequence[str]) -> list[Violation]:
    if snap.method != SelectionMethod.COMPETITIVE:
        return []
    scores = snap.latest("competitive_scores")
    if scores is None:
        return [_v("COMP-SCORE", "competitive selection needs the recorded scores")]
    ranked = {r["candidate_id"]: r for r in scores.data.get("ranking", [])}
    out: list[Violation] = []
    for cid in target_ids:
        r = ranked.get(cid)
        if r is None:
            out.append(_v("COMP-SCORE", "no score is recorded for this competitor", cid))
        elif r.get("excluded_rule"):
            out.append(_v(str(r["excluded_rule"]), str(r["detail"]), cid))
        elif not r.get("shortlisted"):
            out.append(
                _v(
                    "COMP-SHORTLIST",
                    f"ranked {r['rank']}; only the top {snap.policy.shortlist_size} go on",
                    cid,
                )
            )
    return out


def qualification_result_for(snap: CaseSnapshot, m: Member) -> tuple[list[Violation], bool, bool]:
    """(violations with subject, exceptional, training_deferred)."""
    res = check_qualifications(m.profile, snap.target, snap.policy, snap.today, m.approvals)
    violations = [
        Violation(rule=v.rule, detail=v.detail, article=v.article, subject=m.candidate_id)
        for v in res.violations
    ]
    return violations, res.exceptional, res.training_deferred


def target_violations(snap: CaseSnapshot, data: Mapping[str, Any]) -> list[Violation]:
    """Every rule a proposed set of inspection targets breaks."""
    out: list[Violation] = []
    ids = [str(c) for c in data.get("candidate_ids", [])]
    for cid in ids:
        m = snap.member(cid)
        if m is None or m.standing.is_out:
            out.append(_v("REC-REQUIRED", "not a candidate in this case's pool", cid))
            continue
        out += qualification_result_for(snap, m)[0]
    if len(ids) < snap.places:
        out.append(
            _v(
                "INS-MORE-THAN-PLACES",
                f"{len(ids)} targets cannot fill {snap.places} places",
            )
        )
    elif len(ids) == snap.places and not str(data.get("equal_number_reason") or "").strip():
        out.append(
            _v(
                "INS-MORE-THAN-PLACES",
                f"{len(ids)} targets for {snap.places} places: targets normally outnumber "
                "places (差额); give equal_number_reason for an equal number",
            )
        )
    out += recommendation_violations(snap, ids)
    out += competitive_violations(snap, ids)
    return out


# --- per action -----------------------------------------------------------------------------


def g_start_recommendation(snap: CaseSnapshot) -> list[Violation]:
    out: list[Violation] = []
    for key in ("proposer_kind", "proposed_by", "recommendation_scope"):
        if not snap.motion.get(key):
            out.append(_v("MOT-PLAN", f"the motion lacks {key}"))
    if snap.places > snap.free_places:
        out.append(
            _v(
                "HEADCOUNT",
                f"{snap.places} places asked, {snap.free_places} free of the approved headcount",
            )
        )
    return out


def g_start_inspection(snap: CaseSnapshot) -> list[Violation]:
    decision = snap.latest("target_decision")
    if decision is None:
        return [
            _v(
                "REC-NOT-VOTES",
                "inspection targets are chosen by a recorded collective decision; "
                "record it first (POST .../targets)",
            )
        ]
    return target_violations(snap, decision.data)


def _targets(snap: CaseSnapshot) -> list[Member]:
    return snap.in_standing(Standing.TARGET, Standing.INSPECTED)


def g_start_deliberation(snap: CaseSnapshot) -> list[Violation]:
    out: list[Violation] = []
    if snap.latest("inspection_notice") is None:
        out.append(_v("INS-NOTICE", "no inspection notice (考察预告) is recorded"))
    team = snap.latest("inspection_team")
    if team is None:
        out.append(_v("INS-TEAM", "no inspection team is recorded"))
    reports = {f.candidate_id: f for f in snap.facts_of("inspection_report")}
    for m in _targets(snap):
        rep = reports.get(m.candidate_id)
        if rep is None:
            out.append(_v("INS-REPORT", "no inspection report", m.candidate_id))
            out.append(_v("INS-FOUR-MUSTS", "the four musts are not recorded", m.candidate_id))
            continue
        out += four_musts_violations(rep.data, m.candidate_id)
        if snap.policy.previous_unit_inspection and m.current_post_since is not None:
            years = full_years(m.current_post_since, snap.today)
            if years < snap.policy.previous_unit_years and not rep.data.get(
                "previous_unit_inspected"
            ):
                out.append(
                    _v(
                        "INS-PREVIOUS-UNIT",
                        f"{years} full years in the current post (< "
                        f"{snap.policy.previous_unit_years}): inspect the previous unit too",
                        m.candidate_id,
                    )
                )
    return out


def four_musts_violations(data: Mapping[str, Any], cid: str) -> list[Violation]:
    out: list[Violation] = []
    musts = data.get("four_musts") or {}
    names = {
        "dossier_audited": "personnel dossier audited (干部档案必审)",
        "personal_matters_checked": "personal-matters report checked (个人有关事项报告必核)",
        "discipline_opinion_received": "discipline commission opinion (纪检监察机关意见必听)",
        "complaints_verified": "specific complaints verified (线索具体的信访举报必查)",
    }
    missing = [label for key, label in names.items() if not musts.get(key)]
    if missing:
        out.append(_v("INS-FOUR-MUSTS", "not done: " + "; ".join(missing), cid))
    integrity = data.get("integrity_conclusion") or {}
    if not (
        integrity.get("party_secretary_signed") and integrity.get("discipline_secretary_signed")
    ):
        out.append(
            _v(
                "INS-FOUR-MUSTS",
                "the integrity conclusion (廉政结论) must be signed by the party secretary and "
                "the discipline secretary",
                cid,
            )
        )
    return out


def g_submit_for_decision(snap: CaseSnapshot) -> list[Violation]:
    out: list[Violation] = []
    proposal = snap.latest("proposal")
    proposed = snap.in_standing(Standing.PROPOSED)
    if proposal is None or not proposed:
        out.append(_v("DEL-CONSULT", "no candidate is proposed for the decision"))
    consultations = snap.facts_of("consultation")
    if not any(c.data.get("party") == "leaders" for c in consultations):
        out.append(_v("DEL-CONSULT", "the relevant leaders have not been consulted"))
    dual = {str(c) for c in (proposal.data.get("dual_managed_ids", []) if proposal else [])}
    for m in proposed:
        needs: list[tuple[str, str]] = []
        if m.profile.party_membership == PartyMembership.NON_PARTY:
            needs.append(("united_front", "the united-front department (统战部)"))
        if m.candidate_id in dual:
            needs.append(("co_managing", "the co-managing side (协管方)"))
        for party, label in needs:
            answers = [
                c
                for c in consultations
                if c.data.get("party") == party and c.candidate_id == m.candidate_id
            ]
            if not any(consent(c, snap.today) for c in answers):
                out.append(_v("DEL-CONSULT", f"{label} has not consented", m.candidate_id))
    for c in consultations:
        if c.data.get("answer") == "disagree":
            out.append(
                _v(
                    "DEL-DISAGREEMENT",
                    f"{c.data.get('party')} disagrees; hold the case (hold_deliberation)",
                    c.candidate_id,
                )
            )
    for m in proposed:
        out += [
            v
            for v in qualification_result_for(snap, m)[0]
            if v.rule in {"EXC-APPROVAL", "EXC-LIMITS"}
        ]
    return out


def consent(c: Fact, today: date) -> bool:
    """DEL-CONSULT: agreement, or no answer within one month of asking."""
    if c.data.get("answer") == "agree":
        return True
    asked = date.fromisoformat(str(c.data["consulted_on"]))
    return c.data.get("answer") == "no_answer" and add_months(asked, 1) <= today


def meeting_outcome(snap: CaseSnapshot, meeting: Fact) -> dict[str, bool]:
    """Candidate id -> passed (DEC-QUORUM and DEC-MAJORITY)."""
    expected = int(meeting.data["members_expected"])
    present = int(meeting.data["members_present"])
    quorum = present * 3 >= expected * 2
    return {
        str(r["candidate_id"]): quorum and int(r["votes_for"]) * 2 > expected
        for r in meeting.data.get("results", [])
    }


def g_approve(snap: CaseSnapshot) -> list[Violation]:
    out: list[Violation] = []
    meeting = snap.latest("decision_meeting")
    if meeting is None:
        return [_v("DEC-QUORUM", "no decision meeting is recorded")]
    d = meeting.data
    expected, present = int(d["members_expected"]), int(d["members_present"])
    if present * 3 < expected * 2:
        out.append(
            _v(
                "DEC-QUORUM",
                f"{present} of {expected} members present; at least two thirds must attend",
            )
        )
    missing_minutes = [
        k for k in ("held_at", "place", "host", "recorder", "discussion") if not d.get(k)
    ]
    if missing_minutes or not (d.get("host_signed") and d.get("recorder_signed")):
        out.append(
            _v(
                "DEC-MINUTES",
                "minutes must record "
                + (", ".join(missing_minutes) + " and be " if missing_minutes else "")
                + "signed by host and recorder",
            )
        )
    results = {str(r["candidate_id"]): r for r in d.get("results", [])}
    proposed = snap.in_standing(Standing.PROPOSED)
    passed = 0
    for m in proposed:
        r = results.get(m.candidate_id)
        if r is None:
            out.append(
                _v("DEC-BRIEFING", "the candidate was not presented and voted on", m.candidate_id)
            )
            continue
        b = r.get("briefing") or {}
        lacking = [
            k for k in ("nomination", "recommendation", "inspection", "reasons") if not b.get(k)
        ]
        if lacking:
            out.append(_v("DEC-BRIEFING", "briefing lacks " + ", ".join(lacking), m.candidate_id))
        if int(r["votes_for"]) * 2 > expected:
            passed += 1
        out += [
            v
            for v in qualification_result_for(snap, m)[0]
            if v.rule in QUALIFICATION_RULES and v.rule != "RES-POOL-REQUIRED"
        ]
    if proposed and passed == 0 and present * 3 >= expected * 2:
        votes = ", ".join(
            f"{results[m.candidate_id]['votes_for']}" for m in proposed if m.candidate_id in results
        )
        out.append(
            _v(
                "DEC-MAJORITY",
                f"no candidate has more than half of the {expected} members who should attend "
                f"(approvals: {votes})",
            )
        )
    if passed > snap.places or passed > snap.free_places:
        out.append(
            _v(
                "HEADCOUNT",
                f"{passed} approved for {snap.places} places ({snap.free_places} free)",
            )
        )
    for rec in d.get("recusals", []):
        if rec.get("candidate_id") and not rec.get("withdrew", True):
            out.append(_v("DEC-RECUSAL", f"{rec.get('name')} did not withdraw"))
    return out


def g_reconsider(snap: CaseSnapshot) -> list[Violation]:
    vote = snap.latest("reconsideration")
    if vote is None:
        return [_v("DEC-RECONSIDER", "no reconsideration vote is recorded")]
    expected, votes_for = int(vote.data["members_expected"]), int(vote.data["votes_for"])
    if votes_for * 2 <= expected:
        return [
            _v(
                "DEC-RECONSIDER",
                f"{votes_for} of {expected} members agreed; reopening needs more than half",
            )
        ]
    return []


def _objections(snap: CaseSnapshot) -> list[Fact]:
    return snap.facts_of("objection")


def g_appoint(snap: CaseSnapshot) -> list[Violation]:
    out: list[Violation] = []
    notice = snap.latest("publicity_notice")
    if notice is None:
        return [_v("PUB-DURATION", "no publicity notice is recorded")]
    closes_at = datetime.fromisoformat(str(notice.data["closes_at"]))
    if snap.now < closes_at:
        out.append(
            _v(
                "PUB-DURATION",
                f"the publicity window runs until the end of {notice.data['end_date']}",
            )
        )
    for o in _objections(snap):
        if o.status == "open":
            out.append(
                _v("PUB-OBJECTIONS", "an objection is still being investigated", o.candidate_id)
            )
        elif o.status == "postpone":
            out.append(
                _v(
                    "PUB-OBJECTIONS",
                    "an investigation found the appointment should be postponed",
                    o.candidate_id,
                )
            )
    to_appoint = appointable(snap)
    if not to_appoint:
        out.append(_v("PUB-OBJECTIONS", "no publicised candidate is left to appoint"))
    appointments = {f.candidate_id: f for f in snap.facts_of("appointment")}
    for m in to_appoint:
        if m.candidate_id not in appointments:
            out.append(
                _v("APP-FORM", "record the appointment (form, talk, date) first", m.candidate_id)
            )
    if len(to_appoint) > snap.free_places:
        out.append(
            _v(
                "HEADCOUNT",
                f"{len(to_appoint)} to appoint but only {snap.free_places} places are free",
            )
        )
    return out


def appointable(snap: CaseSnapshot) -> list[Member]:
    refused = {o.candidate_id for o in _objections(snap) if o.status == "not_appoint"}
    return [m for m in snap.in_standing(Standing.PUBLICISED) if m.candidate_id not in refused]


def g_postpone_appointment(snap: CaseSnapshot) -> list[Violation]:
    if any(o.status == "postpone" for o in _objections(snap)):
        return []
    return [_v("PUB-OBJECTIONS", "no investigation found that the appointment be postponed")]


def g_reject_after_publicity(snap: CaseSnapshot) -> list[Violation]:
    refused = {o.candidate_id for o in _objections(snap) if o.status == "not_appoint"}
    left = [m for m in snap.in_standing(Standing.PUBLICISED) if m.candidate_id not in refused]
    if refused and not left:
        return []
    return [
        _v(
            "PUB-OBJECTIONS",
            "not appointing needs an investigated objection with the finding not_appoint for "
            "every publicised candidate",
        )
    ]


def probation_applies(snap: CaseSnapshot) -> bool:
    if snap.fill_method == FillMethod.ELECTED:
        return False
    competitive = snap.method == SelectionMethod.COMPETITIVE
    return snap.probation_applies or (competitive and snap.policy.probation_for_all_competitive)


def g_begin_probation(snap: CaseSnapshot) -> list[Violation]:
    if probation_applies(snap):
        return []
    return [
        _v(
            "PROB-TERM",
            "this post has no probation (elected, or outside the probation rule); "
            "the case ends at appointed",
        )
    ]


def _assessments(snap: CaseSnapshot) -> dict[str | None, Fact]:
    return {f.candidate_id: f for f in snap.facts_of("probation_assessment")}


def g_confirm(snap: CaseSnapshot) -> list[Violation]:
    out: list[Violation] = []
    assessed = _assessments(snap)
    appointees = snap.in_standing(Standing.APPOINTED)
    for m in appointees:
        end = m.probation_ends
        if end is not None and snap.today < end:
            out.append(_v("PROB-TERM", f"the probation runs until {end}", m.candidate_id))
        if m.candidate_id not in assessed:
            out.append(_v("PROB-OUTCOME", "no probation assessment is recorded", m.candidate_id))
    if appointees and not any(
        assessed[m.candidate_id].data.get("competent")
        for m in appointees
        if m.candidate_id in assessed
    ):
        out.append(_v("PROB-OUTCOME", "nobody was assessed competent; use fail_probation"))
    return out


def g_fail_probation(snap: CaseSnapshot) -> list[Violation]:
    assessed = _assessments(snap)
    appointees = snap.in_standing(Standing.APPOINTED)
    if appointees and all(
        m.candidate_id in assessed and not assessed[m.candidate_id].data.get("competent")
        for m in appointees
    ):
        return []
    return [
        _v(
            "PROB-OUTCOME",
            "removal from the trial post needs an assessment of not competent for every appointee",
        )
    ]


def g_none(snap: CaseSnapshot) -> list[Violation]:
    return []


GUARDS: dict[str, Callable[[CaseSnapshot], list[Violation]]] = {
    "start_recommendation": g_start_recommendation,
    "start_inspection": g_start_inspection,
    "start_deliberation": g_start_deliberation,
    "submit_for_decision": g_submit_for_decision,
    "approve": g_approve,
    "reconsider": g_reconsider,
    "postpone_appointment": g_postpone_appointment,
    "reject_after_publicity": g_reject_after_publicity,
    "appoint": g_appoint,
    "begin_probation": g_begin_probation,
    "confirm": g_confirm,
    "fail_probation": g_fail_probation,
}
