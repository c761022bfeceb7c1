"""Case facts as sub-resources: read-back of every kind, and correction chains.

Each fact answers 201 with itself and its own `Location`; it is listed and read back as
recorded; a fact id of another case or another kind is a 404 there. Facts are immutable: a
correction supersedes exactly one current fact of the same kind in the same case, with a
reason, and the rules then judge the corrected facts.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.case_checks import listing, refused, refused_action, state
from tests.case_driver import BRIEFING, Driver, ok, report
from tests.conftest import Principals


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


@pytest.fixture
def other(client: TestClient, tokens: Principals) -> Driver:
    """A second case, whose fact ids must not be found through the first."""
    o = Driver(client, tokens["org_department"])
    pos = o.position()
    a, b = o.candidate(), o.candidate()
    o.create(pos["id"], [a, b])
    o.act("start_recommendation")
    o.recommend([a, b])
    return o


# --- helpers ---------------------------------------------------------------------------------


def targets_body(d: Driver, cids: list[str], **over: Any) -> dict[str, Any]:
    return {
        "decided_by": "部务会",
        "decided_on": d.today(),
        "minutes": "研究确定考察对象",
        "candidate_ids": cids,
        **over,
    }


def not_found(d: Driver, url: str) -> None:
    r = d.http.get(url, headers=d.headers)
    assert r.status_code == 404, f"{url}: {r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json")


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The same fact; `recorded_at` compared as an instant (its offset may be written
    differently)."""
    at = datetime.fromisoformat
    return {**a, "recorded_at": at(a["recorded_at"])} == {**b, "recorded_at": at(b["recorded_at"])}


def recorded(
    d: Driver, path: str, kind: str, body: dict[str, Any], foreign: str, wrong_kind: str | None
) -> dict[str, Any]:
    """POST a fact and read it back every way; ids of another case or kind are 404 here."""
    before = len(listing(d, path))
    r = d.http.post(f"{d.url}/{path}", json=body, headers=d.headers)
    assert r.status_code == 201, f"{path}: {r.status_code}: {r.text}"
    fact: dict[str, Any] = r.json()
    location = f"{d.url}/{path}/{fact['id']}"
    assert r.headers["location"] == location
    assert fact["kind"] == kind
    assert fact["case_id"] == d.case["id"]
    assert (fact["current"], fact["supersedes"], fact["superseded_by"]) == (True, None, None)
    assert fact["correction_reason"] is None
    assert fact["stage"] == d.refresh()["stage"]
    assert r.headers["etag"] == d.case["etag"]
    assert same(ok(d.http.get(location, headers=d.headers)), fact)
    listed = listing(d, path)
    assert len(listed) == before + 1
    assert same(listed[-1], fact)
    assert [x["seq"] for x in listed] == sorted(x["seq"] for x in listed)
    assert any(same(x, fact) for x in d.case["facts"][kind])
    not_found(d, f"{d.url}/{path}/{foreign}")
    not_found(d, f"{d.url}/{path}/{uuid.uuid4()}")
    not_found(d, f"/api/v1/cases/{uuid.uuid4()}/{path}/{fact['id']}")
    not_found(d, f"/api/v1/cases/{uuid.uuid4()}/{path}")
    r = d.http.post(f"/api/v1/cases/{uuid.uuid4()}/{path}", json=body, headers=d.headers)
    assert r.status_code == 404, r.text
    if wrong_kind is not None:
        not_found(d, f"{d.url}/{path}/{wrong_kind}")
    return fact


def meeting_body(d: Driver, results: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    body_id, members = d.body(9)
    body: dict[str, Any] = {
        "held_at": d.now().isoformat(),
        "place": "市委常委会议室",
        "body_id": body_id,
        "attendee_ids": members,
        "voting_method": "secret_ballot",
        "host": "市委书记",
        "recorder": "市委办公室",
        "host_signed": True,
        "recorder_signed": True,
        "discussion": "逐一介绍，充分讨论",
        "decision": "同意任用",
        "results": results,
        **over,
    }
    return body


# --- every kind read back ----------------------------------------------------------------------


def test_every_fact_kind_is_read_back(d: Driver, other: Driver) -> None:
    foreign = other.case["facts"]["recommendation_round"][0]["id"]
    pos = d.position(headcount=2)
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    approval = recorded(
        d,
        "exception-approvals",
        "exception_approval",
        {
            "candidate_id": a,
            "kinds": ["tenure"],
            "approved_by": "省委组织部",
            "document_no": "组干字〔2026〕7号",
            "approved_on": "2026-03-02",
            "reason": "工作急需",
        },
        foreign,
        None,
    )
    assert approval["candidate_id"] == a
    d.act("start_recommendation")
    amendment = recorded(
        d,
        "scope-amendments",
        "scope_amendment",
        {"recommendation_scope": 36, "reason": "增加两名班子成员"},
        foreign,
        approval["id"],
    )
    rnd = recorded(
        d,
        "recommendation-rounds",
        "recommendation_round",
        {
            "kind": "talk",
            "held_on": "2026-03-02",
            "participants": 24,
            "results": [{"candidate_id": a, "votes_for": 15}, {"candidate_id": b, "votes_for": 9}],
        },
        foreign,
        amendment["id"],
    )
    assert (rnd["data"]["scope_size"], rnd["data"]["counted"]) == (36, True)
    targets = recorded(
        d,
        "targets",
        "target_decision",
        {
            "decided_by": "部务会",
            "decided_on": "2026-03-02",
            "minutes": "研究确定考察对象",
            "candidate_ids": [a, b],
        },
        foreign,
        rnd["id"],
    )
    d.act("start_inspection")
    notice = recorded(d, "inspection-notice", "inspection_notice", d.notice_body(), foreign, None)
    assert sorted(notice["data"]["candidate_ids"]) == sorted([a, b])
    team = {"members": [{"name": "甲", "leader": True}, {"name": "乙"}]}
    recorded(d, "inspection-team", "inspection_team", team, foreign, notice["id"])
    rep = recorded(d, "inspection-reports", "inspection_report", report(a), foreign, targets["id"])
    assert rep["candidate_id"] == a
    d.fact("inspection-reports", report(b))
    d.act("start_deliberation")
    recorded(d, "proposals", "proposal", {"candidate_ids": [a]}, foreign, rep["id"])
    consult = {"party": "leaders", "consulted_on": "2026-03-02", "answer": "agree"}
    recorded(d, "consultations", "consultation", consult, foreign, None)
    d.act("submit_for_decision")
    ballot = {"candidate_id": a, "briefing": BRIEFING, "votes_for": 7}
    meeting = recorded(
        d, "decision-meetings", "decision_meeting", meeting_body(d, [ballot]), foreign, None
    )
    d.act("approve")
    _, members = d.body(9)
    recon = {"held_on": "2026-03-02", "attendee_ids": members, "votes_for": 4, "reason": "复议"}
    recorded(d, "reconsiderations", "reconsideration", recon, foreign, meeting["id"])
    pub = {"start_date": "2026-03-30", "how_to_object": "来信来电", "contact": "12380"}
    notice2 = recorded(d, "publicity-notice", "publicity_notice", pub, foreign, meeting["id"])
    assert notice2["data"]["end_date"] == "2026-04-03"
    d.on("2026-03-30")
    objection = recorded(
        d,
        "objections",
        "objection",
        {"candidate_id": a, "content": "反映问题", "has_specific_leads": True, "contact": "x"},
        foreign,
        notice2["id"],
    )
    assert objection["status"] == "open"
    finding = recorded(
        d,
        "objection-findings",
        "objection_finding",
        {
            "objection_id": objection["id"],
            "finding": "appoint",
            "investigation": "不属实",
            "investigated_by": "组织部",
            "concluded_on": "2026-03-30",
        },
        foreign,
        objection["id"],
    )
    assert finding["data"]["objection_id"] == objection["id"]
    assert (
        ok(d.http.get(f"{d.url}/objections/{objection['id']}", headers=d.headers))["status"]
        == "appoint"
    )
    d.on("2026-04-07")
    appointment = recorded(
        d,
        "appointments",
        "appointment",
        {
            "candidate_id": a,
            "form": "appointed",
            "appointed_on": "2026-04-07",
            "talk": {"held_on": "2026-04-07", "by": "组织部长"},
        },
        foreign,
        finding["id"],
    )
    d.refresh()
    d.act("appoint")
    d.act("begin_probation")
    d.on("2027-04-07")
    recorded(
        d,
        "probation-assessments",
        "probation_assessment",
        {"candidate_id": a, "assessed_on": "2027-04-07", "competent": True, "summary": "称职"},
        foreign,
        appointment["id"],
    )
    d.refresh()
    d.act("confirm")
    # Every kind was recorded once (two reports), and each has its own record entry.
    counts = {k: len(v) for k, v in d.case["facts"].items() if v}
    assert counts == {
        "exception_approval": 1,
        "scope_amendment": 1,
        "recommendation_round": 1,
        "target_decision": 1,
        "inspection_notice": 1,
        "inspection_team": 1,
        "inspection_report": 2,
        "proposal": 1,
        "consultation": 1,
        "decision_meeting": 1,
        "reconsideration": 1,
        "publicity_notice": 1,
        "objection": 1,
        "objection_finding": 1,
        "appointment": 1,
        "probation_assessment": 1,
    }
    entries = ok(d.http.get(f"{d.url}/record", headers=d.headers))
    assert entries["verified"] is True
    fact_ids = [e["payload"].get("fact_id") for e in entries["entries"]]
    every = [f["id"] for fs in d.case["facts"].values() for f in fs]
    assert sorted(x for x in fact_ids if x) == sorted(every)


def test_competitive_scores_read_back(d: Driver, other: Driver) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b], method="competitive", policy="district-competitive-334")
    d.act("start_recommendation")
    scores = {
        "scores": [
            {
                "candidate_id": c,
                "written": 80,
                "interview": 80,
                "evaluation": 80,
                "dissatisfaction_percent": 10,
            }
            for c in (a, b)
        ]
    }
    foreign = other.case["facts"]["recommendation_round"][0]["id"]
    made = recorded(d, "competitive-scores", "competitive_scores", scores, foreign, None)
    assert [r["total"] for r in made["data"]["ranking"]] == ["80.00", "80.00"]
    # The other case's round is not a score here, nor in its own case under this path.
    not_found(other, f"{other.url}/competitive-scores/{foreign}")


def test_objection_contact_is_for_the_org_department_only(d: Driver, tokens: Principals) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    made = d.fact("objections", {"candidate_id": a, "content": "反映", "contact": "13800000000"})
    url = f"{d.url}/objections/{made['id']}"
    assert ok(d.http.get(url, headers=d.headers))["data"]["contact"] == "13800000000"
    for role in ("auditor", "discipline_inspection"):
        seen = ok(d.http.get(url, headers=tokens[role]))
        assert seen["data"]["contact"] is None
        listed = listing(d, "objections", tokens[role])
        assert [x["data"]["contact"] for x in listed] == [None]
    # Readers may not record.
    before = state(d, "objections")
    r = d.http.post(f"{d.url}/objections", json={"content": "x"}, headers=tokens["auditor"])
    assert r.status_code == 403
    assert state(d, "objections") == before


# --- corrections ---------------------------------------------------------------------------


def round_body(cids: list[str], participants: int, **over: Any) -> dict[str, Any]:
    return {
        "kind": "meeting",
        "held_on": "2026-03-02",
        "participants": participants,
        "results": [{"candidate_id": c, "votes_for": 12} for c in cids],
        **over,
    }


def in_recommendation(d: Driver) -> tuple[str, str]:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b], scope=30)
    d.act("start_recommendation")
    return a, b


def test_correction_chain_changes_whether_targets_can_be_fixed(d: Driver) -> None:
    a, b = in_recommendation(d)
    r1 = d.fact("recommendation-rounds", round_body([a, b], 20))
    assert r1["data"]["counted"] is True
    # Corrected: only 19 took part -> no counted round any more. The case's ETag changes.
    etag = d.case["etag"]
    d.set_now(d.now() + timedelta(minutes=1))
    r2 = d.fact(
        "recommendation-rounds",
        round_body([a, b], 19, supersedes=r1["id"], correction_reason="参加人数统计有误"),
    )
    assert (r2["supersedes"], r2["correction_reason"], r2["current"]) == (
        r1["id"],
        "参加人数统计有误",
        True,
    )
    assert r2["data"]["counted"] is False
    assert r2["seq"] > r1["seq"]
    assert d.case["etag"] != etag
    old = ok(d.http.get(f"{d.url}/recommendation-rounds/{r1['id']}", headers=d.headers))
    assert (old["current"], old["superseded_by"]) == (False, r2["id"])
    assert old["data"] == r1["data"]  # immutable
    assert d.case["recommendation_tallies"]["meeting"] == []
    assert {d.standing(a), d.standing(b)} == {"pool"}
    refused(d, "targets", targets_body(d, [a, b]), rule="REC-PARTICIPATION")
    # Superseding the same fact twice, or a superseded link of the chain: 409.
    for stale in (r1["id"],):
        refused(
            d,
            "recommendation-rounds",
            round_body([a, b], 25, supersedes=stale, correction_reason="再次更正"),
            status=409,
        )
    r3 = d.fact(
        "recommendation-rounds",
        round_body([a, b], 20, supersedes=r2["id"], correction_reason="复核后为20人"),
    )
    refused(
        d,
        "recommendation-rounds",
        round_body([a, b], 25, supersedes=r2["id"], correction_reason="再次更正"),
        status=409,
    )
    listed = listing(d, "recommendation-rounds")
    assert [(x["id"], x["current"], x["superseded_by"]) for x in listed] == [
        (r1["id"], False, r2["id"]),
        (r2["id"], False, r3["id"]),
        (r3["id"], True, None),
    ]
    assert {d.standing(a), d.standing(b)} == {"recommended"}
    d.targets([a, b])
    record = ok(d.http.get(f"{d.url}/record", headers=d.headers))["entries"]
    corrected = [e for e in record if e["action"] == "fact.recommendation_round.corrected"]
    assert [(e["payload"]["supersedes"], e["payload"]["fact_id"]) for e in corrected] == [
        (r1["id"], r2["id"]),
        (r2["id"], r3["id"]),
    ]
    assert corrected[0]["payload"]["correction_reason"] == "参加人数统计有误"


def test_corrected_round_counted_becomes_uncounted(d: Driver) -> None:
    a, b = in_recommendation(d)
    r1 = d.fact("recommendation-rounds", round_body([a, b], 20))
    d.fact(
        "recommendation-rounds",
        round_body([a], 20, supersedes=r1["id"], correction_reason="b 的票数录入错误"),
    )
    # b has no vote in a current counted round any more.
    assert (d.standing(a), d.standing(b)) == ("recommended", "pool")
    r = refused(d, "targets", targets_body(d, [a, b]))
    assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("REC-REQUIRED", b)]
    d.targets([a], equal_number_reason="推荐意见集中")


def test_correction_refusals(d: Driver, other: Driver) -> None:
    a, b = in_recommendation(d)
    r1 = d.fact("recommendation-rounds", round_body([a, b], 20))
    amendment = d.fact("scope-amendments", {"recommendation_scope": 40, "reason": "扩大"})
    theirs = other.case["facts"]["recommendation_round"][0]["id"]
    body = round_body([a, b], 25)
    # Without a reason, or with only blanks.
    refused(d, "recommendation-rounds", {**body, "supersedes": r1["id"]}, rule="REC-RECORD")
    for blank in ("", "   "):
        refused(
            d,
            "recommendation-rounds",
            {**body, "supersedes": r1["id"], "correction_reason": blank},
        )
    # A fact of another kind, of another case, or of nobody.
    for target in (amendment["id"], theirs, str(uuid.uuid4())):
        refused(
            d,
            "recommendation-rounds",
            {**body, "supersedes": target, "correction_reason": "更正"},
        )
    refused(
        d,
        "scope-amendments",
        {
            "recommendation_scope": 45,
            "reason": "x",
            "supersedes": r1["id"],
            "correction_reason": "更正",
        },
    )
    # The other case is untouched by the attempt.
    theirs_now = ok(
        other.http.get(f"{other.url}/recommendation-rounds/{theirs}", headers=d.headers)
    )
    assert (theirs_now["current"], theirs_now["superseded_by"]) == (True, None)
    # A correction is judged by the rules like any fact: above the scope (now 40) is refused.
    refused(
        d,
        "recommendation-rounds",
        round_body([a, b], 41, supersedes=r1["id"], correction_reason="更正"),
        rule="REC-SCOPE",
    )
    assert ok(d.http.get(f"{d.url}/recommendation-rounds/{r1['id']}", headers=d.headers))["current"]


def test_correction_only_in_the_facts_stage(d: Driver) -> None:
    a, b = in_recommendation(d)
    r1 = d.fact("recommendation-rounds", round_body([a, b], 20))
    d.targets([a, b])
    d.act("start_inspection")
    refused(
        d,
        "recommendation-rounds",
        round_body([a, b], 19, supersedes=r1["id"], correction_reason="事后更正"),
        status=409,
    )


def test_single_and_per_candidate_facts_must_be_corrected(d: Driver, client: TestClient) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    first = d.fact("inspection-reports", report(a))
    assert refused(d, "inspection-reports", report(a), status=409)["rule"] == "INS-REPORT"
    fixed = report(a, key_interviews="补充谈话记录")
    second = d.fact(
        "inspection-reports", {**fixed, "supersedes": first["id"], "correction_reason": "补充"}
    )
    assert second["data"]["key_interviews"] == "补充谈话记录"
    d.inspect([b])  # notice, team, b's report
    d.act("start_deliberation")
    d.deliberate([a])
    d.act("submit_for_decision")
    d.decide([a])
    d.act("approve")
    n1 = d.publicise("2026-03-30", advance=False)
    body = {"start_date": "2026-04-01", "how_to_object": "来信", "contact": "12380"}
    assert refused(d, "publicity-notice", body, status=409)["rule"] == "PUB-DURATION"
    n2 = d.fact(
        "publicity-notice", {**body, "supersedes": n1["id"], "correction_reason": "推迟发布"}
    )
    assert d.case["publicity"]["start_date"] == "2026-04-01"
    assert d.case["publicity"]["end_date"] == "2026-04-08"  # 6 April is Qingming
    d.on("2026-04-01")
    public = client.get("/api/v1/public/notices").json()
    assert [n["notice_id"] for n in public] == [n2["id"]]
    refused(
        d,
        "publicity-notice",
        {**body, "start_date": "2026-04-02", "supersedes": n1["id"], "correction_reason": "x"},
        status=409,
    )


def test_corrected_meeting_decides(d: Driver) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    m1 = d.fact(
        "decision-meetings",
        meeting_body(d, [{"candidate_id": a, "briefing": BRIEFING, "votes_for": 4}]),
    )
    assert m1["data"]["results"][0]["passed"] is False
    # The correction must itself respect the roster.
    _, strangers = Driver(d.http, d.headers).body(3)
    refused(
        d,
        "decision-meetings",
        meeting_body(
            d,
            [{"candidate_id": a, "briefing": BRIEFING, "votes_for": 3}],
            attendee_ids=strangers,
            supersedes=m1["id"],
            correction_reason="计票有误",
        ),
        rule="DEC-ROSTER",
    )
    refused_action(d, "approve", "DEC-MAJORITY")
    m2 = d.fact(
        "decision-meetings",
        meeting_body(
            d,
            [{"candidate_id": a, "briefing": BRIEFING, "votes_for": 6}],
            supersedes=m1["id"],
            correction_reason="计票有误",
        ),
    )
    assert m2["data"]["results"][0]["passed"] is True
    refused(
        d,
        "decision-meetings",
        meeting_body(
            d,
            [{"candidate_id": a, "briefing": BRIEFING, "votes_for": 9}],
            supersedes=m1["id"],
            correction_reason="again",
        ),
        status=409,
    )
    d.act("approve")
    assert d.standing(a) == "approved"


def test_corrected_finding_changes_the_objection(d: Driver) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    lodged = d.fact(
        "objections", {"candidate_id": a, "content": "反映", "has_specific_leads": True}
    )
    finding = {
        "objection_id": lodged["id"],
        "finding": "not_appoint",
        "investigation": "初步核实",
        "investigated_by": "组织部",
        "concluded_on": "2026-03-30",
    }
    # A finding names an objection of this case.
    notice_id = d.case["facts"]["publicity_notice"][0]["id"]
    for wrong in (notice_id, str(uuid.uuid4())):
        refused(d, "objection-findings", {**finding, "objection_id": wrong})
        before = state(d, "objection-findings")
        r = d.http.post(
            f"{d.url}/objections/{wrong}/finding",
            json={k: v for k, v in finding.items() if k != "objection_id"},
            headers=d.headers,
        )
        assert r.status_code == 422, r.text
        assert state(d, "objection-findings") == before
    f1 = d.fact("objection-findings", finding)
    assert refused(d, "objection-findings", finding, status=409)["rule"] == "PUB-OBJECTIONS"
    f2 = d.fact(
        "objection-findings",
        {**finding, "finding": "appoint", "supersedes": f1["id"], "correction_reason": "复核"},
    )
    assert f2["supersedes"] == f1["id"]
    objection = ok(d.http.get(f"{d.url}/objections/{lodged['id']}", headers=d.headers))
    assert objection["status"] == "appoint"
    d.on("2026-04-07")
    d.appointment(a, on="2026-04-07")
    d.act("appoint")
    assert d.standing(a) == "appointed"
