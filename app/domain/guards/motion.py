"""Motion (分析研判和动议): the plan and the headcount."""

from __future__ import annotations

from app.domain.errors import Violation
from app.domain.guards.common import v
from app.domain.snapshot import CaseSnapshot


def headcount(asked: int, free: int, what: str = "places asked") -> list[Violation]:
    """HEADCOUNT: never more than the free places of the approved headcount (核定职数)."""
    if asked <= free:
        return []
    return [v("HEADCOUNT", f"{asked} {what}; {free} of the approved headcount are free")]


def motion_plan(snap: CaseSnapshot) -> list[Violation]:
    """MOT-PLAN: who proposed it and the recommendation scope are fixed before recommending."""
    return [
        v("MOT-PLAN", f"the motion lacks {key}")
        for key in ("proposer_kind", "proposed_by", "recommendation_scope")
        if not snap.motion.get(key)
    ]


def start_recommendation(snap: CaseSnapshot) -> list[Violation]:
    return motion_plan(snap) + headcount(snap.places, snap.free_places)
