"""Every numeric rule of the workflow at its exact limit, just below and just above."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services.context import FixedClock
from tests.case_driver import Driver, ok, report
from tests.conftest import Principals


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


def _in_recommendation(d: Driver, n: int = 2, places: int = 1, **kw: Any) -> list[str]:
    pos = d.position(headcount=max(places, 1) + 1)
    cids = [d.candidate() for _ in range(n)]
    d.create(pos["id"], cids, places=places, **kw)
    d.act("start_recommendation")
    return cids


def _blocking(d: Driver, action: str) -> set[str]:
    a = next(x for x in d.case["allowed_actions"] if x["action"] == action)
    return {v["rule"] for v in a["blocking"]}


# --- REC-PARTICIPATION: exactly 2/3 of the scope counts -----------------------------------------


@pytest.mark.parametrize(("participants", "counted"), [(20, True), (19, False), (21, True)])
def test_rec_participation_boundary(d: Driver, participants: int, counted: bool) -> None:
    a, b = _in_recommendation(d)
    d.recommend([a, b], participants=participants, scope=30, votes=10)
    rnd = d.case["facts"]["recommendation_round"][0]["data"]
    assert rnd["counted"] is counted
    r = d.targets([a, b], status=201 if counted else 422)
    if not counted:
        assert r["rule"] == "REC-PARTICIPATION"


def test_rounds_are_tallied_separately(d: Driver) -> None:
    a, _ = _in_recommendation(d)
    d.recommend([a], kind="talk", votes=5)
    d.recommend([a], kind="meeting", votes=7)
    tallies = d.case["recommendation_tallies"]
    assert tallies["talk"][0]["votes_for"] == 5
    assert tallies["meeting"][0]["votes_for"] == 7


# --- REC-VALIDITY: one year, same position -------------------------------------------------------


@pytest.mark.parametrize(("today", "usable"), [("2027-03-02", True), ("2027-03-03", False)])
def test_rec_validity_one_year(d: Driver, today: str, usable: bool) -> None:
    a, b = _in_recommendation(d)
    d.recommend([a, b], held_on="2026-03-02")
    d.on(today)
    r = d.targets([a, b]) if usable else d.targets([a, b], status=422)
    if not usable:
        assert r["rule"] == "REC-VALIDITY"


def test_rec_validity_other_position(d: Driver) -> None:
    a, b = _in_recommendation(d)
    other = d.position()
    d.fact(
        "recommendation-rounds",
        {
            "kind": "meeting",
            "held_on": "2026-03-02",
            "participants": 30,
            "position_id": other["id"],
            "results": [{"candidate_id": a, "votes_for": 20}, {"candidate_id": b, "votes_for": 20}],
        },
    )
    r = d.targets([a, b], status=422)
    assert {v["rule"] for v in r["violations"]} == {"REC-VALIDITY"}


# --- REC-MAJORITY (policy): more than half of participants ---------------------------------------


@pytest.mark.parametrize(("votes", "ok_"), [(15, False), (16, True)])
def test_rec_majority_policy(d: Driver, client: TestClient, votes: int, ok_: bool) -> None:
    ok(
        client.post(
            "/api/v1/policies",
            json={"name": "majority", "params": {"recommendation_majority_required": True}},
            headers=d.headers,
        ),
        201,
    )
    a, b = _in_recommendation(d, policy="majority")
    d.recommend([a, b], participants=30, scope=30, votes=votes)
    r = d.targets([a, b], status=201 if ok_ else 422)
    if not ok_:
        assert {v["rule"] for v in r["violations"]} == {"REC-MAJORITY"}


# --- INS-MORE-THAN-PLACES and REC-NOT-VOTES ------------------------------------------------------


def test_targets_need_a_decision_and_outnumber_places(d: Driver) -> None:
    a, b = _in_recommendation(d)
    d.recommend([a, b])
    assert "REC-NOT-VOTES" in _blocking(d, "start_inspection")
    r = d.targets([a], status=422)
    assert r["rule"] == "INS-MORE-THAN-PLACES"
    d.targets([a], equal_number_reason="推荐意见集中")
    d.act("start_inspection")
    assert d.standing(a) == "target"
    assert d.standing(b) == "eliminated"


# --- QUAL-SERVICE: 5 full years of service (today is 2026-03-02) ---------------------------------


@pytest.mark.parametrize(("start", "passes"), [("2021-03-02", True), ("2021-03-03", False)])
def test_qual_service_five_years(d: Driver, start: str, passes: bool) -> None:
    pos = d.position()
    a = d.candidate(work_start_date=start, party_join_date="2002-07-01")
    b = d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    r = d.targets([a, b], status=201 if passes else 422)
    if not passes:
        assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("QUAL-SERVICE", a)]


def test_excl_appraisal_and_all_rules_listed(d: Driver) -> None:
    pos = d.position()
    bad = d.candidate(
        education="below_college",
        appraisals=[{"year": 2025, "grade": "basically_competent"}],
    )
    good = d.candidate()
    d.create(pos["id"], [bad, good])
    d.act("start_recommendation")
    d.recommend([bad, good])
    r = d.targets([bad, good], status=422)
    assert {v["rule"] for v in r["violations"]} == {"QUAL-EDUCATION", "EXCL-APPRAISAL"}


# --- COMP-*: shortlist of 3, dissatisfaction above 30% -------------------------------------------


def _scores(cids: list[str], dissatisfaction: list[str] | None = None) -> dict[str, Any]:
    dis = dissatisfaction or ["10"] * len(cids)
    return {
        "scores": [
            {
                "candidate_id": c,
                "written": 90 - i,
                "interview": 90 - i,
                "evaluation": 90 - i,
                "dissatisfaction_percent": dis[i],
            }
            for i, c in enumerate(cids)
        ]
    }


def test_comp_three_all_go_on(d: Driver) -> None:
    cids = _in_recommendation(d, n=3, method="competitive", policy="district-competitive-334")
    d.recommend(cids)
    d.fact("competitive-scores", _scores(cids))
    assert all(
        r["shortlisted"] for r in d.case["facts"]["competitive_scores"][0]["data"]["ranking"]
    )
    d.targets(cids)


def test_comp_four_keep_top_three(d: Driver) -> None:
    cids = _in_recommendation(d, n=4, method="competitive", policy="district-competitive-334")
    d.recommend(cids)
    d.fact("competitive-scores", _scores(cids))
    r = d.targets(cids, status=422)
    assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("COMP-SHORTLIST", cids[3])]
    d.targets(cids[:3])


@pytest.mark.parametrize(("rate", "stays"), [("30", True), ("30.1", False), ("29.999", True)])
def test_comp_dissatisfaction_cutoff(d: Driver, rate: str, stays: bool) -> None:
    cids = _in_recommendation(d, n=2, method="competitive", policy="district-competitive-334")
    d.recommend(cids)
    d.fact("competitive-scores", _scores(cids, [rate, "0"]))
    r = d.targets(cids, status=201 if stays else 422)
    if not stays:
        assert r["violations"][0]["rule"] == "COMP-DISSATISFACTION"


def test_comp_dissatisfaction_as_a_fraction(d: Driver) -> None:
    cids = _in_recommendation(d, n=2, method="competitive", policy="district-competitive-334")
    d.recommend(cids)
    body = _scores(cids)
    for s, rate in zip(body["scores"], ["0.301", "0.3"], strict=True):
        del s["dissatisfaction_percent"]
        s["dissatisfaction_rate"] = rate
    d.fact("competitive-scores", body)
    ranking = {
        r["candidate_id"]: r for r in d.case["facts"]["competitive_scores"][0]["data"]["ranking"]
    }
    assert ranking[cids[0]]["excluded_rule"] == "COMP-DISSATISFACTION"
    assert ranking[cids[1]]["excluded_rule"] is None


def test_comp_total_334(d: Driver) -> None:
    cids = _in_recommendation(d, n=2, method="competitive", policy="district-competitive-334")
    d.fact(
        "competitive-scores",
        {
            "scores": [
                {
                    "candidate_id": cids[0],
                    "written": 80,
                    "interview": 90,
                    "evaluation": 70,
                    "dissatisfaction_percent": 0,
                },
                {
                    "candidate_id": cids[1],
                    "written": 70,
                    "interview": 70,
                    "evaluation": 70,
                    "dissatisfaction_percent": 0,
                },
            ]
        },
    )
    ranking = d.case["facts"]["competitive_scores"][0]["data"]["ranking"]
    assert ranking[0]["total"] == "79.00"


# --- inspection ------------------------------------------------------------------------------


def _in_inspection(d: Driver) -> list[str]:
    a, b = _in_recommendation(d)
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    return [a, b]


def test_ins_team_needs_two_and_recusal(d: Driver) -> None:
    a, _ = _in_inspection(d)
    assert (
        d.fact("inspection-team", {"members": [{"name": "甲"}]}, status=422)["rule"] == "INS-TEAM"
    )
    r = d.fact(
        "inspection-team",
        {"members": [{"name": "甲"}, {"name": "乙"}, {"name": "丙", "related_candidate_ids": [a]}]},
        status=422,
    )
    assert r["rule"] == "INS-TEAM"
    d.fact(
        "inspection-team",
        {
            "members": [
                {"name": "甲"},
                {"name": "乙"},
                {"name": "丙", "related_candidate_ids": [a], "recused": True},
            ]
        },
    )


def test_ins_four_musts_and_notice_before_deliberation(d: Driver) -> None:
    a, b = _in_inspection(d)
    assert {"INS-NOTICE", "INS-TEAM", "INS-REPORT", "INS-FOUR-MUSTS"} <= _blocking(
        d, "start_deliberation"
    )
    d.fact("inspection-notice", d.notice_body())
    d.fact("inspection-team", {"members": [{"name": "甲"}, {"name": "乙"}]})
    d.fact("inspection-reports", report(a))
    lacking = report(b)
    lacking["four_musts"]["complaints_verified"] = False
    d.fact("inspection-reports", lacking)
    r = d.act("start_deliberation", status=422)
    assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("INS-FOUR-MUSTS", b)]


# --- decision: quorum 2/3, majority of members who should attend ----------------------------------


def _in_decision(d: Driver) -> str:
    a, b = _in_recommendation(d)
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a])
    d.act("submit_for_decision")
    return a


@pytest.mark.parametrize(("present", "passes"), [(6, True), (5, False)])
def test_dec_quorum_two_thirds(d: Driver, present: int, passes: bool) -> None:
    a = _in_decision(d)
    d.decide([a], votes_for=5, expected=9, present=present)
    if passes:
        d.act("approve")
    else:
        assert d.act("approve", status=422)["rule"] == "DEC-QUORUM"


@pytest.mark.parametrize(("votes", "passes"), [(5, False), (6, True)])
def test_dec_majority_of_members_who_should_attend(d: Driver, votes: int, passes: bool) -> None:
    a = _in_decision(d)
    # 10 should attend, 7 present: 5 is more than half of those present but exactly half of 10.
    d.decide([a], votes_for=votes, expected=10, present=7)
    if passes:
        d.act("approve")
        assert d.standing(a) == "approved"
    else:
        assert d.act("approve", status=422)["rule"] == "DEC-MAJORITY"


def test_dec_secret_ballot_and_minutes(d: Driver) -> None:
    a = _in_decision(d)
    r = d.decide([a], voting_method="show_of_hands", status=422)
    assert r["rule"] == "DEC-SECRET-BALLOT"
    d.decide([a], recorder_signed=False)
    assert d.act("approve", status=422)["rule"] == "DEC-MINUTES"


def test_dec_postpone_and_resume(d: Driver) -> None:
    _in_decision(d)
    d.act("postpone_vote", status=422)  # needs a reason
    d.act("postpone_vote", reason="意见分歧较大")
    assert d.case["stage"] == "decision_postponed"
    d.act("resume_vote", reason="分歧已消除")
    assert d.case["stage"] == "decision"


# --- publicity -------------------------------------------------------------------------------


def _in_publicity(d: Driver, clock: FixedClock | None = None) -> str:
    a = _in_decision(d)
    d.decide([a])
    d.act("approve")
    return a


def test_pub_window_across_national_day(d: Driver, clock: FixedClock) -> None:
    _in_publicity(d)
    d.publicise("2026-09-28")
    # 28, 29, 30 Sep; 1-7 Oct holiday; 8, 9 Oct: the fifth working day is 9 October.
    assert d.case["publicity"]["end_date"] == "2026-10-09"


def test_pub_seven_calendar_days_policy(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a, b = (
        d.candidate(reserve_pool={"category": "经济"}),
        d.candidate(reserve_pool={"category": "经济"}),
    )
    d.create(pos["id"], [a, b], policy="city-7-day-publicity")
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")  # Monday: 5 working days end Friday 3 April, 7 days end 5 April
    assert d.case["publicity"]["end_date"] == "2026-04-05"


def test_pub_unknown_calendar_year_is_an_error(d: Driver) -> None:
    _in_publicity(d)
    r = d.fact(
        "publicity-notice",
        {"start_date": "2026-12-28", "how_to_object": "h", "contact": "c"},
        status=422,
    )
    assert r["rule"] == "PUB-DURATION"
    assert "2027" in r["detail"]


def test_pub_objection_blocks_until_finding(d: Driver, clock: FixedClock) -> None:
    a = _in_publicity(d)
    d.publicise("2026-03-30", advance=False)
    objection = {
        "candidate_id": a,
        "content": "反映问题",
        "has_specific_leads": True,
        "contact": "13800000000",
    }
    # Not before the notice starts (CASE-TIMELINE).
    assert d.fact("objections", objection, status=422)["rule"] == "CASE-TIMELINE"
    d.on("2026-03-31")
    lodged = d.fact("objections", objection)
    assert lodged["status"] == "open"
    d.appointment(a, on="2026-04-07")
    assert d.act("appoint", status=422)["rule"] == "PUB-OBJECTIONS"
    finding = {
        "finding": "not_appoint",
        "investigation": "属实",
        "investigated_by": "组织部",
        "concluded_on": "2026-03-30",
    }
    url = f"{d.url}/objections/{lodged['id']}/finding"
    # Concluded before the objection was lodged: refused.
    r = d.http.post(url, json=finding, headers=d.headers)
    assert r.status_code == 422
    assert r.json()["rule"] == "CASE-TIMELINE"
    made = ok(
        d.http.post(url, json={**finding, "concluded_on": "2026-04-06"}, headers=d.headers), 201
    )
    assert made["data"]["objection_id"] == lodged["id"]
    assert ok(d.http.get(f"{d.url}/objections/{lodged['id']}", headers=d.headers))["status"] == (
        "not_appoint"
    )
    d.refresh()
    d.act("reject_after_publicity", reason="反映问题属实")
    assert d.case["stage"] == "not_appointed"
    assert d.standing(a) == "not_appointed"


def test_dec_reconsider_needs_more_than_half(d: Driver) -> None:
    _in_publicity(d)
    # The body that decided has 9 members on the day: 4 is not more than half, 5 is.
    d.reconsider_vote(4)
    assert d.act("reconsider", reason="新情况", status=422)["rule"] == "DEC-RECONSIDER"
    d.reconsider_vote(5)
    d.act("reconsider", reason="新情况")
    assert d.case["stage"] == "decision"


def test_after_reconsideration_the_old_meeting_and_notice_no_longer_count(d: Driver) -> None:
    a = _in_publicity(d)
    d.publicise("2026-03-30")
    d.reconsider_vote(5)
    d.act("reconsider", reason="新情况")
    assert d.standing(a) == "proposed"
    # The meeting before the reconsideration decided nothing for this pass.
    assert d.act("approve", status=422)["rule"] == "DEC-QUORUM"
    d.decide([a])
    d.act("approve")
    # Nor does the old notice: the window of this pass needs its own notice.
    r = d.act("appoint", status=422)
    assert ("PUB-DURATION", "no publicity notice is recorded") in {
        (v["rule"], v["detail"]) for v in r["violations"]
    }
    d.publicise("2026-04-07")
    assert d.case["publicity"]["start_date"] == "2026-04-07"


# --- HEADCOUNT and probation -------------------------------------------------------------------


def test_headcount_at_motion(d: Driver, client: TestClient) -> None:
    pos = d.position(headcount=1)
    r = client.post(
        "/api/v1/cases",
        json={
            "title": "t",
            "position_id": pos["id"],
            "places": 2,
            "method": "organisational",
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "x",
                "recommendation_scope": 10,
            },
        },
        headers=d.headers,
    )
    assert r.status_code == 422
    assert r.json()["rule"] == "HEADCOUNT"


def test_elected_post_ends_at_appointed(d: Driver, clock: FixedClock) -> None:
    pos = d.position(fill_method="elected")
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    wrong = d.fact(
        "appointments",
        {
            "candidate_id": a,
            "form": "appointed",
            "appointed_on": "2026-04-10",
            "talk": {"held_on": "2026-04-10", "by": "x"},
        },
        status=422,
    )
    assert wrong["rule"] == "APP-FORM"
    d.appointment(a, form="elected")
    d.act("appoint")
    assert d.act("begin_probation", status=422)["rule"] == "PROB-TERM"


def test_withdraw_needs_reason(d: Driver) -> None:
    _in_recommendation(d)
    d.act("withdraw", status=422)
    d.act("withdraw", reason="机构调整")
    assert d.case["stage"] == "withdrawn"
    assert d.case["closed_reason"] == "机构调整"


# --- policy gates: previous unit, reserve pool; HEADCOUNT again at appointment -------------------


@pytest.mark.parametrize(("since", "needed"), [("2023-03-02", False), ("2023-03-03", True)])
def test_ins_previous_unit_under_three_years(d: Driver, since: str, needed: bool) -> None:
    pos = d.position()
    current = {"unit": "某局", "title": "科长", "level": "township_principal", "start": since}
    a, b = d.candidate(posts=[current]), d.candidate(posts=[current])
    d.create(pos["id"], [a, b], policy="province-2005-detailed")
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.fact("inspection-notice", d.notice_body())
    d.fact("inspection-team", {"members": [{"name": "甲"}, {"name": "乙"}]})
    d.fact("inspection-reports", report(a))
    d.fact("inspection-reports", report(b, previous_unit_inspected=True, previous_unit="某县"))
    if needed:
        r = d.act("start_deliberation", status=422)
        assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("INS-PREVIOUS-UNIT", a)]
    else:
        d.act("start_deliberation")


def test_res_pool_required_policy(d: Driver) -> None:
    pos = d.position()
    member = d.candidate(reserve_pool={"category": "担当干部储备库·经济"})
    outsider = d.candidate()
    d.create(pos["id"], [member, outsider], policy="city-7-day-publicity")
    d.act("start_recommendation")
    d.recommend([member, outsider])
    r = d.targets([member, outsider], status=422)
    assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("RES-POOL-REQUIRED", outsider)]


def test_headcount_checked_again_at_appointment(
    d: Driver, client: TestClient, clock: FixedClock
) -> None:
    pos = d.position(headcount=1)
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-02")
    d.appointment(a, on="2026-03-10")
    position = ok(client.get(f"/api/v1/positions/{pos['id']}", headers=d.headers))
    ok(
        client.patch(
            f"/api/v1/positions/{pos['id']}",
            json={"occupant_ids": [b]},
            headers={**d.headers, "If-Match": position["etag"]},
        )
    )
    d.refresh()
    assert d.act("appoint", status=422)["rule"] == "HEADCOUNT"


# --- EXCL-DISCIPLINE and QUAL-TENURE through the API (today is 2026-03-02) ----------------------


@pytest.mark.parametrize(("end", "excluded"), [("2026-03-02", True), ("2026-03-01", False)])
def test_excl_discipline_sanction_period(d: Driver, end: str, excluded: bool) -> None:
    pos = d.position()
    sanction = {"kind": "party_discipline", "start": "2025-03-02", "end": end}
    a, b = d.candidate(sanctions=[sanction]), d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    r = d.targets([a, b], status=422 if excluded else 201)
    if excluded:
        assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("EXCL-DISCIPLINE", a)]


@pytest.mark.parametrize(("since", "passes"), [("2023-03-02", True), ("2023-03-03", False)])
def test_qual_tenure_three_years_as_lower_principal(d: Driver, since: str, passes: bool) -> None:
    pos = d.position(rank_level="county_deputy")
    a, b = d.candidate(rank_level="township_principal", rank_since=since), d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    d.recommend([a, b])
    r = d.targets([a, b], status=201 if passes else 422)
    if not passes:
        assert [(v["rule"], v["subject"]) for v in r["violations"]] == [("QUAL-TENURE", a)]


def test_a_fact_is_a_new_version_even_at_the_same_instant(d: Driver) -> None:
    a, b = _in_recommendation(d)
    before = d.case["etag"]
    d.recommend([a, b])  # the clock has not moved
    assert d.case["etag"] != before
    # The old ETag no longer moves the case.
    r = d.http.post(
        f"{d.url}/transitions",
        json={"action": "withdraw", "reason": "x"},
        headers={**d.headers, "If-Match": before},
    )
    assert r.status_code == 412


def test_a_corrected_notice_takes_no_more_objections(d: Driver, client: TestClient) -> None:
    _in_publicity(d)
    first = d.publicise("2026-03-30")
    d.fact(
        "publicity-notice",
        {
            "start_date": "2026-03-30",
            "how_to_object": "来信来电 12380",
            "contact": "12380",
            "supersedes": first["id"],
            "correction_reason": "联系方式更正",
        },
    )
    old = client.post(
        f"/api/v1/public/notices/{first['id']}/objections", json={"content": "反映问题"}
    )
    assert old.status_code == 409, old.text
    assert old.json()["rule"] == "PUB-OBJECTIONS"
    (notice,) = client.get("/api/v1/public/notices").json()
    assert notice["notice_id"] != first["id"]
    assert notice["how_to_object"] == "来信来电 12380"
