"""The organisation department's work queue: every dated thing waiting for it, soonest first."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from app.domain.enums import Role
from tests.api.oversight_cases import appoint, ok_list, to_publicity
from tests.case_driver import Driver, ok
from tests.conftest import Principals

URL = "/api/v1/work-queue"


def queue(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    return ok_list(client.get(URL, params=params, headers=headers))


def test_publicity_probation_training_and_forwarding_in_one_queue(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    # A self-nomination lodged with a unit party leader on 03-02: forward by 03-05
    # (3 working days, nanyang-self-nomination).
    cid = Driver(client, org).candidate()
    cadre, _ = tokens.make("自荐干部", [Role.CADRE], candidate_id=uuid.UUID(cid))
    leader, leader_id = tokens.make("单位党组书记", [Role.UNIT_PARTY_LEADER])
    nomination = ok(
        client.post(
            "/api/v1/nominations",
            json={
                "kind": "self",
                "channel": "unit_party_leader",
                "leader_id": str(leader_id),
                "post_aimed_at": "副主任",
                "statement": "愿意承担更重的担子",
                "strengths": "基层经历",
            },
            headers=cadre,
        ),
        201,
    )
    deadline = nomination["forward_deadline"]
    assert deadline is not None

    d = Driver(client, org)
    # One appointee short of training hours (QUAL-TRAINING deferred: a deadline a year on).
    cids = to_publicity(d, [{"training_hours_5y": 10}])
    d.on("2026-03-30")
    items = queue(client, org)
    assert [(i["kind"], i["date"]) for i in items] == [
        ("forward_due", deadline),
        ("publicity_closes", "2026-04-03"),
    ]
    assert items[0]["overdue"] is True  # 03-05 passed
    assert items[0]["href"] == f"/api/v1/nominations/{nomination['id']}"
    assert items[1]["overdue"] is False
    assert items[1]["href"] == f"{d.url}"
    assert items[1]["case_id"] == d.case["id"]
    # within_days: today (03-30) + 4 reaches the window's last day 04-03; + 3 does not.
    # Overdue items stay in the queue whatever the window.
    assert [i["kind"] for i in queue(client, org, within_days=4)] == [
        "forward_due",
        "publicity_closes",
    ]
    assert [i["kind"] for i in queue(client, org, within_days=3)] == ["forward_due"]
    assert [i["kind"] for i in queue(client, org, kind="publicity_closes")] == ["publicity_closes"]

    appoint(d, cids)
    d.act("begin_probation")
    items = queue(client, org)
    assert [(i["kind"], i["date"]) for i in items] == [
        ("forward_due", deadline),
        ("probation_ends", "2027-04-04"),
        ("training_due", "2027-04-04"),
    ]
    training = items[2]
    assert training["href"] == f"/api/v1/training-deadlines/{training['training_deadline_id']}"
    assert training["candidate_id"] == cids[0]
    # Forwarded: the nomination leaves the queue.
    r = client.post(f"/api/v1/nominations/{nomination['id']}/forward", headers=leader)
    assert r.status_code in (200, 201), r.text
    assert [i["kind"] for i in queue(client, org)] == ["probation_ends", "training_due"]


def test_bad_filters_and_roles(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    assert queue(client, org) == []
    assert client.get(URL, params={"within_days": -1}, headers=org).status_code == 422
    assert client.get(URL, params={"within_days": "x"}, headers=org).status_code == 422
    assert client.get(URL, params={"kind": "nothing"}, headers=org).status_code == 422
    assert queue(client, org, within_days=0) == []
    # Self-nominations are confidential (NOM-SELF-CONFIDENTIAL): the queue is the department's.
    for role in ("auditor", "discipline_inspection", "cadre", "unit_party_leader"):
        assert client.get(URL, headers=tokens[role]).status_code == 403, role
    assert client.get(URL).status_code == 401


def test_the_daily_digest_warns_of_overdue_work(
    client: TestClient,
    tokens: Principals,
    session_factory: Any,
    caplog: Any,
) -> None:
    from datetime import timedelta

    from app.services.worker import JOBS, digest

    assert JOBS["oversight.digest"].every == timedelta(days=1)
    app: Any = client.app
    clock = app.state.clock
    org = tokens["org_department"]
    d = Driver(client, org)
    to_publicity(d, [{}])
    d.on("2026-04-03")  # the window's last day: due, not yet overdue
    assert digest(session_factory, clock) == {}
    d.on("2026-04-04")
    caplog.set_level("WARNING", logger="cadre.worker")
    assert digest(session_factory, clock) == {"publicity_closes": 1}
    assert "overdue work: 1 publicity_closes" in caplog.text
