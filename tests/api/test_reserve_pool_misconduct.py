"""The reserve pool (后备干部库) and misconduct on the cadre's file (DISC-MISCONDUCT)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db.models import CaseCandidate, RecordEntry, ReservePoolEntry, SelectionCase
from app.domain.enums import MisconductKind
from tests.conftest import Principals
from tests.factories import candidate_body, position_body

PROBLEM = "application/problem+json"
POOL = "/api/v1/reserve-pool"
CATEGORY = "担当干部储备库（经济领域）"


def ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    body: dict[str, Any] = r.json()
    return body


def refused(r: Any, status: int, rule: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def new_candidate(client: TestClient, org: dict[str, str], **over: Any) -> str:
    r = client.post("/api/v1/candidates", json=candidate_body(**over), headers=org)
    return str(ok(r, 201)["id"])


def new_case(client: TestClient, org: dict[str, str], candidate_ids: list[str]) -> str:
    position = ok(client.post("/api/v1/positions", json=position_body(), headers=org), 201)
    body = {
        "title": "选拔副主任",
        "position_id": position["id"],
        "places": 1,
        "method": "organisational",
        "motion": {
            "proposer_kind": "org_department",
            "proposed_by": "市委组织部",
            "recommendation_scope": 30,
        },
        "candidate_ids": candidate_ids,
    }
    return str(ok(client.post("/api/v1/cases", json=body, headers=org), 201)["id"])


def enrol(
    client: TestClient, org: dict[str, str], cid: str, category: str = CATEGORY
) -> dict[str, Any]:
    body = {"candidate_id": cid, "category": category, "reason": "年度考核优秀，敢于担当"}
    return ok(client.post(POOL, json=body, headers=org), 201)


def pool_ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    page = ok(client.get(POOL, params={"limit": 200, **params}, headers=headers))
    return [m["candidate_id"] for m in page["items"]]


def misconduct_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "office_seeking",
        "occurred_on": "2026-02-20",
        "description": "四处托人打招呼，要求提拔",
        "source": "市纪委监委转来的问题线索",
    }
    body.update(over)
    return body


def candidate_actions(session_factory: sessionmaker[Any], cid: str) -> list[str]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(RecordEntry.action)
                .where(
                    RecordEntry.subject_type == "candidate",
                    RecordEntry.subject_id == uuid.UUID(cid),
                )
                .order_by(RecordEntry.seq)
            )
        )


# --- reserve pool ----------------------------------------------------------------------------


def test_reserve_pool_add_list_remove(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org, name="王储备")
    member = enrol(client, org, cid)
    assert member["candidate_id"] == cid
    assert member["candidate_name"] == "王储备"
    assert member["category"] == CATEGORY
    assert member["reason"] == "年度考核优秀，敢于担当"
    assert member["added_at"]
    assert member["removed_at"] is None
    refused(client.post(POOL, json={"candidate_id": cid, "category": "其他"}, headers=org), 409)

    other = new_candidate(client, org)
    enrol(client, org, other, "担当干部储备库（城建领域）")
    assert cid in pool_ids(client, org)
    assert pool_ids(client, org, category=CATEGORY).count(cid) == 1
    assert other not in pool_ids(client, org, category=CATEGORY)
    assert ok(client.get(f"/api/v1/candidates/{cid}", headers=org))["reserve_pool"]["category"] == (
        CATEGORY
    )

    removed = ok(client.post(f"{POOL}/{cid}/remove", json={"reason": "调整类别"}, headers=org))
    assert removed["removed_at"] is not None
    assert removed["removed_reason"] == "调整类别"
    assert removed["removed_rule"] is None
    assert cid not in pool_ids(client, org)
    assert ok(client.get(f"/api/v1/candidates/{cid}", headers=org))["reserve_pool"] is None
    refused(client.post(f"{POOL}/{cid}/remove", json={"reason": "again"}, headers=org), 409)
    refused(client.post(f"{POOL}/{uuid.uuid4()}/remove", json={"reason": "x"}, headers=org), 404)

    # Re-enrolment opens a new membership; the old one stays closed (history is kept).
    enrol(client, org, cid, "担当干部储备库（农业领域）")
    with session_factory() as s:
        rows = s.scalars(
            select(ReservePoolEntry).where(ReservePoolEntry.candidate_id == uuid.UUID(cid))
        ).all()
    assert sorted(r.removed_at is None for r in rows) == [False, True]
    assert candidate_actions(session_factory, cid) == [
        "candidate.created",
        "reserve_pool.added",
        "reserve_pool.removed",
        "reserve_pool.added",
    ]


def test_reserve_pool_validation_and_roles(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    for bad in (
        {"candidate_id": cid, "category": ""},
        {"candidate_id": cid, "category": "x" * 101},
        {"candidate_id": cid, "category": "a\u0000b"},
        {"candidate_id": cid},
        {"candidate_id": cid, "category": CATEGORY, "extra": 1},
    ):
        refused(client.post(POOL, json=bad, headers=org), 422)
    refused(
        client.post(POOL, json={"candidate_id": str(uuid.uuid4()), "category": "c"}, headers=org),
        422,
    )
    enrol(client, org, cid)
    refused(client.post(f"{POOL}/{cid}/remove", json={"reason": ""}, headers=org), 422)
    for role in ("committee_secretary", "discipline_inspection", "auditor", "cadre"):
        body = {"candidate_id": cid, "category": CATEGORY}
        refused(client.post(POOL, json=body, headers=tokens[role]), 403)
        refused(
            client.post(f"{POOL}/{cid}/remove", json={"reason": "x"}, headers=tokens[role]), 403
        )
    for role in ("committee_secretary", "discipline_inspection", "auditor"):
        assert cid in pool_ids(client, tokens[role])
    # 三员分立: the system administrator reads and changes no personnel data.
    refused(client.get(POOL, headers=tokens["admin"]), 403)
    admin_adds = {"candidate_id": cid, "category": CATEGORY}
    refused(client.post(POOL, json=admin_adds, headers=tokens["admin"]), 403)
    refused(client.get(POOL, headers=tokens["cadre"]), 403)
    refused(client.get(POOL, headers=tokens["unit_party_leader"]), 403)
    refused(client.get(POOL), 401)


def test_reserve_pool_paginates(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    made = [new_candidate(client, org) for _ in range(5)]
    for cid in made:
        enrol(client, org, cid, "分页类别")
    # A cadre enrolled at registration is a member too.
    at_registration = new_candidate(
        client, org, reserve_pool={"category": "分页类别", "reason": "登记时列入"}
    )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "category": "分页类别"}
        if cursor:
            params["cursor"] = cursor
        page = ok(client.get(POOL, params=params, headers=org))
        seen += [m["candidate_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([*made, at_registration])
    refused(client.get(POOL, params={"cursor": "zz"}, headers=org), 422)
    refused(client.get(POOL, params={"limit": 0}, headers=org), 422)


# --- misconduct (DISC-MISCONDUCT) --------------------------------------------------------------


def test_misconduct_disqualifies_in_open_cases_and_removes_from_the_pool(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org, discipline = tokens["org_department"], tokens["discipline_inspection"]
    cid = new_candidate(client, org)
    bystander = new_candidate(client, org)
    enrol(client, org, cid)
    running = new_case(client, org, [cid, bystander])
    also_running = new_case(client, org, [cid])
    closed = new_case(client, org, [cid])
    with session_factory() as s:
        s.get_one(SelectionCase, uuid.UUID(closed)).stage = "withdrawn"
        s.commit()

    r = client.post(
        f"/api/v1/candidates/{cid}/misconduct", json=misconduct_body(), headers=discipline
    )
    recorded = ok(r, 201)
    assert recorded["candidate_id"] == cid
    assert recorded["kind"] == "office_seeking"
    assert recorded["occurred_on"] == "2026-02-20"
    assert sorted(recorded["affected_case_ids"]) == sorted([running, also_running])
    assert recorded["pool_entry_closed"] is True

    with session_factory() as s:
        standings = {
            (str(m.case_id), str(m.candidate_id)): m
            for m in s.scalars(
                select(CaseCandidate).where(
                    CaseCandidate.case_id.in_(
                        [uuid.UUID(running), uuid.UUID(also_running), uuid.UUID(closed)]
                    )
                )
            )
        }
        for case_id in (running, also_running):
            member = standings[(case_id, cid)]
            assert member.standing == "disqualified"
            assert member.out_rule == "DISC-MISCONDUCT"
        assert standings[(closed, cid)].standing == "pool"  # a closed case is history
        assert standings[(running, bystander)].standing == "pool"
        entry = s.scalars(
            select(ReservePoolEntry).where(ReservePoolEntry.candidate_id == uuid.UUID(cid))
        ).one()
        assert entry.removed_at is not None
        assert entry.removed_rule == "DISC-MISCONDUCT"
        case_entries = s.scalars(
            select(RecordEntry).where(
                RecordEntry.subject_type == "case",
                RecordEntry.subject_id == uuid.UUID(running),
                RecordEntry.action == "candidate.disqualified",
            )
        ).all()
        assert [e.rules for e in case_entries] == [["DISC-MISCONDUCT"]]
        assert case_entries[0].actor_role == "discipline_inspection"

    assert cid not in pool_ids(client, org)
    cadre = ok(client.get(f"/api/v1/candidates/{cid}", headers=org))
    assert cadre["reserve_pool"] is None
    assert [m["kind"] for m in cadre["misconduct"]] == ["office_seeking"]
    assert candidate_actions(session_factory, cid) == [
        "candidate.created",
        "reserve_pool.added",
        "misconduct.recorded",
        "reserve_pool.removed",
    ]

    # A second record: nothing left to take away, but it is kept all the same.
    again = ok(
        client.post(
            f"/api/v1/candidates/{cid}/misconduct",
            json=misconduct_body(kind="canvassing", occurred_on="2026-03-02"),
            headers=org,
        ),
        201,
    )
    assert again["affected_case_ids"] == []
    assert again["pool_entry_closed"] is False
    listed = ok(client.get(f"/api/v1/candidates/{cid}/misconduct", headers=tokens["auditor"]))
    assert sorted(m["kind"] for m in listed["items"]) == ["canvassing", "office_seeking"]


@pytest.mark.parametrize("kind", [k.value for k in MisconductKind])
def test_every_misconduct_kind_is_recorded(
    client: TestClient, tokens: Principals, kind: str
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    r = client.post(
        f"/api/v1/candidates/{cid}/misconduct", json=misconduct_body(kind=kind), headers=org
    )
    assert ok(r, 201)["kind"] == kind


def test_misconduct_validation_roles_and_append_only(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    url = f"/api/v1/candidates/{cid}/misconduct"
    # 2026-03-02 09:00 in China: today is fine, tomorrow is in the future.
    ok(client.post(url, json=misconduct_body(occurred_on="2026-03-02"), headers=org), 201)
    refused(client.post(url, json=misconduct_body(occurred_on="2026-03-03"), headers=org), 422)
    for bad in (
        {"kind": "gossip"},
        {"description": ""},
        {"source": ""},
        {"source": "x" * 201},
        {"description": "a\u0000b"},
        {"occurred_on": "yesterday"},
        {"extra": True},
    ):
        refused(client.post(url, json=misconduct_body(**bad), headers=org), 422)
    refused(
        client.post(
            f"/api/v1/candidates/{uuid.uuid4()}/misconduct", json=misconduct_body(), headers=org
        ),
        404,
    )
    refused(client.get(f"/api/v1/candidates/{uuid.uuid4()}/misconduct", headers=org), 404)
    for role in ("discipline_inspection", "org_department"):
        ok(client.post(url, json=misconduct_body(), headers=tokens[role]), 201)
    for role in ("committee_secretary", "auditor", "unit_party_leader", "cadre", "admin"):
        refused(client.post(url, json=misconduct_body(), headers=tokens[role]), 403)
    for role in ("org_department", "committee_secretary", "discipline_inspection", "auditor"):
        assert len(ok(client.get(url, headers=tokens[role]))["items"]) == 3
    for role in ("unit_party_leader", "cadre"):
        refused(client.get(url, headers=tokens[role]), 403)
    # Append-only: there is no route to change or delete a record.
    record_id = ok(client.get(url, headers=org))["items"][0]["id"]
    refused(client.patch(f"{url}/{record_id}", json={"description": "x"}, headers=org), 404)
    refused(client.delete(f"{url}/{record_id}", headers=org), 404)
    refused(client.delete(url, headers=org), 405)
    refused(client.put(url, json=misconduct_body(), headers=org), 405)


def test_misconduct_list_paginates(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    url = f"/api/v1/candidates/{cid}/misconduct"
    made = [ok(client.post(url, json=misconduct_body(), headers=org), 201)["id"] for _ in range(3)]
    first = ok(client.get(url, params={"limit": 2}, headers=org))
    assert len(first["items"]) == 2
    rest = ok(client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=org))
    assert rest["next_cursor"] is None
    assert sorted(m["id"] for m in first["items"] + rest["items"]) == sorted(made)
