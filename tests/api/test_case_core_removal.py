"""DISC-MISCONDUCT after appointment, and QUAL-TRAINING-DUE.

Misconduct recorded against a cadre appointed through an open case (stage appointed or
probation) removes them from the post in the same transaction: standing `removed`, the tenure
closed and the place freed, probation ended, the former rank restored, a deferred training
deadline cancelled; the case ends `removed` once nobody it appointed is left in the post.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.case_driver import Driver, ok
from tests.conftest import Principals

TRAINING = "/api/v1/training-deadlines"
RANK = ("township_principal", "2018-01-15")  # the factory cadre's rank before promotion


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


def misconduct(
    d: Driver, tokens: Principals, cid: str, role: str = "discipline_inspection"
) -> dict[str, Any]:
    body = {
        "kind": "canvassing",
        "occurred_on": "2026-02-20",
        "description": "考察期间拉票",
        "source": "市纪委监委转来的问题线索",
    }
    r = d.http.post(f"/api/v1/candidates/{cid}/misconduct", json=body, headers=tokens[role])
    return ok(r, 201)


def cadre(d: Driver, cid: str) -> dict[str, Any]:
    return ok(d.http.get(f"/api/v1/candidates/{cid}", headers=d.headers))


def position(d: Driver) -> dict[str, Any]:
    return ok(d.http.get(f"/api/v1/positions/{d.case['position_id']}", headers=d.headers))


def member(d: Driver, cid: str) -> dict[str, Any]:
    return next(c for c in d.case["candidates"] if c["candidate_id"] == cid)


def deadlines(d: Driver, cid: str, status: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"candidate_id": cid}
    if status:
        params["status"] = status
    return list(ok(d.http.get(TRAINING, params=params, headers=d.headers))["items"])


def record(d: Driver) -> list[dict[str, Any]]:
    return list(ok(d.http.get(f"{d.url}/record", headers=d.headers))["entries"])


def appointed(
    d: Driver, places: int = 1, hours: int = 600, probation: bool = True, headcount: int = 3
) -> list[str]:
    """`places` cadres appointed on 2026-04-07 (with `hours` of training), one more eliminated;
    in probation unless `probation` is False."""
    pos = d.position(headcount=headcount)
    cids = [d.candidate(training_hours_5y=hours) for _ in range(places)] + [d.candidate()]
    d.create(pos["id"], cids, places=places)
    d.to_decision(cids)
    d.decide(cids[:places])
    d.act("approve")
    d.publicise("2026-03-30")
    for c in cids[:places]:
        d.appointment(c, on="2026-04-07")
    d.act("appoint")
    if probation:
        d.act("begin_probation")
    return cids


# --- QUAL-TRAINING-DUE ------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "deferred"), [(549, True), (550, False), (551, False)])
def test_training_deadline_created_at_appointment(d: Driver, hours: int, deferred: bool) -> None:
    a, _ = appointed(d, hours=hours, probation=False)
    assert member(d, a)["training_deferred"] is deferred
    found = deadlines(d, a)
    shown = cadre(d, a)["training_deadlines"]
    if not deferred:
        assert (found, shown, member(d, a)["training_deadline"]) == ([], [], None)
        return
    assert len(found) == 1
    deadline = found[0]
    assert deadline["case_id"] == d.case["id"]
    assert deadline["position_id"] == d.case["position_id"]
    assert deadline["due_on"] == "2027-04-07"
    assert (deadline["hours_required"], deadline["hours_on_file"]) == (550, hours)
    assert deadline["hours_missing"] == 550 - hours
    assert deadline["status"] == "open"
    assert member(d, a)["training_deadline"] == "2027-04-07"
    assert [x["id"] for x in shown] == [deadline["id"]]


# --- DISC-MISCONDUCT: one appointee -----------------------------------------------------------


@pytest.mark.parametrize("stage", ["appointed", "probation"])
def test_misconduct_removes_the_only_appointee(d: Driver, tokens: Principals, stage: str) -> None:
    a, other = appointed(d, hours=500, probation=stage == "probation")
    assert d.case["stage"] == stage
    assert d.case["in_post"] == [a]
    held = cadre(d, a)
    assert (held["rank_level"], held["rank_since"]) == ("county_deputy", "2026-04-07")
    assert held["last_promotion_date"] == "2026-04-07"
    assert held["on_probation"] is (stage == "probation")
    assert len(held["training_deadlines"]) == 1
    pos = position(d)
    assert (pos["free_places"], [o["candidate_id"] for o in pos["occupants"]]) == (2, [a])
    entries = len(record(d))

    d.on("2026-05-20")
    outcome = misconduct(d, tokens, a)
    assert outcome["affected_case_ids"] == [d.case["id"]]

    d.refresh()
    assert d.case["stage"] == "removed"
    assert d.case["in_post"] == []
    assert (member(d, a)["standing"], member(d, a)["out_rule"]) == ("removed", "DISC-MISCONDUCT")
    assert member(d, a)["training_deadline"] is None
    assert member(d, other)["standing"] == "eliminated"
    assert d.case["allowed_actions"] == []
    assert d.case["closes_at"] is None
    after = cadre(d, a)
    assert (after["rank_level"], after["rank_since"]) == RANK
    assert after["on_probation"] is False
    # The post, its title and the promotion it counted are gone from the file too.
    assert (after["org_unit"], after["current_title"]) == ("市发展和改革委员会", "科长")
    assert after["last_promotion_date"] is None
    assert after["training_deadlines"] == []
    cancelled = deadlines(d, a, "cancelled")
    assert len(cancelled) == 1
    assert "DISC-MISCONDUCT" in cancelled[0]["cancelled_reason"]
    assert deadlines(d, a, "open") == []
    pos = position(d)
    assert (pos["free_places"], pos["occupants"]) == (3, [])

    new = record(d)[entries:]
    assert [(e["action"], e["to_stage"]) for e in new] == [
        ("candidate.removed", stage),
        ("transition.close_removed", "removed"),
    ]
    assert new[0]["rules"] == ["DISC-MISCONDUCT"]
    assert new[0]["payload"]["removed_from_post"] == [a]
    assert new[0]["actor_role"] == "discipline_inspection"
    assert ok(d.http.get(f"{d.url}/record", headers=d.headers))["verified"] is True

    # Nothing further may be done with the case.
    frozen = (d.refresh()["version"], len(record(d)), d.case["candidates"])
    for action in ("confirm", "begin_probation", "declare_void", "fail_probation"):
        assert d.act(action, status=409)["current_state"] == "removed"
    assert (d.refresh()["version"], len(record(d)), d.case["candidates"]) == frozen
    # A second record changes nothing more in the case.
    before = (d.refresh()["version"], len(record(d)), d.case["candidates"])
    assert misconduct(d, tokens, a, role="org_department")["affected_case_ids"] == []
    assert (d.refresh()["version"], len(record(d)), d.case["candidates"]) == before
    assert (cadre(d, a)["rank_level"], position(d)["free_places"]) == ("township_principal", 3)


# --- DISC-MISCONDUCT: two appointees (places = 2) ---------------------------------------------


def test_misconduct_before_probation_with_two_appointees(d: Driver, tokens: Principals) -> None:
    a, b, _ = appointed(d, places=2, hours=500, probation=False)
    misconduct(d, tokens, a)
    d.refresh()
    assert (d.case["stage"], d.case["in_post"]) == ("appointed", [b])
    d.act("begin_probation")
    # Only the appointee still in the post serves a probation.
    assert (member(d, a)["probation_ends"], member(d, b)["probation_ends"]) == (None, "2027-04-07")
    assert (cadre(d, a)["on_probation"], cadre(d, b)["on_probation"]) == (False, True)
    assert position(d)["free_places"] == 2


@pytest.mark.parametrize("then", ["misconduct", "confirm"])
def test_misconduct_with_two_appointees(d: Driver, tokens: Principals, then: str) -> None:
    a, b, _ = appointed(d, places=2, hours=500)
    assert sorted(d.case["in_post"]) == sorted([a, b])
    assert position(d)["free_places"] == 1
    d.on("2026-06-01")
    outcome = misconduct(d, tokens, a)
    assert outcome["affected_case_ids"] == [d.case["id"]]
    d.refresh()
    # b still holds the post: the case goes on.
    assert d.case["stage"] == "probation"
    assert d.case["in_post"] == [b]
    assert (member(d, a)["standing"], member(d, b)["standing"]) == ("removed", "appointed")
    assert position(d)["free_places"] == 2
    assert [o["candidate_id"] for o in position(d)["occupants"]] == [b]
    assert (cadre(d, a)["rank_level"], cadre(d, a)["on_probation"]) == ("township_principal", False)
    assert (cadre(d, b)["rank_level"], cadre(d, b)["on_probation"]) == ("county_deputy", True)
    assert [x["status"] for x in deadlines(d, a)] == ["cancelled"]
    assert [x["status"] for x in deadlines(d, b)] == ["open"]
    assert {x["action"] for x in d.case["allowed_actions"]} >= {"confirm", "fail_probation"}

    if then == "misconduct":
        misconduct(d, tokens, b)
        d.refresh()
        assert d.case["stage"] == "removed"
        assert d.case["in_post"] == []
        assert member(d, b)["out_rule"] == "DISC-MISCONDUCT"
        assert (position(d)["free_places"], position(d)["occupants"]) == (3, [])
        assert cadre(d, b)["rank_level"] == "township_principal"
        assert [x["status"] for x in deadlines(d, b)] == ["cancelled"]
        return
    # The removed appointee needs no assessment; b alone is confirmed after b's term.
    d.on("2027-04-07")
    before = (d.refresh()["version"], len(record(d)))
    r = d.fact(
        "probation-assessments",
        {"candidate_id": a, "assessed_on": "2027-04-07", "competent": True, "summary": "x"},
        status=422,
    )
    assert "not on probation" in r["detail"]
    assert (d.refresh()["version"], len(record(d))) == before
    d.fact(
        "probation-assessments",
        {"candidate_id": b, "assessed_on": "2027-04-07", "competent": True, "summary": "称职"},
    )
    d.act("confirm")
    assert d.case["stage"] == "confirmed"
    assert d.case["in_post"] == [b]
    assert (member(d, a)["standing"], member(d, b)["standing"]) == ("removed", "confirmed")


# --- DISC-MISCONDUCT: who is not removed ------------------------------------------------------


def test_misconduct_after_confirmation_does_not_reopen_the_case(
    d: Driver, tokens: Principals
) -> None:
    a, _ = appointed(d)
    d.on("2027-04-07")
    d.fact(
        "probation-assessments",
        {"candidate_id": a, "assessed_on": "2027-04-07", "competent": True, "summary": "称职"},
    )
    d.act("confirm")
    before = (d.refresh(), len(record(d)), position(d)["free_places"], cadre(d, a)["rank_level"])
    assert misconduct(d, tokens, a)["affected_case_ids"] == []
    after = (d.refresh(), len(record(d)), position(d)["free_places"], cadre(d, a)["rank_level"])
    assert after == before
    assert d.case["in_post"] == [a]


def test_misconduct_of_an_eliminated_candidate_leaves_the_appointee(
    d: Driver, tokens: Principals
) -> None:
    a, loser = appointed(d)
    before = (d.refresh(), len(record(d)), position(d))
    assert misconduct(d, tokens, loser)["affected_case_ids"] == []
    assert (d.refresh(), len(record(d)), position(d)) == before
    assert d.case["in_post"] == [a]


def test_misconduct_during_publicity_disqualifies_before_appointment(
    d: Driver, tokens: Principals
) -> None:
    pos = d.position(headcount=2)
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    misconduct(d, tokens, a)
    d.refresh()
    assert d.case["stage"] == "publicity"
    assert (member(d, a)["standing"], member(d, a)["out_rule"]) == (
        "disqualified",
        "DISC-MISCONDUCT",
    )
    d.on("2026-04-07")
    d.refresh()
    before = (d.case["version"], len(record(d)))
    problem = d.fact(
        "appointments",
        {
            "candidate_id": a,
            "form": "appointed",
            "appointed_on": "2026-04-07",
            "talk": {"held_on": "2026-04-07", "by": "组织部长"},
        },
        status=422,
    )
    assert "not publicised" in problem["detail"]
    assert d.act("appoint", status=422)["rule"] == "PUB-OBJECTIONS"
    assert (d.refresh()["version"], len(record(d))) == before
    assert position(d)["occupants"] == []
    assert cadre(d, a)["rank_level"] == "township_principal"
