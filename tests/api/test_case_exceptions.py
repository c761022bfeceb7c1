"""Exceptional promotion, consultation, void decisions and training deadlines."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.services.context import FixedClock
from tests.case_driver import Driver, ok
from tests.conftest import Principals


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


def _skip_level_case(d: Driver) -> tuple[str, str]:
    pos = d.position(rank_level="county_principal", headcount=2)
    # township principal → county principal skips county deputy: 越级 needs approval.
    a = d.candidate(rank_level="township_principal", rank_since="2018-01-15")
    b = d.candidate(rank_level="county_deputy", rank_since="2020-01-15")
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    return a, b


def test_skip_level_needs_written_approval(d: Driver) -> None:
    a, b = _skip_level_case(d)
    r = d.targets([a, b], status=422)
    assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("EXC-APPROVAL", a)]
    d.fact(
        "exception-approvals",
        {
            "candidate_id": a,
            "kinds": ["skip_level"],
            "approved_by": "省委组织部",
            "document_no": "组干字〔2026〕1号",
            "approved_on": "2026-03-02",
            "reason": "实绩突出",
        },
    )
    d.targets([a, b])
    d.act("start_inspection")
    assert next(c for c in d.case["candidates"] if c["candidate_id"] == a)["exceptional"]


def test_exceptional_promotion_notice_states_reason(d: Driver) -> None:
    a, b = _skip_level_case(d)
    d.fact(
        "exception-approvals",
        {
            "candidate_id": a,
            "kinds": ["skip_level"],
            "approved_by": "省委组织部",
            "document_no": "1",
            "approved_on": "2026-03-02",
            "reason": "实绩突出",
        },
    )
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a])
    d.act("submit_for_decision")
    d.decide([a])
    d.act("approve")
    r = d.fact(
        "publicity-notice",
        {"start_date": "2026-03-30", "how_to_object": "h", "contact": "c"},
        status=422,
    )
    assert r["rule"] == "PUB-EXCEPTION-REASON"
    d.publicise(exception_reasons={a: "实绩特别突出，经省委组织部批准越级提拔"})
    notices = d.http.get("/api/v1/public/notices").json()
    reasons = [c["exceptional_promotion_reason"] for n in notices for c in n["candidates"]]
    assert reasons == ["实绩特别突出，经省委组织部批准越级提拔"]


def test_skip_two_levels_never_passes(d: Driver) -> None:
    pos = d.position(rank_level="county_principal")
    a = d.candidate(rank_level="township_deputy", rank_since="2015-01-01")
    b = d.candidate(rank_level="county_deputy", rank_since="2020-01-15")
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    d.fact(
        "exception-approvals",
        {
            "candidate_id": a,
            "kinds": ["skip_level", "tenure", "service"],
            "approved_by": "省委组织部",
            "document_no": "1",
            "approved_on": "2026-03-02",
            "reason": "r",
        },
    )
    r = d.targets([a, b], status=422)
    assert "EXC-LIMITS" in {v["rule"] for v in r["violations"]}


def test_non_party_candidate_needs_united_front_consent(d: Driver, clock: FixedClock) -> None:
    pos = d.position()
    a = d.candidate(party_membership="non_party", party_join_date=None)
    b = d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a])
    r = d.act("submit_for_decision", status=422)
    assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("DEL-CONSULT", a)]
    d.fact(
        "consultations",
        {
            "party": "united_front",
            "candidate_id": a,
            "consulted_on": "2026-03-02",
            "answer": "no_answer",
        },
    )
    d.on("2026-04-02")
    d.refresh()
    d.act("submit_for_decision")  # asked 2 Mar, no answer by 2 Apr: one month is consent


def test_no_answer_within_the_month_is_not_yet_consent(d: Driver) -> None:
    pos = d.position()
    a = d.candidate(party_membership="non_party", party_join_date=None)
    b = d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a])
    d.fact(
        "consultations",
        {
            "party": "united_front",
            "candidate_id": a,
            "consulted_on": "2026-03-02",
            "answer": "no_answer",
        },
    )
    d.on("2026-04-01")
    d.refresh()
    assert d.act("submit_for_decision", status=422)["rule"] == "DEL-CONSULT"


def test_disagreement_holds_the_case(d: Driver) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a])
    d.fact(
        "consultations",
        {
            "party": "leaders",
            "consulted_on": d.today(),
            "answer": "disagree",
            "note": "重大分歧",
        },
    )
    assert "DEL-DISAGREEMENT" in {
        v["rule"] for v in d.act("submit_for_decision", 422)["violations"]
    }
    d.act("hold_deliberation", reason="重大分歧")
    assert d.case["stage"] == "deliberation_held"


def test_void_decision_vacates_the_post(
    d: Driver, clock: FixedClock, client: TestClient, tokens: Principals
) -> None:
    pos = d.position(headcount=1)
    a, b = d.candidate(training_hours_5y=100), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    d.appointment(a, on="2026-04-10")
    d.act("appoint")
    me = next(c for c in d.case["candidates"] if c["candidate_id"] == a)
    assert me["training_deferred"] is True
    assert me["training_deadline"] == "2027-04-10"
    assert ok(client.get(f"/api/v1/positions/{pos['id']}", headers=d.headers))["free_places"] == 0
    d.act("declare_void", status=403, headers=tokens["committee_secretary"], reason="x")
    d.act("declare_void", reason="未达到法定人数作出的决定")
    assert d.case["stage"] == "void"
    assert ok(client.get(f"/api/v1/positions/{pos['id']}", headers=d.headers))["free_places"] == 1


def test_misconduct_disqualifies_a_target_in_a_running_case(
    d: Driver, client: TestClient, tokens: Principals
) -> None:
    pos = d.position()
    a, b, c = d.candidate(), d.candidate(), d.candidate()
    d.create(pos["id"], [a, b, c])
    d.act("start_recommendation")
    d.recommend([a, b, c])
    d.targets([a, b, c])
    d.act("start_inspection")
    r = client.post(
        f"/api/v1/candidates/{b}/misconduct",
        json={
            "kind": "canvassing",
            "occurred_on": "2026-03-01",
            "description": "拉票",
            "source": "信访举报",
        },
        headers=tokens["discipline_inspection"],
    )
    assert r.status_code == 201, r.text
    d.refresh()
    member = next(x for x in d.case["candidates"] if x["candidate_id"] == b)
    assert member["standing"] == "disqualified"
    assert member["out_rule"] == "DISC-MISCONDUCT"
    record = ok(client.get(f"{d.url}/record", headers=tokens["auditor"]))
    assert any(
        e["action"] == "candidate.disqualified" and e["rules"] == ["DISC-MISCONDUCT"]
        for e in record["entries"]
    )
    # The remaining targets go on; the disqualified one needs no report and cannot be proposed.
    d.inspect([a, c])
    d.act("start_deliberation")
    assert d.fact("proposals", {"candidate_ids": [b]}, status=422)["type"].endswith("invalid-input")


def test_special_post_needs_no_recommendation_but_a_reason(d: Driver, client: TestClient) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    r = client.post(
        "/api/v1/cases",
        json={
            "title": "特殊岗位",
            "position_id": pos["id"],
            "places": 1,
            "method": "organisational",
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "组织部",
                "recommendation_scope": 10,
                "special_post": True,
            },
            "candidate_ids": [a, b],
        },
        headers=d.headers,
    )
    assert r.status_code == 422
    d.create(pos["id"], [a, b], special_post=True, special_post_reason="涉密岗位，组织指定")
    d.act("start_recommendation")
    d.targets([a, b])
    d.act("start_inspection")
    assert d.case["stage"] == "inspection"
