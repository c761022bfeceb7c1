"""Decision bodies (决策机构) and their dated rosters (DEC-ROSTER) through the HTTP API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.db.bodies_repo import roster_on
from app.db.body_models import DecisionBodyMember
from app.db.models import RecordEntry
from app.domain.bodies import BodyKind, Roster
from app.services import audit
from app.services.context import FixedClock
from tests.conftest import Principals
from tests.factories import candidate_body, position_body

PROBLEM = "application/problem+json"
BODIES = "/api/v1/decision-bodies"
TODAY = date(2026, 3, 2)  # conftest START (01:00 UTC) is 09:00 on this day in China
DAY = timedelta(days=1)


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


def new_body(
    client: TestClient, org: dict[str, str], name: str = "中共某市委员会常务委员会", **over: Any
) -> dict[str, Any]:
    payload = {"name": name, "kind": "standing_committee", "org_unit": "中共某市委员会", **over}
    return ok(client.post(BODIES, json=payload, headers=org), 201)


def join(
    client: TestClient,
    org: dict[str, str],
    body_id: str,
    name: str | None = "李明",
    joined_on: date = TODAY - 100 * DAY,
    **over: Any,
) -> Any:
    payload: dict[str, Any] = {"joined_on": joined_on.isoformat(), "title": "常委", **over}
    if name is not None:
        payload["name"] = name
    return client.post(f"{BODIES}/{body_id}/members", json=payload, headers=org)


def leave(
    client: TestClient, org: dict[str, str], body_id: str, member_id: str, left_on: date
) -> Any:
    return client.post(
        f"{BODIES}/{body_id}/members/{member_id}/leave",
        json={"left_on": left_on.isoformat(), "reason": "调任"},
        headers=org,
    )


def roster_names(
    client: TestClient, headers: dict[str, str], body_id: str, on: date | None = None
) -> list[str]:
    params = {"on": on.isoformat()} if on else {}
    r = ok(client.get(f"{BODIES}/{body_id}/roster", params=params, headers=headers))
    assert r["size"] == len(r["members"])
    return [m["name"] for m in r["members"]]


def body_record(session_factory: sessionmaker[Any], body_id: str) -> list[RecordEntry]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(RecordEntry)
                .where(
                    RecordEntry.subject_type == "decision_body",
                    RecordEntry.subject_id == uuid.UUID(body_id),
                )
                .order_by(RecordEntry.seq)
            )
        )


def member_count(session_factory: sessionmaker[Any], body_id: str) -> int:
    with session_factory() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(DecisionBodyMember)
                .where(DecisionBodyMember.body_id == uuid.UUID(body_id))
            )
            or 0
        )


# --- the body ----------------------------------------------------------------------------------


def test_create_read_with_location_etag_and_record(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Any]
) -> None:
    r = client.post(
        BODIES,
        json={"name": "中共某市委员会常务委员会", "kind": "standing_committee", "org_unit": "市委"},
        headers=org,
    )
    body = ok(r, 201)
    assert r.headers["location"] == f"{BODIES}/{body['id']}"
    assert r.headers["etag"] == body["etag"]
    assert r.headers["cache-control"] == "no-store"
    assert body["kind"] == "standing_committee"
    assert body["members"] == []
    assert body["members_on"] == TODAY.isoformat()

    read = client.get(r.headers["location"], headers=org)
    assert ok(read)["name"] == "中共某市委员会常务委员会"
    assert read.headers["etag"] == body["etag"]

    entries = body_record(session_factory, body["id"])
    assert [e.action for e in entries] == ["decision_body.created"]
    assert entries[0].rules == ["DEC-ROSTER"]
    assert entries[0].payload["kind"] == "standing_committee"


def test_body_validation(client: TestClient, org: dict[str, str]) -> None:
    good = {"name": "市政府党组", "kind": "party_group", "org_unit": "市政府"}
    for bad in (
        {**good, "kind": "politburo"},
        {**good, "name": ""},
        {**good, "name": "市政府\n党组"},
        {**good, "org_unit": "市\x00政府"},
        {**good, "name": "市政府\u202e组党"},
        {**good, "version": 3},
        {k: v for k, v in good.items() if k != "kind"},
    ):
        refused(client.post(BODIES, json=bad, headers=org), 422)
    ok(client.post(BODIES, json=good, headers=org), 201)
    # Same name in the same organisation: 409; in another organisation: fine.
    refused(client.post(BODIES, json=good, headers=org), 409)
    ok(client.post(BODIES, json={**good, "org_unit": "某县政府"}, headers=org), 201)


def test_list_paginates_and_filters_by_kind(client: TestClient, org: dict[str, str]) -> None:
    ids = [new_body(client, org, f"常委会{i}")["id"] for i in range(3)]
    full = new_body(client, org, "中共某市委员会", kind="full_committee")["id"]
    join(client, org, ids[0])

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(BODIES, params=params, headers=org))
        assert len(page["items"]) <= 2
        seen += [b["id"] for b in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # One clock instant for all: the order is by id then; every body exactly once.
    assert sorted(seen) == sorted([*ids, full])

    page = ok(client.get(BODIES, params={"kind": "full_committee"}, headers=org))
    assert [b["id"] for b in page["items"]] == [full]
    page = ok(client.get(BODIES, params={"kind": "standing_committee"}, headers=org))
    assert sorted(b["id"] for b in page["items"]) == sorted(ids)
    members = {b["id"]: [m["name"] for m in b["members"]] for b in page["items"]}
    assert members == {ids[0]: ["李明"], ids[1]: [], ids[2]: []}
    page = ok(client.get(BODIES, params={"org_unit": "nowhere"}, headers=org))
    assert page == {"items": [], "next_cursor": None}
    refused(client.get(BODIES, params={"kind": "politburo"}, headers=org), 422)
    refused(client.get(BODIES, params={"cursor": "not-a-cursor"}, headers=org), 422)
    refused(client.get(BODIES, params={"limit": 201}, headers=org), 422)


# --- members and the roster ----------------------------------------------------------------------


def test_join_read_and_roster_boundary_days(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Any]
) -> None:
    body_id = new_body(client, org)["id"]
    d = TODAY - 30 * DAY
    r = join(client, org, body_id, "李明", d, title="书记")
    member = ok(r, 201)
    assert r.headers["location"] == f"{BODIES}/{body_id}/members/{member['id']}"
    assert member["left_on"] is None
    assert member["joined_on"] == d.isoformat()
    assert ok(client.get(r.headers["location"], headers=org)) == member

    # Joined on D: on the roster on D, not on D-1.
    assert roster_names(client, org, body_id, d) == ["李明"]
    assert roster_names(client, org, body_id, d - DAY) == []

    # Left on L: on the roster on L-1, not on L.
    left = TODAY - 10 * DAY
    out = ok(leave(client, org, body_id, member["id"], left))
    assert out["left_on"] == left.isoformat()
    assert roster_names(client, org, body_id, left - DAY) == ["李明"]
    assert roster_names(client, org, body_id, left) == []
    assert roster_names(client, org, body_id, d) == ["李明"]

    entries = body_record(session_factory, body_id)
    assert [e.action for e in entries] == [
        "decision_body.created",
        "decision_body.member_joined",
        "decision_body.member_left",
    ]
    assert all(e.rules == ["DEC-ROSTER"] for e in entries)
    assert entries[2].payload == {
        "member_id": member["id"],
        "name": "李明",
        "left_on": left.isoformat(),
        "reason": "调任",
    }
    assert audit.verify(entries) is None


def test_roster_defaults_to_today_in_china_time(
    client: TestClient, org: dict[str, str], clock: FixedClock
) -> None:
    body_id = new_body(client, org)["id"]
    m = ok(join(client, org, body_id, "李明", TODAY - 5 * DAY), 201)
    ok(join(client, org, body_id, "王芳", TODAY), 201)
    r = ok(client.get(f"{BODIES}/{body_id}/roster", headers=org))
    assert r["day"] == TODAY.isoformat()
    assert r["kind"] == "standing_committee"
    assert [x["name"] for x in r["members"]] == ["李明", "王芳"]
    assert set(r["members"][0]) == {"id", "name", "candidate_id", "title"}

    # 16:30 UTC on TODAY is already tomorrow in China (UTC+8).
    clock.set(datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    ok(leave(client, org, body_id, m["id"], TODAY + DAY))
    assert roster_names(client, org, body_id) == ["王芳"]
    assert roster_names(client, org, body_id, TODAY) == ["李明", "王芳"]
    body = ok(client.get(f"{BODIES}/{body_id}", headers=org))
    assert body["members_on"] == (TODAY + DAY).isoformat()
    assert [x["name"] for x in body["members"]] == ["王芳"]
    history = ok(client.get(f"{BODIES}/{body_id}/members", headers=org))["items"]
    assert [(x["name"], x["left_on"]) for x in history] == [
        ("李明", (TODAY + DAY).isoformat()),
        ("王芳", None),
    ]


def test_past_membership_with_left_on_and_rejoining(
    client: TestClient, org: dict[str, str]
) -> None:
    body_id = new_body(client, org)["id"]
    first = ok(join(client, org, body_id, "李明", TODAY - 60 * DAY, left_on="2026-01-31"), 201)
    assert first["left_on"] == "2026-01-31"
    # Rejoining on the leaving day is adjacent, not overlapping.
    ok(join(client, org, body_id, "李明", date(2026, 1, 31)), 201)
    assert roster_names(client, org, body_id, date(2026, 1, 30)) == ["李明"]
    assert roster_names(client, org, body_id, date(2026, 1, 31)) == ["李明"]
    r = ok(client.get(f"{BODIES}/{body_id}/roster", params={"on": "2026-01-31"}, headers=org))
    assert r["members"][0]["id"] != first["id"]
    # A past membership cannot leave again.
    refused(leave(client, org, body_id, first["id"], TODAY), 409, "DEC-ROSTER")


def test_overlapping_membership_refused(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Any]
) -> None:
    body_id = new_body(client, org)["id"]
    cid = ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)["id"]
    linked = ok(join(client, org, body_id, None, TODAY - 50 * DAY, candidate_id=cid), 201)
    ok(join(client, org, body_id, "王芳", TODAY - 50 * DAY), 201)
    before = (member_count(session_factory, body_id), len(body_record(session_factory, body_id)))

    # The same cadre again while still serving.
    refused(join(client, org, body_id, None, TODAY - DAY, candidate_id=cid), 422, "DEC-ROSTER")
    # The same name without a registry link, inside and around the span.
    refused(join(client, org, body_id, "王芳", TODAY), 422, "DEC-ROSTER")
    refused(
        join(
            client, org, body_id, "王芳", TODAY - 60 * DAY, left_on=(TODAY - 49 * DAY).isoformat()
        ),
        422,
        "DEC-ROSTER",
    )
    # An unlinked entry with the linked cadre's name is taken to be the same person.
    refused(join(client, org, body_id, linked["name"], TODAY), 422, "DEC-ROSTER")
    assert (
        member_count(session_factory, body_id),
        len(body_record(session_factory, body_id)),
    ) == before

    # Before the span and adjacent to it: fine. Another body: fine.
    ok(
        join(
            client, org, body_id, "王芳", TODAY - 60 * DAY, left_on=(TODAY - 50 * DAY).isoformat()
        ),
        201,
    )
    other = new_body(client, org, "市政府党组", kind="party_group")["id"]
    ok(join(client, org, other, None, TODAY, candidate_id=cid), 201)
    # A registry namesake (another cadre of the same name) is another person.
    namesake = ok(
        client.post("/api/v1/candidates", json=candidate_body(name=linked["name"]), headers=org),
        201,
    )["id"]
    ok(join(client, org, body_id, None, TODAY, candidate_id=namesake), 201)


def test_dates_refused_and_nothing_changes(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Any]
) -> None:
    body = new_body(client, org)
    body_id = body["id"]
    member = ok(join(client, org, body_id, "李明", TODAY - 10 * DAY), 201)
    before = (member_count(session_factory, body_id), len(body_record(session_factory, body_id)))

    refused(join(client, org, body_id, "王芳", TODAY + DAY), 422)  # future
    refused(join(client, org, body_id, "王芳", date(1949, 9, 30)), 422)  # before 1949-10-01
    refused(join(client, org, body_id, "王芳", TODAY - DAY, left_on=(TODAY + DAY).isoformat()), 422)
    refused(join(client, org, body_id, "王芳", TODAY - DAY, left_on=(TODAY - DAY).isoformat()), 422)
    refused(join(client, org, body_id, "王芳", TODAY - DAY, left_on="2026-02-02"), 422)
    refused(leave(client, org, body_id, member["id"], TODAY + DAY), 422)  # future
    refused(leave(client, org, body_id, member["id"], TODAY - 10 * DAY), 422)  # = joined_on
    refused(leave(client, org, body_id, member["id"], TODAY - 11 * DAY), 422)  # before joining
    refused(
        client.post(f"{BODIES}/{body_id}/members/{member['id']}/leave", json={}, headers=org),
        422,
    )
    refused(join(client, org, body_id, "王\x07芳", TODAY), 422)  # control character
    refused(join(client, org, body_id, "王芳", TODAY, title="常\n委"), 422)
    refused(join(client, org, body_id, None, TODAY), 422)  # neither name nor candidate
    refused(join(client, org, body_id, "王芳", TODAY, state="x"), 422)
    refused(join(client, org, body_id, "王芳", TODAY, candidate_id=str(uuid.uuid4())), 422)
    cid = ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)["id"]
    refused(join(client, org, body_id, "别的名字", TODAY, candidate_id=cid), 422)

    assert (
        member_count(session_factory, body_id),
        len(body_record(session_factory, body_id)),
    ) == before
    assert (
        ok(client.get(f"{BODIES}/{body_id}/members/{member['id']}", headers=org))["left_on"] is None
    )
    # Leaving on the current day is allowed (and so is joining on it).
    ok(leave(client, org, body_id, member["id"], TODAY))
    refused(leave(client, org, body_id, member["id"], TODAY), 409, "DEC-ROSTER")
    ok(join(client, org, body_id, "王芳", TODAY), 201)


def test_registry_link_fills_the_name(client: TestClient, org: dict[str, str]) -> None:
    body_id = new_body(client, org)["id"]
    cand = ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    m = ok(join(client, org, body_id, None, TODAY, candidate_id=cand["id"]), 201)
    assert (m["name"], m["candidate_id"]) == (cand["name"], cand["id"])
    same = ok(
        join(
            client,
            org,
            new_body(client, org, "b2")["id"],
            cand["name"],
            TODAY,
            candidate_id=cand["id"],
        ),
        201,
    )
    assert same["name"] == cand["name"]
    r = ok(client.get(f"{BODIES}/{body_id}/roster", headers=org))
    assert r["members"][0]["candidate_id"] == cand["id"]


def test_if_match_is_honoured_and_roster_changes_move_the_etag(
    client: TestClient, org: dict[str, str]
) -> None:
    body = new_body(client, org)
    url = f"{BODIES}/{body['id']}"
    stale = {**org, "If-Match": '"v999"'}
    refused(join(client, stale, body["id"], "李明", TODAY), 412)
    m = ok(join(client, {**org, "If-Match": body["etag"]}, body["id"], "李明", TODAY - DAY), 201)
    after = client.get(url, headers=org)
    assert after.headers["etag"] != body["etag"]
    refused(leave(client, {**org, "If-Match": body["etag"]}, body["id"], m["id"], TODAY), 412)
    ok(leave(client, {**org, "If-Match": after.headers["etag"]}, body["id"], m["id"], TODAY))


def test_unknown_body_and_member_are_404(client: TestClient, org: dict[str, str]) -> None:
    nobody = str(uuid.uuid4())
    refused(client.get(f"{BODIES}/{nobody}", headers=org), 404)
    refused(client.get(f"{BODIES}/{nobody}/roster", headers=org), 404)
    refused(client.get(f"{BODIES}/{nobody}/members", headers=org), 404)
    refused(join(client, org, nobody, "李明", TODAY), 404)
    refused(leave(client, org, nobody, str(uuid.uuid4()), TODAY), 404)

    body_id = new_body(client, org)["id"]
    other = new_body(client, org, "市政府党组")["id"]
    m = ok(join(client, org, other, "李明", TODAY - DAY), 201)
    refused(leave(client, org, body_id, str(uuid.uuid4()), TODAY), 404)
    refused(leave(client, org, body_id, m["id"], TODAY), 404)  # a member of another body
    refused(client.get(f"{BODIES}/{body_id}/members/{m['id']}", headers=org), 404)
    refused(client.get(f"{BODIES}/not-a-uuid", headers=org), 422)
    refused(client.get(f"{BODIES}/{body_id}/roster", params={"on": "03/02/2026"}, headers=org), 422)


@pytest.mark.parametrize("role", ["auditor", "committee_secretary", "discipline_inspection"])
def test_readers_read_but_cannot_write(client: TestClient, tokens: Principals, role: str) -> None:
    org = tokens["org_department"]
    body_id = new_body(client, org)["id"]
    m = ok(join(client, org, body_id, "李明", TODAY - DAY), 201)
    reader = tokens[role]
    ok(client.get(BODIES, headers=reader))
    ok(client.get(f"{BODIES}/{body_id}", headers=reader))
    ok(client.get(f"{BODIES}/{body_id}/roster", headers=reader))
    ok(client.get(f"{BODIES}/{body_id}/members", headers=reader))
    payload = {"name": "x", "kind": "other", "org_unit": "y"}
    assert refused(client.post(BODIES, json=payload, headers=reader), 403)["type"].endswith(
        "/forbidden"
    )
    refused(join(client, reader, body_id, "王芳", TODAY), 403)
    refused(leave(client, reader, body_id, m["id"], TODAY), 403)
    assert roster_names(client, org, body_id) == ["李明"]


def test_cadre_unit_leader_and_admin_see_nothing(client: TestClient, tokens: Principals) -> None:
    body_id = new_body(client, tokens["org_department"])["id"]
    # 三员分立: the system administrator keeps no rosters (personnel data).
    payload = {"name": "某委员会", "kind": "standing_committee", "org_unit": "中共某市委员会"}
    refused(client.post(BODIES, json=payload, headers=tokens["admin"]), 403)
    for role in ("cadre", "unit_party_leader", "admin"):
        refused(client.get(BODIES, headers=tokens[role]), 403)
        refused(client.get(f"{BODIES}/{body_id}/roster", headers=tokens[role]), 403)
    refused(client.get(BODIES), 401)


def test_repository_roster_on_for_the_case_workflow(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Any]
) -> None:
    body_id = new_body(client, org, "中共某县委员会", kind="full_committee")["id"]
    a = ok(join(client, org, body_id, "甲", TODAY - 20 * DAY, title="书记"), 201)
    b = ok(join(client, org, body_id, "乙", TODAY - 10 * DAY), 201)
    ok(leave(client, org, body_id, a["id"], TODAY - 5 * DAY))
    with session_factory() as s:
        r = roster_on(s, uuid.UUID(body_id), TODAY - 5 * DAY - DAY)
        assert isinstance(r, Roster)
        assert r.kind is BodyKind.FULL_COMMITTEE
        assert r.day == TODAY - 6 * DAY
        assert [str(x.id) for x in r.members] == [a["id"], b["id"]]
        assert r.members[0].title == "书记"
        assert r.members[0].candidate_id is None
        assert r.size == 2
        assert roster_on(s, uuid.UUID(body_id), TODAY - 5 * DAY).ids == {uuid.UUID(b["id"])}  # type: ignore[union-attr]
        empty = roster_on(s, uuid.UUID(body_id), TODAY - 21 * DAY)
        assert empty is not None
        assert empty.members == ()
        assert roster_on(s, uuid.uuid4(), TODAY) is None


# --- positions decided by the full committee -----------------------------------------------------


def test_position_full_committee_flag_round_trip(client: TestClient, org: dict[str, str]) -> None:
    plain = ok(client.post("/api/v1/positions", json=position_body(), headers=org), 201)
    assert plain["decided_by_full_committee"] is False
    body = position_body(title="县委书记", rank_level="county_principal", is_party_post=True)
    r = client.post(
        "/api/v1/positions", json={**body, "decided_by_full_committee": True}, headers=org
    )
    pos = ok(r, 201)
    assert pos["decided_by_full_committee"] is True
    url = f"/api/v1/positions/{pos['id']}"
    assert ok(client.get(url, headers=org))["decided_by_full_committee"] is True
    patched = client.patch(
        url, json={"decided_by_full_committee": False}, headers={**org, "If-Match": pos["etag"]}
    )
    assert ok(patched)["decided_by_full_committee"] is False
    assert ok(client.get(url, headers=org))["decided_by_full_committee"] is False
    refused(
        client.patch(
            url,
            json={"decided_by_full_committee": None},
            headers={**org, "If-Match": patched.json()["etag"]},
        ),
        422,
    )
    refused(
        client.post(
            "/api/v1/positions",
            json={**position_body(), "decided_by_full_committee": "maybe"},
            headers=org,
        ),
        422,
    )
