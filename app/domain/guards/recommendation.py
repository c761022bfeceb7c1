"""Democratic recommendation (民主推荐) and the choice of inspection targets (确定考察对象)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from app.domain.competitive import Competitor, rank
from app.domain.enums import SelectionMethod
from app.domain.errors import Conflict, InvalidInput, Violation
from app.domain.facts import (
    CompetitiveScores,
    Ranking,
    RecommendationRound,
    ScopeAmendment,
    TargetDecision,
)
from app.domain.guards.common import v
from app.domain.guards.qualification import qualification_violations
from app.domain.policy import PolicyParams
from app.domain.qualification import add_months
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.stages import Standing


def round_counts(scope_size: int, participants: int, policy: PolicyParams) -> bool:
    """Participants reach the policy's share of the scope (exactly 2/3 passes)."""
    share = policy.recommendation_participation
    return participants * share.denominator >= scope_size * share.numerator


def scope(snap: CaseSnapshot, amendment: ScopeAmendment | None = None) -> list[Violation]:
    """REC-SCOPE: the motion fixes the scope; an amendment states its reason and changes it."""
    if amendment is None:
        return [] if snap.recommendation_scope >= 1 else [v("REC-SCOPE", "no scope fixed")]
    if amendment.recommendation_scope == snap.recommendation_scope:
        return [v("REC-SCOPE", f"the scope is already {amendment.recommendation_scope}")]
    if not amendment.reason.strip():
        return [v("REC-SCOPE", "an amendment of the scope states its reason")]
    return []


def prepare_round(snap: CaseSnapshot, r: RecommendationRound) -> RecommendationRound:
    """Count the round against the scope fixed by the motion, never a number typed in."""
    size = snap.recommendation_scope
    if r.participants > size:
        raise InvalidInput(
            f"{r.participants} participants exceed the recommendation scope of {size} fixed by "
            "the motion; amend the scope first (POST .../scope-amendments)",
            rule="REC-SCOPE",
        )
    seen: set[uuid.UUID] = set()
    for t in r.results:
        if t.candidate_id in seen:
            raise InvalidInput(f"candidate {t.candidate_id} appears twice in the results")
        seen.add(t.candidate_id)
        m = snap.member(t.candidate_id)
        if m is None or m.standing not in (Standing.POOL, Standing.RECOMMENDED):
            raise InvalidInput(f"candidate {t.candidate_id} is not in the candidate pool")
        if t.votes_for + t.votes_against + t.votes_abstain > r.participants:
            raise InvalidInput(
                f"votes for {t.candidate_id} exceed the {r.participants} participants"
            )
    return replace(
        r,
        scope_size=size,
        position_id=r.position_id or uuid.UUID(snap.position_id),
        counted=round_counts(size, r.participants, snap.policy),
    )


def recommended_ids(snap: CaseSnapshot) -> set[str]:
    """Candidates with a vote in a current counted round (pool -> recommended)."""
    return {
        str(t.candidate_id)
        for r in snap.values(RecommendationRound)
        if r.counted
        for t in r.results
        if t.votes_for > 0
    }


def _unusable(r: RecommendationRound, snap: CaseSnapshot) -> str | None:
    if add_months(r.held_on, 12) < snap.today:
        return f"round of {r.held_on} is older than one year"
    if r.position_id is not None and str(r.position_id) != snap.position_id:
        return "round was directed at another position"
    return None


def recommendation_violations(snap: CaseSnapshot, target_ids: Sequence[str]) -> list[Violation]:
    """REC-REQUIRED, REC-PARTICIPATION, REC-VALIDITY and REC-MAJORITY for proposed targets."""
    out: list[Violation] = []
    for cid in target_ids:
        m = snap.member(cid)
        if m is None or m.standing.is_out:
            out.append(v("REC-REQUIRED", "not a candidate in this case's pool", cid))
    if snap.special_post:
        return out
    rounds = snap.values(RecommendationRound)
    if not rounds:
        return [*out, v("REC-REQUIRED", "no democratic recommendation round is recorded")]
    counted = [r for r in rounds if r.counted]
    if not counted:
        share = snap.policy.recommendation_participation
        return [
            *out,
            v(
                "REC-PARTICIPATION",
                f"no recorded round reached {share} of the scope "
                f"{snap.recommendation_scope} fixed by the motion",
            ),
        ]
    for cid in target_ids:
        mine = [r for r in counted if any(str(t.candidate_id) == cid for t in r.results)]
        if not mine:
            out.append(v("REC-REQUIRED", "not recommended in a counted round", cid))
            continue
        usable = [r for r in mine if _unusable(r, snap) is None]
        if not usable:
            reasons = "; ".join(sorted({str(_unusable(r, snap)) for r in mine}))
            out.append(v("REC-VALIDITY", f"no usable recommendation result: {reasons}", cid))
            continue
        if snap.policy.recommendation_majority_required:
            for r in usable:
                t = next(t for t in r.results if str(t.candidate_id) == cid)
                if t.votes_for * 2 <= r.participants:
                    out.append(
                        v(
                            "REC-MAJORITY",
                            f"{t.votes_for} votes of {r.participants} participants in the "
                            f"{r.kind} round of {r.held_on} is not a majority",
                            cid,
                        )
                    )
    return out


def rank_scores(snap: CaseSnapshot, v: CompetitiveScores) -> CompetitiveScores:
    """COMP-SCORE: the totals, exclusions and shortlist of a competitive selection."""
    if snap.method != SelectionMethod.COMPETITIVE:
        raise Conflict("scores are recorded only in competitive selection", rule="COMP-SCORE")
    by_key = {str(sc.candidate_id): sc for sc in v.scores}
    if len(by_key) != len(v.scores):
        raise InvalidInput("a competitor appears twice in the scores")
    for key in by_key:
        if snap.member(key) is None:
            raise InvalidInput(f"candidate {key} is not in this case")
    ranked = rank(
        [
            Competitor(
                key=key,
                written=sc.written,
                interview=sc.interview,
                evaluation=sc.evaluation,
                dissatisfaction=sc.dissatisfaction_percent / Decimal(100),
                canvassing=sc.canvassing,
            )
            for key, sc in by_key.items()
        ],
        snap.policy,
    )
    return replace(
        v,
        ranking=tuple(
            Ranking(
                candidate_id=by_key[r.key].candidate_id,
                total=str(r.total_display),
                rank=r.rank,
                excluded_rule=r.excluded_rule,
                shortlisted=r.shortlisted,
                detail=r.detail,
            )
            for r in ranked
        ),
    )


def competitive_violations(snap: CaseSnapshot, target_ids: Sequence[str]) -> list[Violation]:
    """COMP-SCORE and COMP-SHORTLIST; exclusions carry their own rule from the ranking."""
    if snap.method != SelectionMethod.COMPETITIVE:
        return []
    scores = snap.latest(CompetitiveScores)
    if scores is None:
        return [v("COMP-SCORE", "competitive selection needs the recorded scores")]
    ranked = {str(r.candidate_id): r for r in scores.ranking}
    out: list[Violation] = []
    for cid in target_ids:
        r = ranked.get(cid)
        if r is None:
            out.append(v("COMP-SCORE", "no score is recorded for this competitor", cid))
        elif r.excluded_rule:
            out.append(Violation(rule=r.excluded_rule, detail=r.detail, subject=cid))
        elif not r.shortlisted:
            out.append(
                v(
                    "COMP-SHORTLIST",
                    f"ranked {r.rank}; only the top {snap.policy.shortlist_size} go on",
                    cid,
                )
            )
    return out


def more_than_places(snap: CaseSnapshot, d: TargetDecision) -> list[Violation]:
    """INS-MORE-THAN-PLACES: targets normally outnumber places (差额)."""
    n = len(d.candidate_ids)
    if n < snap.places:
        return [v("INS-MORE-THAN-PLACES", f"{n} targets cannot fill {snap.places} places")]
    if n == snap.places and not (d.equal_number_reason or "").strip():
        return [
            v(
                "INS-MORE-THAN-PLACES",
                f"{n} targets for {snap.places} places: targets normally outnumber places "
                "(差额); give equal_number_reason for an equal number",
            )
        ]
    return []


def target_violations(snap: CaseSnapshot, d: TargetDecision) -> list[Violation]:
    """Every rule a proposed set of inspection targets breaks."""
    ids = [str(c) for c in d.candidate_ids]
    if len(set(ids)) != len(ids):
        raise InvalidInput("candidate_ids has duplicates")
    out: list[Violation] = []
    for cid in ids:
        m = snap.member(cid)
        if m is not None and not m.standing.is_out:
            out += qualification_violations(snap, m, at="targets")
    out += more_than_places(snap, d)
    out += recommendation_violations(snap, ids)
    out += competitive_violations(snap, ids)
    return out


def start_inspection(snap: CaseSnapshot) -> list[Violation]:
    """REC-NOT-VOTES: targets come from a recorded collective decision, never from votes."""
    decision = snap.latest(TargetDecision)
    if decision is None:
        return [
            v(
                "REC-NOT-VOTES",
                "inspection targets are chosen by a recorded collective decision; "
                "record it first (POST .../targets)",
            )
        ]
    return target_violations(snap, decision)
