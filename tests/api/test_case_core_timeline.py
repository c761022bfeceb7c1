"""CASE-TIMELINE, PUB-DURATION, APP-FORM and PROB-TERM: every date a fact carries, at its limits.

Not before the day the case entered the fact's stage, not after today (China time, UTC+8); a
notice starts no earlier than the decision and is not public before it starts; an appointment
is dated after the window closed; a probation assessment on or after the term's end. Each
boundary is tried on the day, the day before and the day after; a refusal changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services.context import FixedClock
from tests.case_checks import refused as refused_any
from tests.case_checks import refused_action, state
from tests.case_driver import BRIEFING, CHINA, Driver, ok, report
from tests.conftest import Principals


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


# --- helpers ---------------------------------------------------------------------------------


def refused(
    d: Driver,
    path: str,
    body: dict[str, Any],
    rule: str | None = "CASE-TIMELINE",
    status: int = 422,
) -> dict[str, Any]:
    """A fact refused (by default under CASE-TIMELINE); nothing changes."""
    return refused_any(d, path, body, status=status, rule=rule)


def china(day: str, hh: int = 9, mm: int = 0, ss: int = 0) -> datetime:
    """`hh:mm:ss` China time on `day`."""
    return datetime.combine(date.fromisoformat(day), time(hh, mm, ss), CHINA)


def standing_of(d: Driver, cid: str, key: str) -> Any:
    return next(c[key] for c in d.case["candidates"] if c["candidate_id"] == cid)


def new_case(d: Driver, places: int = 1, **pos: Any) -> list[str]:
    position = d.position(headcount=places + 1, **pos)
    cids = [d.candidate() for _ in range(places + 1)]
    d.create(position["id"], cids, places=places)
    return cids


def round_body(cids: list[str], held_on: str) -> dict[str, Any]:
    return {
        "kind": "meeting",
        "held_on": held_on,
        "participants": 30,
        "results": [{"candidate_id": c, "votes_for": 20} for c in cids],
    }


def targets_body(cids: list[str], decided_on: str) -> dict[str, Any]:
    return {
        "decided_by": "部务会",
        "decided_on": decided_on,
        "minutes": "研究确定考察对象",
        "candidate_ids": cids,
    }


def notice_body(day: str) -> dict[str, Any]:
    return {
        "period_start": day,
        "period_end": day,
        "team": "考察组",
        "contact": "0000-1234567",
        "how_to_report": "来信来电",
        "published_on": day,
    }


def meeting_at(d: Driver, cid: str, held_at: str, votes: int = 7) -> dict[str, Any]:
    body_id, members = d.body(9)
    return {
        "held_at": held_at,
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
        "results": [{"candidate_id": cid, "briefing": BRIEFING, "votes_for": votes}],
    }


def appointment_body(cid: str, on: str, talk: str | None = None, form: str = "appointed") -> Any:
    return {
        "candidate_id": cid,
        "form": form,
        "appointed_on": on,
        "talk": {"held_on": talk or on, "by": "组织部长"},
    }


def approved(d: Driver, places: int = 1, **pos: Any) -> list[str]:
    """A case decided on 2026-03-02 (meeting and approval), in stage publicity."""
    cids = new_case(d, places, **pos)
    d.to_decision(cids)
    d.decide(cids[:places])
    d.act("approve")
    return cids


# --- the stages before the decision ------------------------------------------------------------

# Each stage is entered on 2026-03-05 and today is 2026-03-10.
EDGES = [("2026-03-04", False), ("2026-03-05", True), ("2026-03-10", True), ("2026-03-11", False)]


@pytest.mark.parametrize(("day", "accepted"), EDGES)
def test_timeline_recommendation_round_and_targets(d: Driver, day: str, accepted: bool) -> None:
    a, b = new_case(d)
    d.on("2026-03-05")
    d.act("start_recommendation")
    d.on("2026-03-10")
    if not accepted:
        problem = refused(d, "recommendation-rounds", round_body([a, b], day))
        assert day in problem["detail"]
        d.fact("recommendation-rounds", round_body([a, b], "2026-03-10"))
        refused(d, "targets", targets_body([a, b], day))
        return
    made = d.fact("recommendation-rounds", round_body([a, b], day))
    assert made["data"]["held_on"] == day
    d.fact("targets", targets_body([a, b], day))


@pytest.mark.parametrize(("day", "accepted"), EDGES)
def test_timeline_inspection_notice_and_report(d: Driver, day: str, accepted: bool) -> None:
    a, b = new_case(d)
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.on("2026-03-05")
    d.act("start_inspection")
    d.on("2026-03-10")
    if not accepted:
        refused(d, "inspection-notice", notice_body(day))
        refused(d, "inspection-reports", report(a, day))
        return
    d.fact("inspection-notice", notice_body(day))
    d.fact("inspection-reports", report(a, day))


@pytest.mark.parametrize(("day", "accepted"), EDGES)
def test_timeline_consultation(d: Driver, day: str, accepted: bool) -> None:
    a, b = new_case(d)
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.on("2026-03-05")
    d.act("start_deliberation")
    d.on("2026-03-10")
    d.fact("proposals", {"candidate_ids": [a]})
    body = {"party": "leaders", "consulted_on": day, "answer": "agree"}
    if accepted:
        d.fact("consultations", body)
        d.act("submit_for_decision")
    else:
        refused(d, "consultations", body)
        assert "DEL-CONSULT" in refused_action(d, "submit_for_decision", "DEL-CONSULT")


@pytest.mark.parametrize(("day", "accepted"), [("2026-03-01", False), ("2026-03-02", True)])
def test_timeline_exception_approval_not_before_the_motion(
    d: Driver, day: str, accepted: bool
) -> None:
    a, _ = new_case(d)  # created on 2026-03-02
    body = {
        "candidate_id": a,
        "kinds": ["service"],
        "approved_by": "省委组织部",
        "document_no": "组干字〔2026〕1号",
        "approved_on": day,
        "reason": "工作急需",
    }
    if accepted:
        d.fact("exception-approvals", body)
    else:
        refused(d, "exception-approvals", body)
    refused(d, "exception-approvals", {**body, "approved_on": "2026-03-03"})


# --- the decision meeting: China days and the present instant ----------------------------------


@pytest.mark.parametrize(
    ("held_at", "accepted"),
    [
        ("2026-03-04T23:59:59+08:00", False),  # the day before the case entered decision
        ("2026-03-04T16:00:00+00:00", True),  # 00:00 on 03-05 in China
        ("2026-03-04T15:59:59Z", False),  # 23:59:59 on 03-04 in China
        ("2026-03-10T09:00:00+08:00", True),  # now
        ("2026-03-10T09:00:01+08:00", False),  # one second in the future
        ("2026-03-10T01:30:00Z", False),  # 09:30 today in China: later today
        ("2026-03-11T08:00:00+08:00", False),
    ],
)
def test_timeline_decision_meeting_held_at(d: Driver, held_at: str, accepted: bool) -> None:
    a, b = new_case(d)
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    d.inspect([a, b])
    d.act("start_deliberation")
    d.deliberate([a])
    d.on("2026-03-05")
    d.act("submit_for_decision")
    d.on("2026-03-10")
    body = meeting_at(d, a, held_at)
    if accepted:
        d.fact("decision-meetings", body)
        d.act("approve")
    else:
        refused(d, "decision-meetings", body)
        refused_action(d, "approve", "DEC-QUORUM")


def test_timeline_decision_meeting_held_at_without_offset(d: Driver) -> None:
    a, b = new_case(d)
    d.to_decision([a, b])
    d.on("2026-03-10")
    refused(d, "decision-meetings", meeting_at(d, a, "2026-03-05T09:00:00"), rule=None)


# --- reconsideration, publicity notice, public listing, objections ------------------------------


@pytest.mark.parametrize(("day", "accepted"), EDGES)
def test_timeline_reconsideration_held_on(d: Driver, day: str, accepted: bool) -> None:
    a, b = new_case(d)
    d.to_decision([a, b])
    d.decide([a])
    d.on("2026-03-05")
    d.act("approve")
    d.on("2026-03-10")
    _, members = d.body(9)
    body = {"held_on": day, "attendee_ids": members, "votes_for": 9, "reason": "新情况"}
    if accepted:
        d.fact("reconsiderations", body)
        d.act("reconsider", reason="新情况")
    else:
        refused(d, "reconsiderations", body)


def test_timeline_new_pass_after_reconsideration(d: Driver) -> None:
    a, b = new_case(d)
    d.to_decision([a, b])
    d.decide([a])  # 2026-03-02
    d.act("approve")
    d.on("2026-03-10")
    _, members = d.body(9)
    d.fact(
        "reconsiderations",
        {"held_on": "2026-03-10", "attendee_ids": members, "votes_for": 9, "reason": "新情况"},
    )
    d.act("reconsider", reason="新情况")  # decision entered again on 03-10
    assert d.case["stage_entered"]["decision"].startswith("2026-03-10")
    d.on("2026-03-12")
    refused(d, "decision-meetings", meeting_at(d, a, "2026-03-09T09:00:00+08:00"))
    d.fact("decision-meetings", meeting_at(d, a, "2026-03-11T09:00:00+08:00"))
    d.act("approve")  # publicity entered again on 03-12
    body = {"how_to_object": "来信来电", "contact": "12380"}
    refused(d, "publicity-notice", {**body, "start_date": "2026-03-11"})
    d.fact("publicity-notice", {**body, "start_date": "2026-03-12"})


def test_app_form_old_pass_appointment_does_not_count(d: Driver) -> None:
    a, b = new_case(d)
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    d.on("2026-04-07")
    d.fact("appointments", appointment_body(a, "2026-04-07"))
    _, members = d.body(9)
    d.fact(
        "reconsiderations",
        {"held_on": "2026-04-07", "attendee_ids": members, "votes_for": 5, "reason": "新情况"},
    )
    d.act("reconsider", reason="新情况")
    d.decide([a])
    d.act("approve")
    d.publicise("2026-04-08")  # ends 2026-04-14
    d.on("2026-04-15")
    d.refresh()
    # The appointment of the first pass decides nothing now; this pass records its own.
    assert "APP-FORM" in refused_action(d, "appoint", "APP-FORM")
    refused(d, "appointments", appointment_body(a, "2026-04-14"))
    d.fact("appointments", appointment_body(a, "2026-04-15"))
    d.act("appoint")
    assert standing_of(d, a, "appointed_on") == "2026-04-15"


@pytest.mark.parametrize(
    ("start", "accepted"),
    [("2026-03-03", False), ("2026-03-04", False), ("2026-03-05", True), ("2026-05-11", True)],
)
def test_timeline_publicity_starts_no_earlier_than_the_decision(
    d: Driver, start: str, accepted: bool
) -> None:
    a, b = new_case(d)
    d.to_decision([a, b])
    d.on("2026-03-04")
    d.decide([a])  # held on 03-04
    d.on("2026-03-05")
    d.act("approve")  # publicity entered on 03-05
    body = {"start_date": start, "how_to_object": "来信来电", "contact": "12380"}
    if not accepted:
        problem = refused(d, "publicity-notice", body)
        assert start in problem["detail"]
        return
    made = d.fact("publicity-notice", body)
    assert made["data"]["start_date"] == start
    assert d.case["publicity"]["start_date"] == start


def test_timeline_notice_on_the_meeting_day_but_not_the_day_before(d: Driver) -> None:
    a, b = new_case(d)
    d.to_decision([a, b])
    d.on("2026-03-09")
    d.decide([a])
    d.act("approve")  # meeting and approval on 03-09
    body = {"how_to_object": "来信来电", "contact": "12380"}
    refused(d, "publicity-notice", {**body, "start_date": "2026-03-08"})
    d.fact("publicity-notice", {**body, "start_date": "2026-03-09"})
    assert d.case["publicity"]["end_date"] == "2026-03-13"


def test_timeline_scheduled_notice_is_not_public_before_it_starts(
    d: Driver, client: TestClient, clock: FixedClock
) -> None:
    a, _ = approved(d)
    d.on("2026-03-10")
    made = d.fact(
        "publicity-notice",
        {"start_date": "2026-03-12", "how_to_object": "来信", "contact": "12380"},
    )
    objection = {"candidate_id": a, "content": "反映问题", "has_specific_leads": True}
    public_url = f"/api/v1/public/notices/{made['id']}/objections"
    for at in (china("2026-03-10"), china("2026-03-11", 23, 59, 59)):
        clock.set(at)
        assert client.get("/api/v1/public/notices").json() == []
        refused(d, "objections", objection)
        before = state(d, "objections")
        r = client.post(public_url, json={"content": "公开反映"})
        assert r.status_code == 422, r.text
        assert r.json()["rule"] == "CASE-TIMELINE"
        assert state(d, "objections") == before
    clock.set(china("2026-03-12", 0, 0, 0))
    listed = client.get("/api/v1/public/notices").json()
    assert [n["notice_id"] for n in listed] == [made["id"]]
    assert [c["candidate_id"] for c in listed[0]["candidates"]] == [a]
    lodged = d.fact("objections", objection)
    assert lodged["status"] == "open"
    assert client.post(public_url, json={"content": "公开反映"}).status_code == 202


@pytest.mark.parametrize(
    ("concluded_on", "accepted"),
    [("2026-03-11", False), ("2026-03-12", True), ("2026-03-16", True), ("2026-03-17", False)],
)
def test_timeline_finding_between_the_objection_and_today(
    d: Driver, concluded_on: str, accepted: bool
) -> None:
    a, _ = approved(d)
    d.publicise("2026-03-12")
    lodged = d.fact(
        "objections", {"candidate_id": a, "content": "反映", "has_specific_leads": True}
    )
    d.on("2026-03-16")
    body = {
        "objection_id": lodged["id"],
        "finding": "appoint",
        "investigation": "经核实不属实",
        "investigated_by": "组织部",
        "concluded_on": concluded_on,
    }
    if accepted:
        made = d.fact("objection-findings", body)
        assert made["data"]["concluded_on"] == concluded_on
    else:
        refused(d, "objection-findings", body)
        assert d.case["facts"]["objection"][0]["status"] == "open"


# --- PUB-DURATION on the official calendar ---------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-05-08", "2026-05-13"),  # Fri; 9 May is a make-up working Saturday
        ("2026-05-09", "2026-05-14"),  # the make-up Saturday itself counts as day one
        ("2026-05-10", "2026-05-15"),  # a Sunday does not count
        ("2026-04-30", "2026-05-09"),  # across the May Day holiday, ending on the make-up day
        ("2026-09-30", "2026-10-12"),  # across National Day; 10 October is a make-up day
        ("2026-04-03", "2026-04-10"),  # 6 April (Qingming) is a holiday
    ],
)
def test_pub_duration_five_working_days(d: Driver, start: str, end: str) -> None:
    approved(d)
    d.publicise(start, advance=False)
    window = d.case["publicity"]
    assert (window["start_date"], window["end_date"], window["working_days"]) == (start, end, 5)
    # The window closes at the end of its last working day, China time.
    assert datetime.fromisoformat(window["closes_at"]) == china(end, 0) + timedelta(days=1)


def test_pub_duration_and_appointment_at_the_close(d: Driver, clock: FixedClock) -> None:
    a, _ = approved(d)
    d.publicise("2026-04-30")  # ends Saturday 9 May, a make-up working day
    clock.set(china("2026-05-09", 23, 59, 59))
    d.refresh()
    refused(d, "appointments", appointment_body(a, "2026-05-09"))
    refused(d, "appointments", appointment_body(a, "2026-05-10"))  # tomorrow
    refused_action(d, "appoint", "PUB-DURATION")
    clock.set(china("2026-05-10", 0, 0, 0))
    d.refresh()
    refused(d, "appointments", appointment_body(a, "2026-05-09"))
    d.fact("appointments", appointment_body(a, "2026-05-10"))
    d.act("appoint")
    assert d.case["stage"] == "appointed"


# --- APP-FORM and the appointment's dates -------------------------------------------------------


def test_app_date_after_the_corrected_window(d: Driver) -> None:
    a, _ = approved(d)
    first = d.publicise("2026-03-30")  # ends 2026-04-03
    d.on("2026-04-04")
    d.fact("appointments", appointment_body(a, "2026-04-04"))
    r = d.http.post(
        f"{d.url}/publicity-notice",
        json={
            "start_date": "2026-04-01",  # ends 2026-04-08
            "how_to_object": "来信来电",
            "contact": "12380",
            "supersedes": first["id"],
            "correction_reason": "公示日期更正",
        },
        headers=d.headers,
    )
    if r.status_code != 201:
        assert r.status_code in (409, 422), r.text
        return
    d.on("2026-04-09")
    d.refresh()
    # The recorded appointment (04-04) lies inside the window that now ends 04-08.
    assert "CASE-TIMELINE" in refused_action(d, "appoint", "CASE-TIMELINE")
    refused(d, "appointments", appointment_body(a, "2026-04-09"), rule="APP-FORM", status=409)
    d.fact(
        "appointments",
        {
            **appointment_body(a, "2026-04-09"),
            "supersedes": d.case["facts"]["appointment"][0]["id"],
            "correction_reason": "按更正后的公示期重新任职",
        },
    )
    d.act("appoint")
    assert standing_of(d, a, "appointed_on") == "2026-04-09"


@pytest.mark.parametrize(
    ("on", "talk", "accepted"),
    [
        ("2026-04-03", "2026-04-03", False),  # the window's last day
        ("2026-04-04", "2026-04-04", True),
        ("2026-04-06", "2026-04-06", True),  # today
        ("2026-04-07", "2026-04-06", False),  # tomorrow
        ("2026-04-06", "2026-03-01", False),  # talk before the decision (2026-03-02)
        ("2026-04-06", "2026-03-02", True),  # talk on the day of the decision
        ("2026-04-06", "2026-04-07", False),  # talk tomorrow
    ],
)
def test_app_dates(d: Driver, on: str, talk: str, accepted: bool) -> None:
    a, _ = approved(d)
    d.publicise("2026-03-30")  # ends 2026-04-03
    d.on("2026-04-06")
    body = appointment_body(a, on, talk)
    if accepted:
        made = d.fact("appointments", body)
        assert (made["data"]["appointed_on"], made["data"]["talk"]["held_on"]) == (on, talk)
        d.act("appoint")
        assert standing_of(d, a, "appointed_on") == on
    else:
        refused(d, "appointments", body)
        assert "APP-FORM" in refused_action(d, "appoint", "APP-FORM")


def test_app_form_must_match_the_post(d: Driver) -> None:
    a, _ = approved(d, fill_method="hired")
    d.publicise("2026-03-30")
    d.on("2026-04-06")
    for form in ("appointed", "elected"):
        assert (
            refused(d, "appointments", appointment_body(a, "2026-04-06", form=form), None)["rule"]
            == "APP-FORM"
        )
    d.fact("appointments", appointment_body(a, "2026-04-06", form="hired"))
    d.act("appoint")
    position = ok(d.http.get(f"/api/v1/positions/{d.case['position_id']}", headers=d.headers))
    assert [o["candidate_id"] for o in position["occupants"]] == [a]


# --- PROB-TERM: per appointee, from the appointment date ----------------------------------------


def test_prob_term_runs_per_appointee(d: Driver, clock: FixedClock) -> None:
    a, b, _ = approved(d, places=2)
    d.publicise("2026-03-30")
    d.on("2026-04-06")
    d.fact("appointments", appointment_body(a, "2026-04-04"))
    d.fact("appointments", appointment_body(b, "2026-04-06"))
    d.act("appoint")
    d.act("begin_probation")
    ends = (standing_of(d, a, "probation_ends"), standing_of(d, b, "probation_ends"))
    assert ends == ("2027-04-04", "2027-04-06")
    assessment = {"competent": True, "summary": "称职"}
    d.on("2027-04-05")
    refused(
        d, "probation-assessments", {**assessment, "candidate_id": a, "assessed_on": "2027-04-03"}
    )
    refused(
        d, "probation-assessments", {**assessment, "candidate_id": a, "assessed_on": "2027-04-06"}
    )
    d.fact("probation-assessments", {**assessment, "candidate_id": a, "assessed_on": "2027-04-04"})
    again = {**assessment, "candidate_id": a, "assessed_on": "2027-04-05"}
    refused(d, "probation-assessments", again, rule="PROB-OUTCOME", status=409)
    refused(
        d, "probation-assessments", {**assessment, "candidate_id": b, "assessed_on": "2027-04-05"}
    )
    before = state(d)
    problem = d.act("confirm", status=422)
    assert state(d) == before
    assert [(v["rule"], v["subject"]) for v in problem["violations"]] == [
        ("PROB-TERM", b),
        ("PROB-OUTCOME", b),
    ]
    d.on("2027-04-06")
    d.fact("probation-assessments", {**assessment, "candidate_id": b, "assessed_on": "2027-04-06"})
    d.refresh()
    d.act("confirm")
    assert [d.standing(x) for x in (a, b)] == ["confirmed", "confirmed"]


def test_prob_term_policy_may_only_extend(d: Driver, client: TestClient) -> None:
    r = client.post(
        "/api/v1/policies",
        json={"name": "short", "params": {"probation_months": 11}},
        headers=d.headers,
    )
    assert r.status_code == 422, r.text
    assert {v["rule"] for v in r.json()["violations"]} >= {"POL-FLOORS", "PROB-TERM"}
    ok(
        client.post(
            "/api/v1/policies",
            json={"name": "long-probation", "params": {"probation_months": 18}},
            headers=d.headers,
        ),
        201,
    )
    position = d.position(headcount=2)
    a, b = d.candidate(), d.candidate()
    d.create(position["id"], [a, b], policy="long-probation")
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    d.appointment(a, on="2026-04-04")
    d.act("appoint")
    d.act("begin_probation")
    assert standing_of(d, a, "probation_ends") == "2027-10-04"
    d.on("2027-10-03")
    d.refresh()
    assert "PROB-TERM" in refused_action(d, "confirm", "PROB-TERM")


def test_prob_term_elected_post_has_none(d: Driver) -> None:
    a, _ = approved(d, fill_method="elected")
    d.publicise("2026-03-30")
    d.appointment(a, form="elected", on="2026-04-04")
    d.act("appoint")
    assert refused_action(d, "begin_probation", "PROB-TERM") == {"PROB-TERM"}
    assert standing_of(d, a, "probation_ends") is None
