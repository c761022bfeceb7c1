"""ACC-TRACE: who is responsible for each step, a cadre's promotions, reviews after misconduct."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.db.models import CaseFact
from tests.api.oversight_cases import appoint, ok_list
from tests.case_driver import Driver, ok
from tests.conftest import START, Principals

REVIEWS = "/api/v1/oversight/reviews"


def promoted(d: Driver) -> tuple[str, str]:
    """One cadre through every step, each naming who is responsible; appointed 2026-04-04.
    Returns (candidate id, case id)."""
    pos = d.position(headcount=1)
    a, b = d.candidate(name="李<b>四</b>"), d.candidate()
    d.create(pos["id"], [a, b], proposed_by="市委组织部部长王五")
    d.act("start_recommendation")
    d.fact(
        "recommendation-rounds",
        {
            "kind": "meeting",
            "held_on": "2026-03-02",
            "participants": 30,
            "organised_by": "干部一科科长赵六",
            "results": [{"candidate_id": a, "votes_for": 20}, {"candidate_id": b, "votes_for": 5}],
        },
    )
    d.targets([a, b])
    d.act("start_inspection")
    d.fact("inspection-notice", d.notice_body())
    team = [
        {"name": "组长甲", "leader": True},
        {"name": "组员乙"},
        {"name": "回避丙", "recused": True},
    ]
    d.fact("inspection-team", {"members": team})
    from tests.case_driver import report

    for c in (a, b):
        d.fact("inspection-reports", report(c, d.today()))
    d.act("start_deliberation")
    d.deliberate([a])
    d.act("submit_for_decision")
    d.decide([a], host="市委书记孙七", recorder="记录员周八")
    d.act("approve")
    d.publicise("2026-03-30", advance=False)
    appoint(d, [a])
    return a, str(d.case["id"])


def _duties(step: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["duty"], p["name"]) for p in step["responsible"]]


def test_promotions_name_who_is_responsible_for_each_step(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    a, case_id = promoted(d)
    found = ok_list(client.get(f"/api/v1/candidates/{a}/promotions", headers=tokens["auditor"]))
    assert [p["case_id"] for p in found] == [case_id]
    p = found[0]
    assert p["appointed_on"] == "2026-04-04"
    assert p["review_window_ends"] == "2031-04-04"
    assert p["flagged_for_review"] is False
    steps = {s["step"]: s for s in p["steps"]}
    assert list(steps) == [
        "motion",
        "recommendation",
        "inspection",
        "deliberation",
        "decision",
        "publicity",
        "appointment",
    ]
    assert _duties(steps["motion"]) == [("proposed_motion", "市委组织部部长王五")]
    assert _duties(steps["recommendation"]) == [
        ("organised_recommendation", "干部一科科长赵六"),
        ("decided_targets", "部务会"),
    ]
    # The recused member is not among those responsible.
    assert _duties(steps["inspection"]) == [
        ("inspection_team_leader", "组长甲"),
        ("inspection_team_member", "组员乙"),
    ]
    assert _duties(steps["decision"]) == [
        ("presided", "市委书记孙七"),
        ("recorded_minutes", "记录员周八"),
        ("signed_minutes", "市委书记孙七"),
        ("signed_minutes", "记录员周八"),
    ]
    assert _duties(steps["appointment"]) == [("appointment_talk", "组织部长")]
    # Every step's entries of the record name their actor.
    assert steps["motion"]["record"][0]["action"] == "case.created"
    assert steps["motion"]["actors"] == [
        {
            "name": "org_department user",
            "role": "org_department",
            "principal_id": str(tokens.ids["org_department"]),
        }
    ]
    actions = [e["action"] for s in p["steps"] for e in s["record"]]
    assert "transition.approve" in [e["action"] for e in steps["decision"]["record"]]
    assert "fact.appointment" in [e["action"] for e in steps["appointment"]["record"]]
    assert "transition.appoint" in [e["action"] for e in steps["publicity"]["record"]]
    record = ok(client.get(f"/api/v1/cases/{case_id}/record", headers=tokens["auditor"]))
    assert sorted(actions) == sorted(e["action"] for e in record["entries"])

    # The other candidate was never appointed: no promotions.
    other = next(c["candidate_id"] for c in d.case["candidates"] if c["candidate_id"] != a)
    assert ok_list(client.get(f"/api/v1/candidates/{other}/promotions", headers=org)) == []
    missing = client.get(f"/api/v1/candidates/{uuid.uuid4()}/promotions", headers=org)
    assert missing.status_code == 404
    assert (
        client.get(f"/api/v1/candidates/{a}/promotions", headers=tokens["cadre"]).status_code == 403
    )


def _sanctions(client: TestClient, org: dict[str, str], cid: str, starts: list[str]) -> None:
    current = client.get(f"/api/v1/candidates/{cid}", headers=org)
    body = {
        "sanctions": [
            {"kind": "admonishment", "start": s, "end": s, "description": "诫勉"} for s in starts
        ]
    }
    r = client.patch(
        f"/api/v1/candidates/{cid}", json=body, headers={**org, "If-Match": current.headers["etag"]}
    )
    assert r.status_code == 200, r.text


def test_a_sanction_within_the_years_after_the_promotion_flags_it(
    client: TestClient, tokens: Principals
) -> None:
    org, discipline = tokens["org_department"], tokens["discipline_inspection"]
    d = Driver(client, org)
    a, case_id = promoted(d)
    assert ok_list(client.get(REVIEWS, headers=discipline)) == []
    # The day before the appointment and the day after the window: no review.
    _sanctions(client, org, a, ["2026-04-03", "2031-04-05"])
    assert ok_list(client.get(REVIEWS, headers=discipline)) == []
    # The last day of the window (appointment + 5 years, CADRE_ACCOUNTABILITY_YEARS): review.
    _sanctions(client, org, a, ["2031-04-04"])
    reviews = ok_list(client.get(REVIEWS, headers=discipline))
    assert [(r["case_id"], r["candidate_id"]) for r in reviews] == [(case_id, a)]
    assert reviews[0]["candidate_name"] == "李<b>四</b>"
    assert reviews[0]["within_years"] == 5
    assert [(f["type"], f["found_on"]) for f in reviews[0]["flags"]] == [("sanction", "2031-04-04")]
    # The record excerpt of each step comes with it.
    assert {s["step"]: len(s["record"]) > 0 for s in reviews[0]["steps"]}["decision"] is True
    promotions = ok_list(client.get(f"/api/v1/candidates/{a}/promotions", headers=org))
    assert promotions[0]["flagged_for_review"] is True
    # The window is the setting CADRE_ACCOUNTABILITY_YEARS: at 1 year, 2031 is out of it.
    settings = client.app.state.settings  # type: ignore[attr-defined]
    settings.accountability_years = 1
    assert ok_list(client.get(REVIEWS, headers=discipline)) == []
    _sanctions(client, org, a, ["2027-04-04"])
    one_year = ok_list(client.get(REVIEWS, headers=discipline))
    assert [(r["within_years"], r["review_window_ends"]) for r in one_year] == [(1, "2027-04-04")]
    # Discipline inspection reviews; the organisation department, whose work is reviewed, not.
    assert client.get(REVIEWS, headers=org).status_code == 403
    assert client.get(REVIEWS, headers=tokens["auditor"]).status_code == 403


def test_misconduct_recorded_after_the_promotion_flags_it_with_when_it_happened(
    client: TestClient, tokens: Principals
) -> None:
    org, discipline = tokens["org_department"], tokens["discipline_inspection"]
    d = Driver(client, org)
    a, case_id = promoted(d)
    d.on("2026-05-10")
    r = client.post(
        f"/api/v1/candidates/{a}/misconduct",
        json={
            "kind": "canvassing",
            "occurred_on": "2026-03-01",
            "description": "推荐前拉票",
            "source": "信访举报",
        },
        headers=discipline,
    )
    assert r.status_code == 201, r.text
    reviews = ok_list(client.get(REVIEWS, headers=discipline))
    assert [x["case_id"] for x in reviews] == [case_id]
    flag = reviews[0]["flags"][0]
    assert flag["type"] == "misconduct"
    assert flag["found_on"] == "2026-05-10"
    assert flag["occurred_on"] == "2026-03-01"
    assert flag["before_promotion"] is True  # 带病提拔
    assert reviews[0]["stage"] == "removed"  # DISC-MISCONDUCT took them out of the post


def test_facts_of_schema_2_still_read_and_unknown_schemas_are_refused(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position(headcount=1)
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.act("start_recommendation")
    round_v2 = {
        "kind": "meeting",
        "held_on": "2026-03-02",
        "participants": 30,
        "results": [{"candidate_id": a, "votes_for": 20, "votes_against": 0, "votes_abstain": 0}],
        "scope_size": 30,
        "position_id": pos["id"],
        "counted": True,
    }
    with session_factory() as s:
        seq = (
            s.scalar(
                select(func.max(CaseFact.seq)).where(CaseFact.case_id == uuid.UUID(d.case["id"]))
            )
            or 0
        ) + 1
        s.add(
            CaseFact(
                case_id=uuid.UUID(d.case["id"]),
                seq=seq,
                kind="recommendation_round",
                stage="recommendation",
                data=round_v2,
                schema_version=2,
                created_at=START,
            )
        )
        s.commit()
    rounds = ok_list(client.get(f"{d.url}/recommendation-rounds", headers=org))
    assert [r["data"]["organised_by"] for r in rounds] == [""]
    assert rounds[0]["data"]["results"][0]["votes_for"] == 20
    # A new round is written under schema 3 and keeps who organised it.
    d.fact(
        "recommendation-rounds",
        {
            **{k: round_v2[k] for k in ("kind", "held_on", "participants")},
            "organised_by": "赵六",
            "results": [{"candidate_id": b, "votes_for": 9}],
        },
    )
    with session_factory() as s:
        versions = sorted(
            s.scalars(
                select(CaseFact.schema_version).where(CaseFact.case_id == uuid.UUID(d.case["id"]))
            )
        )
    assert versions == [2, 3]
    assert [
        r["data"]["organised_by"]
        for r in ok_list(client.get(f"{d.url}/recommendation-rounds", headers=org))
    ] == ["", "赵六"]
    # A schema this service does not know is refused, never guessed.
    with session_factory() as s:
        s.add(
            CaseFact(
                case_id=uuid.UUID(d.case["id"]),
                seq=seq + 5,
                kind="recommendation_round",
                stage="recommendation",
                data=round_v2,
                schema_version=1,
                created_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
            )
        )
        s.commit()
    r = client.get(f"{d.url}/recommendation-rounds", headers=org)
    assert r.status_code == 409
    assert "schema 1" in r.json()["detail"]
