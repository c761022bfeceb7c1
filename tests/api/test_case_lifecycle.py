"""A case from motion to confirmed through the HTTP API, and the record it leaves."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from app.services.context import FixedClock
from tests.case_driver import BRIEFING, Driver, ok
from tests.conftest import Principals


def test_full_lifecycle_to_confirmed(
    client: TestClient, tokens: Principals, clock: FixedClock
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position(headcount=1)
    a, b = d.candidate(), d.candidate()
    case = d.create(pos["id"], [a, b])
    assert case["stage"] == "motion"
    assert {x["action"] for x in case["allowed_actions"]} == {"start_recommendation", "withdraw"}
    d.to_decision([a, b])
    assert d.case["stage"] == "decision"
    assert d.standing(a) == "proposed"
    assert d.standing(b) == "eliminated"
    d.decide([a])
    d.act("approve")
    assert d.case["stage"] == "publicity"
    assert d.standing(a) == "approved"
    d.publicise("2026-03-30", advance=False)
    assert d.case["publicity"]["end_date"] == "2026-04-03"
    assert d.standing(a) == "publicised"
    # Scheduled for 03-30: not public before it starts (CASE-TIMELINE).
    assert client.get("/api/v1/public/notices").json() == []
    d.on("2026-03-30")
    public = client.get("/api/v1/public/notices").json()
    assert [c["name"] for n in public for c in n["candidates"]] == [
        c["name"] for c in d.case["candidates"] if c["candidate_id"] == a
    ]
    early = d.act("appoint", status=422)
    assert {v["rule"] for v in early["violations"]} == {"PUB-DURATION", "APP-FORM"}
    clock.set(datetime(2026, 4, 3, 15, 59, tzinfo=UTC))  # 23:59 in China on the last day
    # An appointment dated inside the window is refused.
    assert d.appointment(a, on="2026-04-03", status=422)["rule"] == "CASE-TIMELINE"
    d.refresh()
    assert d.act("appoint", status=422)["rule"] == "PUB-DURATION"
    clock.set(datetime(2026, 4, 3, 16, 0, tzinfo=UTC))  # 00:00 in China the next day
    d.appointment(a, on="2026-04-04")
    d.act("appoint")
    assert d.case["stage"] == "appointed"
    assert d.standing(a) == "appointed"
    position = ok(client.get(f"/api/v1/positions/{pos['id']}", headers=org))
    assert position["free_places"] == 0
    assert [o["candidate_id"] for o in position["occupants"]] == [a]
    d.act("begin_probation")
    assert d.case["stage"] == "probation"
    assessment = {"candidate_id": a, "competent": True, "summary": "称职"}
    # Dated before the term ends (04-04 + 12 months), or in the future: refused.
    too_early = d.fact("probation-assessments", {**assessment, "assessed_on": "2027-04-03"}, 422)
    assert too_early["rule"] == "CASE-TIMELINE"
    future = d.fact("probation-assessments", {**assessment, "assessed_on": "2027-04-04"}, 422)
    assert future["rule"] == "CASE-TIMELINE"
    assert d.act("confirm", status=422)["rule"] == "PROB-TERM"
    clock.set(datetime(2027, 4, 4, 1, 0, tzinfo=UTC))
    d.fact("probation-assessments", {**assessment, "assessed_on": "2027-04-04"})
    d.refresh()
    d.act("confirm")
    assert d.case["stage"] == "confirmed"
    assert d.standing(a) == "confirmed"
    record = ok(client.get(f"{d.url}/record", headers=tokens["auditor"]))
    assert record["verified"] is True
    transitions = [e for e in record["entries"] if e["action"].startswith("transition.")]
    assert [e["to_stage"] for e in transitions] == [
        "recommendation",
        "inspection",
        "deliberation",
        "decision",
        "publicity",
        "appointed",
        "probation",
        "confirmed",
    ]
    assert all(e["actor_role"] == "org_department" for e in transitions)
    dossier = ok(client.get(f"{d.url}/dossier", headers=org))
    assert dossier["approval_form"][0]["members_expected"] == 9
    assert dossier["inspection_reports"][0]["candidate_id"] == a


def test_wrong_stage_action_is_409_with_allowed_actions(
    client: TestClient, tokens: Principals
) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    d.create(pos["id"], [d.candidate()])
    body = d.act("approve", status=409)
    assert body["current_state"] == "motion"
    assert set(body["allowed_actions"]) == {"start_recommendation", "withdraw"}


def test_transition_needs_if_match_and_validate_only_changes_nothing(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    d.create(d.position()["id"], [d.candidate()])
    r = client.post(f"{d.url}/transitions", json={"action": "start_recommendation"}, headers=org)
    assert r.status_code == 428
    v = client.post(
        f"{d.url}/transitions?validate_only=true",
        json={"action": "start_recommendation"},
        headers=org,
    )
    assert v.status_code == 200
    assert v.json()["enabled"] is True
    assert d.refresh()["stage"] == "motion"
    stale = client.post(
        f"{d.url}/transitions",
        json={"action": "start_recommendation"},
        headers={**org, "If-Match": '"v0"'},
    )
    assert stale.status_code == 412


def test_state_is_not_writable(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    d.create(d.position()["id"], [d.candidate()])
    r = client.patch(
        d.url, json={"stage": "appointed"}, headers={**org, "If-Match": d.case["etag"]}
    )
    assert r.status_code == 422
    assert d.refresh()["stage"] == "motion"


def test_role_matrix_for_transitions(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    d.create(d.position()["id"], [d.candidate()])
    for role in ("auditor", "discipline_inspection", "cadre", "unit_party_leader"):
        d.act("start_recommendation", status=403, headers=tokens[role])
    assert d.refresh()["stage"] == "motion"


def test_workflow_description_and_diagram(client: TestClient, tokens: Principals) -> None:
    wf = ok(client.get("/api/v1/workflow", headers=tokens["auditor"]))
    names = {a["name"] for a in wf["actions"]}
    assert {"start_recommendation", "approve", "appoint", "confirm", "declare_void"} <= names
    approve = next(a for a in wf["actions"] if a["name"] == "approve")
    assert approve["from"] == ["decision"]
    assert "DEC-QUORUM" in approve["rules"]
    diagram = client.get("/api/v1/workflow/diagram", headers=tokens["auditor"]).text
    assert diagram.startswith("stateDiagram-v2")
    assert "publicity --> appointed: appoint" in diagram


def test_two_places_decided_per_candidate(
    client: TestClient, tokens: Principals, clock: FixedClock
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position(headcount=3)
    a, b, c = d.candidate(), d.candidate(), d.candidate()
    d.create(pos["id"], [a, b, c], places=2)
    d.act("start_recommendation")
    d.recommend([a, b, c])
    d.targets([a, b, c])
    d.act("start_inspection")
    d.inspect([a, b, c])
    d.act("start_deliberation")
    d.deliberate([a, b, c])
    d.act("submit_for_decision")
    # Three proposed for two places: one fails its vote, two pass.
    d.fact(
        "decision-meetings",
        d.meeting_body(
            [
                {"candidate_id": a, "briefing": BRIEFING, "votes_for": 6},
                {"candidate_id": b, "briefing": BRIEFING, "votes_for": 5},
                {"candidate_id": c, "briefing": BRIEFING, "votes_for": 4},
            ],
            expected=9,
            present=9,
        ),
    )
    d.act("approve")
    assert [d.standing(x) for x in (a, b, c)] == ["approved", "approved", "eliminated"]
    d.publicise("2026-03-30")
    d.appointment(a, on="2026-04-07")
    d.appointment(b, on="2026-04-07")
    d.act("appoint")
    position = ok(client.get(f"/api/v1/positions/{pos['id']}", headers=org))
    assert sorted(o["candidate_id"] for o in position["occupants"]) == sorted([a, b])
    assert position["free_places"] == 1


def test_more_approved_than_places_is_refused(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position(headcount=3)
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b], places=1)
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a, b])
    d.act("submit_for_decision")
    d.decide([a, b], votes_for=7)
    assert d.act("approve", status=422)["rule"] == "HEADCOUNT"


def test_a_case_carries_the_hr_systems_id(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position()
    body = {
        "title": "选拔副主任",
        "external_id": "HR-2026-0042",
        "position_id": pos["id"],
        "places": 1,
        "method": "organisational",
        "motion": {
            "proposer_kind": "org_department",
            "proposed_by": "市委组织部",
            "recommendation_scope": 30,
        },
    }
    made = ok(client.post("/api/v1/cases", json=body, headers=org), 201)
    assert made["external_id"] == "HR-2026-0042"
    found = ok(client.get("/api/v1/cases", params={"external_id": "HR-2026-0042"}, headers=org))
    assert [c["id"] for c in found["items"]] == [made["id"]]
    assert found["items"][0]["external_id"] == "HR-2026-0042"
    again = client.post("/api/v1/cases", json=body, headers=org)
    assert again.status_code == 409, again.text
    listed = ok(client.get("/api/v1/cases", params={"external_id": "HR-2026-0042"}, headers=org))
    assert len(listed["items"]) == 1
