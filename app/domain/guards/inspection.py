"""Inspection (考察): notice, team, the four musts and each target's report."""

from __future__ import annotations

from app.domain.errors import InvalidInput, Violation
from app.domain.facts import InspectionNotice, InspectionReport, InspectionTeam
from app.domain.guards.common import v
from app.domain.qualification import full_years
from app.domain.snapshot import CaseSnapshot, Member
from app.domain.workflow.stages import Standing


def _targets(snap: CaseSnapshot) -> list[Member]:
    return snap.in_standing(Standing.TARGET, Standing.INSPECTED)


def notice(snap: CaseSnapshot, n: InspectionNotice | None) -> list[Violation]:
    """INS-NOTICE: a notice naming the targets is recorded before fieldwork."""
    if n is None:
        return [v("INS-NOTICE", "no inspection notice (考察预告) is recorded")]
    targets = {m.candidate_id for m in snap.in_standing(Standing.TARGET)}
    unknown = [str(c) for c in n.candidate_ids if str(c) not in targets]
    if unknown:
        raise InvalidInput(f"not inspection targets: {', '.join(unknown)}")
    if n.period_end < n.period_start:
        raise InvalidInput("period_end is before period_start")
    if n.period_start < n.published_on:
        return [v("INS-NOTICE", "fieldwork cannot start before the notice is published")]
    return []


def team(snap: CaseSnapshot, t: InspectionTeam | None) -> list[Violation]:
    """INS-TEAM: at least two active members; a member related to a target recuses."""
    if t is None:
        return [v("INS-TEAM", "no inspection team is recorded")]
    targets = {m.candidate_id for m in _targets(snap)}
    active = [m for m in t.members if not m.recused]
    out: list[Violation] = []
    if len(active) < 2:
        out.append(v("INS-TEAM", f"{len(active)} active team members; at least 2 are needed"))
    for m in active:
        related = [str(c) for c in m.related_candidate_ids if str(c) in targets]
        if related:
            out.append(
                v("INS-TEAM", f"{m.name} is related to a target and must recuse", related[0])
            )
    return out


_MUSTS = {
    "dossier_audited": "personnel dossier audited (干部档案必审)",
    "personal_matters_checked": "personal-matters report checked (个人有关事项报告必核)",
    "discipline_opinion_received": "discipline commission opinion (纪检监察机关意见必听)",
    "complaints_verified": "specific complaints verified (线索具体的信访举报必查)",
}


def report(snap: CaseSnapshot, m: Member, r: InspectionReport | None) -> list[Violation]:
    """INS-REPORT, INS-FOUR-MUSTS and INS-PREVIOUS-UNIT for one target."""
    cid = m.candidate_id
    if r is None:
        return [
            v("INS-REPORT", "no inspection report", cid),
            v("INS-FOUR-MUSTS", "the four musts are not recorded", cid),
        ]
    out: list[Violation] = []
    missing = [label for key, label in _MUSTS.items() if not getattr(r.four_musts, key)]
    if missing:
        out.append(v("INS-FOUR-MUSTS", "not done: " + "; ".join(missing), cid))
    ic = r.integrity_conclusion
    if not (ic.party_secretary_signed and ic.discipline_secretary_signed):
        out.append(
            v(
                "INS-FOUR-MUSTS",
                "the integrity conclusion (廉政结论) must be signed by the party secretary and "
                "the discipline secretary",
                cid,
            )
        )
    policy = snap.policy
    if policy.previous_unit_inspection and m.current_post_since is not None:
        years = full_years(m.current_post_since, snap.today)
        if years < policy.previous_unit_years and not r.previous_unit_inspected:
            out.append(
                v(
                    "INS-PREVIOUS-UNIT",
                    f"{years} full years in the current post (< {policy.previous_unit_years}): "
                    "inspect the previous unit too",
                    cid,
                )
            )
    return out


def start_deliberation(snap: CaseSnapshot) -> list[Violation]:
    out = notice(snap, snap.latest(InspectionNotice)) + team(snap, snap.latest(InspectionTeam))
    reports = {str(r.candidate_id): r for r in snap.values(InspectionReport)}
    for m in _targets(snap):
        out += report(snap, m, reports.get(m.candidate_id))
    return out
