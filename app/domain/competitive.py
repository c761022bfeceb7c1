"""Competitive selection (竞争上岗) scoring: COMP-SCORE, COMP-DISSATISFACTION, COMP-SHORTLIST.

Seed 002: total = written × 0.3 + interview × 0.3 + evaluation × 0.4; dissatisfaction above 30%
or canvassing excludes; up to 3 competitors are all inspected, else the top 3 by total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.domain.errors import InvalidInput
from app.domain.policy import PolicyParams, floor_violations

_CENT = Decimal("0.01")
_POLICY_RULES = ("COMP-SCORE", "COMP-DISSATISFACTION", "COMP-SHORTLIST")


@dataclass(frozen=True)
class Competitor:
    key: str
    written: Decimal  # 笔试
    interview: Decimal  # 面试
    evaluation: Decimal  # 民主测评
    dissatisfaction: Decimal  # 不满意率, a fraction 0..1
    canvassing: bool = False  # 走门子、拉选票 (COMP-CANVASSING)


@dataclass(frozen=True)
class Ranked:
    key: str
    total: Decimal  # exact; ranking and ties use this
    total_display: Decimal  # rounded to 0.01 half-up, for people only
    rank: int  # 1-based over all competitors by total; ties share a rank (1, 1, 3)
    excluded_rule: str | None  # COMP-CANVASSING or COMP-DISSATISFACTION
    shortlisted: bool  # becomes an inspection target (COMP-SHORTLIST)
    detail: str


def total(c: Competitor, weights: tuple[Decimal, Decimal, Decimal]) -> Decimal:
    """Exact weighted total (COMP-SCORE); no rounding, so ties are real ties."""
    w_written, w_interview, w_evaluation = weights
    return c.written * w_written + c.interview * w_interview + c.evaluation * w_evaluation


def display_total(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _validate(competitors: Sequence[Competitor], policy: PolicyParams) -> None:
    bad = [v for v in floor_violations(policy) if v.rule in _POLICY_RULES]
    if bad:
        raise InvalidInput(bad[0].detail, rule=bad[0].rule)
    keys = [c.key for c in competitors]
    if len(set(keys)) != len(keys):
        raise InvalidInput("competitor keys must be unique")
    for c in competitors:
        for name in ("written", "interview", "evaluation"):
            score: Decimal = getattr(c, name)
            if not score.is_finite() or score < 0:
                raise InvalidInput(f"{c.key}: {name} score must be a finite number >= 0")
        if not c.dissatisfaction.is_finite() or not 0 <= c.dissatisfaction <= 1:
            raise InvalidInput(
                f"{c.key}: dissatisfaction must be a fraction between 0 and 1",
                rule="COMP-DISSATISFACTION",
            )


def _exclusion(c: Competitor, cutoff: Decimal) -> tuple[str | None, list[str]]:
    """The excluding rule (None: eligible) and every reason that applies."""
    rules: list[str] = []
    reasons: list[str] = []
    # Canvassing is misconduct, the heavier ground, so it names the rule when both apply.
    if c.canvassing:
        rules.append("COMP-CANVASSING")
        reasons.append("canvassing cancels eligibility (COMP-CANVASSING)")
    if c.dissatisfaction > cutoff:  # exactly the cut-off stays
        rules.append("COMP-DISSATISFACTION")
        reasons.append(
            f"dissatisfaction {_pct(c.dissatisfaction)} > cut-off {_pct(cutoff)} "
            "(COMP-DISSATISFACTION)"
        )
    return (rules[0] if rules else None), reasons


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"


def rank(competitors: Sequence[Competitor], policy: PolicyParams) -> list[Ranked]:
    """Rank by exact total, apply exclusions, and mark the shortlist; best first."""
    _validate(competitors, policy)
    weights = policy.competitive_weights
    totals = {c.key: total(c, weights) for c in competitors}
    ordered = sorted(competitors, key=lambda c: (-totals[c.key], c.key))
    exclusions = {c.key: _exclusion(c, policy.dissatisfaction_cutoff) for c in ordered}

    eligible = [c for c in ordered if exclusions[c.key][0] is None]
    if len(eligible) <= policy.shortlist_size:
        shortlisted = {c.key for c in eligible}
    else:
        # A tie at the cut line shortlists everyone tied: the seed ranks by score alone, and
        # dropping one of equal scores would be arbitrary. So the list may exceed the size.
        cut = totals[eligible[policy.shortlist_size - 1].key]
        shortlisted = {c.key for c in eligible if totals[c.key] >= cut}

    out: list[Ranked] = []
    for c in ordered:
        t = totals[c.key]
        position = 1 + sum(1 for other in totals.values() if other > t)
        rule, reasons = exclusions[c.key]
        on_list = c.key in shortlisted
        w1, w2, w3 = weights
        parts = [
            f"total {display_total(t)} = written {c.written} × {w1} + interview {c.interview} "
            f"× {w2} + evaluation {c.evaluation} × {w3}",
            f"rank {position}",
            *reasons,
            "shortlisted" if on_list else "not shortlisted",
        ]
        out.append(
            Ranked(
                key=c.key,
                total=t,
                total_display=display_total(t),
                rank=position,
                excluded_rule=rule,
                shortlisted=on_list,
                detail="; ".join(parts),
            )
        )
    return out
