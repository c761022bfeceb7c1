"""Cases driven to an appointment, for the oversight tests (statistics, accountability, queue)."""

from __future__ import annotations

from typing import Any

from tests.case_driver import Driver

APPOINTED_ON = "2026-04-04"  # the day after the window 03-30 … 04-03 closes


def to_publicity(
    d: Driver, people: list[dict[str, Any]], unit: str = "市发展和改革委员会"
) -> list[str]:
    """A case for one place per person, in the given unit, driven to publicity (notice from
    03-30, not advanced). Returns the candidate ids."""
    n = len(people)
    pos = d.position(headcount=n, org_unit=unit)
    cids = [d.candidate(**p) for p in people]
    d.create(pos["id"], cids, places=n)
    d.act("start_recommendation")
    d.recommend(cids)
    d.targets(cids, equal_number_reason="意见集中")
    d.act("start_inspection")
    d.inspect(cids)
    d.act("start_deliberation")
    d.deliberate(cids)
    for c, p in zip(cids, people, strict=True):
        if p.get("party_membership") == "non_party":  # DEL-CONSULT: the united front consents
            body = {"party": "united_front", "consulted_on": d.today(), "answer": "agree"}
            d.fact("consultations", {**body, "candidate_id": c})
    d.act("submit_for_decision")
    d.decide(cids)
    d.act("approve")
    d.publicise("2026-03-30", advance=False)
    return cids


def appoint(d: Driver, cids: list[str], on: str = APPOINTED_ON) -> None:
    for c in cids:
        d.appointment(c, on=on)
    d.refresh()
    d.act("appoint")
    assert d.case["stage"] == "appointed", d.case["stage"]


def appointed_case(
    d: Driver, people: list[dict[str, Any]], unit: str = "市发展和改革委员会"
) -> list[str]:
    cids = to_publicity(d, people, unit)
    appoint(d, cids)
    return cids


def ok_list(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, f"{r.status_code}: {r.text}"
    found: list[dict[str, Any]] = r.json()
    assert isinstance(found, list)
    return found
