"""The change feed (GET /api/v1/events): every change, in commit order, written with the change,
replayable from the start, opaque validated cursors, confidentiality of self-nominations."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.db.event_models import Event
from app.db.models import RecordEntry
from app.domain.enums import Role
from app.services import audit, outbox
from app.services.context import Actor
from tests.api.test_nominations import lodge, new_cadre, new_leader, self_body
from tests.case_driver import Driver, ok
from tests.conftest import Principals
from tests.factories import candidate_body

EVENTS = "/api/v1/events"


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


def tail(client: TestClient, headers: dict[str, str]) -> str:
    """The cursor at the current end of the feed."""
    page = ok(client.get(EVENTS, params={"limit": 200}, headers=headers))
    while page["has_more"]:
        page = ok(
            client.get(EVENTS, params={"limit": 200, "after": page["next_cursor"]}, headers=headers)
        )
    return str(page["next_cursor"])


def since(
    client: TestClient, headers: dict[str, str], after: str, **params: Any
) -> list[dict[str, Any]]:
    """Every event after `after`, page by page."""
    found: list[dict[str, Any]] = []
    cursor = after
    while True:
        page = ok(client.get(EVENTS, params={"after": cursor, **params}, headers=headers))
        found += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return found


def test_every_kind_of_change_is_in_the_feed_in_order(
    client: TestClient, d: Driver, org: dict[str, str]
) -> None:
    start = tail(client, org)
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    policy = ok(
        client.post(
            "/api/v1/policies",
            json={"name": f"local-{uuid.uuid4().hex[:6]}", "title": "地方规定", "params": {}},
            headers=org,
        ),
        201,
    )
    d.create(pos["id"], [a, b], scope=30)
    d.act("start_recommendation")
    r1 = d.fact(
        "recommendation-rounds",
        {
            "kind": "meeting",
            "held_on": "2026-03-02",
            "participants": 30,
            "results": [{"candidate_id": c, "votes_for": 12} for c in (a, b)],
        },
    )
    d.set_now(d.now() + timedelta(minutes=1))
    d.fact(
        "recommendation-rounds",
        {
            "kind": "meeting",
            "held_on": "2026-03-02",
            "participants": 29,
            "results": [{"candidate_id": c, "votes_for": 12} for c in (a, b)],
            "supersedes": r1["id"],
            "correction_reason": "参加人数统计有误",
        },
    )
    ok(
        client.patch(
            f"/api/v1/candidates/{a}",
            json={"current_title": "副处长"},
            headers={
                **org,
                "If-Match": ok(client.get(f"/api/v1/candidates/{a}", headers=org))["etag"],
            },
        )
    )
    events = since(client, org, start)
    types = [e["type"] for e in events]
    assert types == [
        "position.created",
        "candidate.created",
        "candidate.created",
        "policy.created",
        "case.created",
        "case.candidate_changed",  # the two candidates in its pool
        "case.candidate_changed",
        "case.transitioned",
        "fact.recorded",
        "fact.superseded",
        "candidate.updated",
    ]
    # Strictly increasing positions; each event's cursor resumes right after it.
    positions = [int(e["id"].removeprefix("evt_")) for e in events]
    assert positions == sorted(set(positions))
    assert since(client, org, events[4]["cursor"]) == events[5:]
    case_created = events[4]
    assert case_created["subject_type"] == "case"
    assert case_created["subject_href"] == f"/api/v1/cases/{d.case['id']}"
    assert case_created["case_id"] == d.case["id"]
    assert events[8]["action"] == "fact.recommendation_round"
    assert events[7]["action"] == "transition.start_recommendation"
    assert events[3]["subject_href"] == f"/api/v1/policies/{policy['id']}"
    # Thin: no field carries the data of the change (names, titles, votes).
    assert set(case_created) == {
        "id",
        "type",
        "action",
        "occurred_at",
        "subject_type",
        "subject_id",
        "subject_href",
        "case_id",
        "case_href",
        "nomination_id",
        "cursor",
    }
    # Filters: by case, by type (repeatable: any of them).
    by_case = since(client, org, start, case_id=d.case["id"])
    assert [e["type"] for e in by_case] == types[4:10]
    by_type = since(client, org, start, type=["case.created", "fact.superseded"])
    assert [e["type"] for e in by_type] == ["case.created", "fact.superseded"]


def test_replay_from_the_start_and_paging(client: TestClient, org: dict[str, str]) -> None:
    start = tail(client, org)
    for _ in range(3):
        ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    # Pages of one: exactly three, the last says there is no more and still gives a cursor.
    cursor, seen = start, []
    for i in range(3):
        page = ok(client.get(EVENTS, params={"after": cursor, "limit": 1}, headers=org))
        assert len(page["items"]) == 1
        assert page["has_more"] is (i < 2)
        seen.append(page["items"][0]["id"])
        cursor = page["next_cursor"]
    empty = ok(client.get(EVENTS, params={"after": cursor}, headers=org))
    assert empty == {"items": [], "next_cursor": cursor, "has_more": False}
    # From the start (no cursor) the same events are there, in the same order.
    everything = since(client, org, outbox.encode_cursor(0))
    assert [e["id"] for e in everything][-3:] == seen
    first = ok(client.get(EVENTS, params={"limit": 1}, headers=org))["items"]
    assert first == everything[:1]


def test_cursor_is_validated(client: TestClient, org: dict[str, str]) -> None:
    good = outbox.encode_cursor(5)
    raw = base64.urlsafe_b64decode(good + "=" * (-len(good) % 4)).decode()
    forged = base64.urlsafe_b64encode(raw.replace("ev1|5|", "ev1|4|").encode()).decode()
    for bad in ["x", "", good[:-2], forged.rstrip("="), "ZXYxfC0xfDA", "%%%"]:
        r = client.get(EVENTS, params={"after": bad}, headers=org)
        if bad == "":
            assert r.status_code == 200  # an empty value is no cursor: from the start
            continue
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get(EVENTS, params={"after": good}, headers=org).status_code == 200
    # Made with the check but beyond a BIGINT: refused, never a database error.
    assert (
        client.get(EVENTS, params={"after": outbox.encode_cursor(2**63)}, headers=org).status_code
        == 422
    )
    last = ok(client.get(EVENTS, params={"after": outbox.encode_cursor(2**63 - 1)}, headers=org))
    assert last["items"] == []
    for params in ({"limit": 0}, {"limit": 201}, {"type": "no.such_type"}, {"case_id": "x"}):
        assert client.get(EVENTS, params=params, headers=org).status_code == 422, params
    assert client.get(EVENTS, params={"limit": 200}, headers=org).status_code == 200


def test_who_may_read_the_feed(client: TestClient, tokens: Principals) -> None:
    assert client.get(EVENTS).status_code == 401
    for role in ("cadre", "unit_party_leader"):
        r = client.get(EVENTS, headers=tokens[role])
        assert r.status_code == 403, role
    for role in ("org_department", "auditor", "committee_secretary", "discipline_inspection"):
        assert client.get(EVENTS, headers=tokens[role]).status_code == 200, role


def test_confidential_self_nomination_events(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    start = tail(client, org)
    cadre, cid = new_cadre(client, tokens)
    _, leader_id = new_leader(tokens)
    nomination = lodge(client, cadre, self_body("unit_party_leader", leader_id))
    nid = nomination["id"]
    for role in ("org_department",):
        mine = [e for e in since(client, tokens[role], start) if e["nomination_id"] == nid]
        assert [e["type"] for e in mine] == ["nomination.lodged"], role
        assert mine[0]["subject_href"] == f"/api/v1/nominations/{nid}"
    # Case readers who may not see self-nominations: not even its existence.
    for role in ("auditor", "committee_secretary", "discipline_inspection"):
        events = since(client, tokens[role], start)
        assert all(e["nomination_id"] != nid and e["subject_id"] != nid for e in events), role
        # ... while the candidate created in the same test is there for them.
        assert any(e["subject_id"] == cid for e in events), role


def test_rolled_back_changes_leave_no_event(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    start = tail(client, org)
    # A refused request changes nothing, and no event appears.
    bad = candidate_body(birth_date="2090-01-01")
    assert client.post("/api/v1/candidates", json=bad, headers=org).status_code == 422
    assert since(client, org, start) == []
    # A record entry written and then rolled back: no event.
    actor = Actor(principal_id=None, name="t", org_unit="", roles=frozenset({Role.ADMIN}))
    with session_factory() as session:
        audit.append(
            session,
            subject_type="policy",
            subject_id=uuid.uuid4(),
            action="policy.created",
            actor=actor,
            role="admin",
            at=datetime(2026, 3, 2, tzinfo=UTC),
        )
        session.flush()
        session.rollback()
        session.commit()
    assert since(client, org, start) == []


def test_events_are_append_only(
    client: TestClient, org: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    with session_factory() as session:
        last = session.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        entry = session.get(RecordEntry, last.record_entry_id)
        assert entry is not None
        assert entry.action == "candidate.created"
        for statement in ("UPDATE events SET type = 'x'", "DELETE FROM events"):
            with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
                session.execute(text(statement))


def test_postgres_event_inserts_are_serialized(engine: Engine) -> None:
    """Ids become visible in order: a writer holds the feed's advisory lock from its event
    insert to its commit, so a second writer's event (a higher id) waits for the first."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: commit order is id order already")
    actor = Actor(principal_id=None, name="t", org_unit="", roles=frozenset({Role.ADMIN}))
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    def stage_one(session: Session) -> None:
        audit.append(
            session,
            subject_type="policy",
            subject_id=uuid.uuid4(),
            action="policy.created",
            actor=actor,
            role="admin",
            at=datetime(2026, 3, 2, tzinfo=UTC),
        )

    first = factory()
    second = factory()
    done = threading.Event()
    second_id: list[int] = []
    try:
        stage_one(first)
        # Run the commit-time hook without committing: it inserts under the lock.
        outbox._write_events(first)
        first_id = first.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
        assert first_id is not None

        def other() -> None:
            stage_one(second)
            outbox._write_events(second)  # waits for `first` to end
            found = second.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
            second_id.append(int(found or 0))
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)
        assert not done.is_set(), "the second writer did not wait for the first"
        with engine.connect() as probe:
            locked = probe.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": outbox.LOCK_KEY}
            )
            probe.rollback()
        assert locked is False
        first.rollback()  # nothing kept; the second writer goes on
        thread.join(10)
        assert done.is_set()
        assert second_id[0] > first_id
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()
