"""Webhook subscriptions (/api/v1/webhooks) and their deliveries by the worker: Standard
Webhooks signatures, retries with exponential backoff up to a cap, the delivery log, manual
redelivery, secret rotation with an overlap, periodic jobs run once across workers."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.db.event_models import Event, WebhookDelivery, WebhookSubscription
from app.db.events_repo import MAX_ATTEMPTS
from app.main import create_app
from app.services.context import FixedClock
from app.services.worker import JOBS, Worker, acquire_tick
from app.settings import Settings
from examples.webhook_receiver import Received, make_server
from tests.api.test_nominations import lodge, new_cadre, new_leader, self_body
from tests.case_driver import Driver, ok
from tests.conftest import Principals
from tests.factories import candidate_body

HOOKS = "/api/v1/webhooks"
RETRY = 30.0  # Settings.webhook_retry_seconds default


class Receiver:
    """A local receiver on 127.0.0.1 whose answers the test scripts (204 unless told)."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.raw: list[tuple[bytes, dict[str, str]]] = []
        self.secret = "whsec_" + "A" * 43  # replaced once the subscription exists
        self.server: ThreadingHTTPServer | None = None
        self.received = Received()

    def answer(self, payload: dict[str, Any]) -> int:
        return self.statuses.pop(0) if self.statuses else 204

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    server, _ = make_server(
        lambda: rec.secret,
        received=rec.received,
        answer=rec.answer,
        seen=lambda body, headers: rec.raw.append((body, headers)),
    )
    rec.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


def subscribe(
    client: TestClient, headers: dict[str, str], url: str, types: list[str], **over: Any
) -> dict[str, Any]:
    body = {"url": url, "event_types": types, **over}
    return ok(client.post(HOOKS, json=body, headers=headers), 201)


@pytest.fixture
def worker(
    client: TestClient,
    settings: Settings,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> Worker:
    return Worker(session_factory, clock, settings, name="test-worker")


def log(client: TestClient, headers: dict[str, str], hook_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(client.get(f"{HOOKS}/{hook_id}/deliveries", headers=headers))[
        "items"
    ]
    return items


def detail(client: TestClient, headers: dict[str, str], hook_id: str, did: str) -> dict[str, Any]:
    return ok(client.get(f"{HOOKS}/{hook_id}/deliveries/{did}", headers=headers))


# --- subscriptions ------------------------------------------------------------------------------


def test_subscription_lifecycle(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    r = client.post(
        HOOKS,
        json={"url": "https://hr.example/hook", "event_types": ["case.created", "fact.recorded"]},
        headers=org,
    )
    assert r.status_code == 201, r.text
    hook = r.json()
    assert r.headers["location"] == f"{HOOKS}/{hook['id']}"
    assert hook["secret"].startswith("whsec_")
    Webhook(hook["secret"])  # a valid Standard Webhooks secret
    assert hook["event_types"] == ["case.created", "fact.recorded"]
    assert hook["active"] is True
    read = ok(client.get(f"{HOOKS}/{hook['id']}", headers=org))
    assert "secret" not in read  # shown only on creation and rotation
    assert [h["id"] for h in ok(client.get(HOOKS, headers=org))["items"]] == [hook["id"]]
    patched = ok(
        client.patch(
            f"{HOOKS}/{hook['id']}", json={"active": False, "event_types": ["*"]}, headers=org
        )
    )
    assert (patched["active"], patched["event_types"]) == (False, ["*"])
    assert client.delete(f"{HOOKS}/{hook['id']}", headers=org).status_code == 204
    assert client.get(f"{HOOKS}/{hook['id']}", headers=org).status_code == 404
    assert ok(client.get(HOOKS, headers=org))["items"] == []
    # The administrator manages subscriptions too.
    subscribe(client, tokens["admin"], "http://127.0.0.1:9/x", ["*"])


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://hr.example/hook", "http or https"),
        ("https://user:pw@hr.example/hook", "credentials"),
        ("https://token@hr.example/hook", "credentials"),
        ("https:///nohost", "host"),
        ("javascript:alert(1)", "http or https"),
        ("https://hr.example:99999/", "valid"),
        ("https://hr.example/#frag", "fragment"),
    ],
)
def test_bad_urls_are_refused(client: TestClient, tokens: Principals, url: str, why: str) -> None:
    org = tokens["org_department"]
    r = client.post(HOOKS, json={"url": url, "event_types": ["*"]}, headers=org)
    assert r.status_code == 422, r.text
    assert why in r.json()["detail"]
    assert ok(client.get(HOOKS, headers=org))["items"] == []


def test_bad_subscriptions_and_roles(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    for body in (
        {"url": "https://hr.example/h", "event_types": []},
        {"url": "https://hr.example/h", "event_types": ["case.nope"]},
        {"url": "https://hr.example/h", "event_types": ["*"], "extra": 1},
        {"url": "", "event_types": ["*"]},
    ):
        assert client.post(HOOKS, json=body, headers=org).status_code == 422, body
    good = {"url": "https://hr.example/h", "event_types": ["*"]}
    for role in ("auditor", "cadre", "committee_secretary", "discipline_inspection"):
        assert client.post(HOOKS, json=good, headers=tokens[role]).status_code == 403, role
        assert client.get(HOOKS, headers=tokens[role]).status_code == 403, role
    assert ok(client.get(HOOKS, headers=org))["items"] == []
    hook = subscribe(client, org, "https://hr.example/h", ["*"])
    r = client.patch(f"{HOOKS}/{hook['id']}", json={"url": "https://u:p@x.example/"}, headers=org)
    assert r.status_code == 422
    assert ok(client.get(f"{HOOKS}/{hook['id']}", headers=org))["url"] == "https://hr.example/h"
    assert client.get(f"{HOOKS}/{uuid.uuid4()}", headers=org).status_code == 404


# --- deliveries ---------------------------------------------------------------------------------


def test_signed_delivery_of_matching_events_only(
    client: TestClient, tokens: Principals, receiver: Receiver, worker: Worker
) -> None:
    org = tokens["org_department"]
    hook = subscribe(client, org, receiver.url, ["candidate.created"])
    receiver.secret = hook["secret"]
    inactive = subscribe(client, org, receiver.url, ["*"], active=False)
    cid = ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)["id"]
    assert worker.run_once() == 1
    assert worker.run_once() == 0  # delivered once
    assert receiver.received.refused == 0
    [payload] = receiver.received.events
    assert payload["type"] == "candidate.created"
    assert payload["data"]["subject_id"] == cid
    assert payload["data"]["subject_href"] == f"/api/v1/candidates/{cid}"
    assert set(payload) == {"type", "timestamp", "data"}
    # Thin: nothing of the cadre's data travels.
    body, headers = receiver.raw[0]
    assert candidate_body()["name"].encode() not in body
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-signature"].count("v1,") == 1
    [d] = log(client, org, hook["id"])
    assert (d["state"], d["attempts"], d["last_status"], d["next_attempt_at"]) == (
        "succeeded",
        1,
        204,
        None,
    )
    assert d["event_id"] == payload["data"]["id"]
    assert [a["status_code"] for a in detail(client, org, hook["id"], d["id"])["attempts_log"]] == [
        204
    ]
    assert log(client, org, inactive["id"]) == []


def test_retry_with_exponential_backoff_then_failed_then_redelivered(
    client: TestClient,
    tokens: Principals,
    receiver: Receiver,
    worker: Worker,
    clock: FixedClock,
) -> None:
    org = tokens["org_department"]
    hook = subscribe(client, org, receiver.url, ["candidate.created"])
    receiver.secret = hook["secret"]
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    receiver.statuses = [500] * MAX_ATTEMPTS
    assert worker.run_once() == 1
    [d] = log(client, org, hook["id"])
    assert (d["state"], d["attempts"], d["last_status"]) == ("pending", 1, 500)
    # Attempt n+1 is due retry * 2**(n-1) after attempt n failed: not a second earlier.
    for n in range(1, MAX_ATTEMPTS):
        wait = RETRY * 2 ** (n - 1)
        clock.set(clock.now() + timedelta(seconds=wait - 1))
        assert worker.run_once() == 0, n
        clock.set(clock.now() + timedelta(seconds=1))
        assert worker.run_once() == 1, n
    [d] = log(client, org, hook["id"])
    assert (d["state"], d["attempts"], d["next_attempt_at"]) == ("failed", MAX_ATTEMPTS, None)
    clock.set(clock.now() + timedelta(days=1))
    assert worker.run_once() == 0  # capped: failed stays failed
    # The same webhook-id on every attempt (receivers deduplicate on it).
    assert len({h["webhook-id"] for _, h in receiver.raw}) == 1
    assert len(receiver.raw) == MAX_ATTEMPTS
    # Manual redelivery: due now, a fresh budget; this time the receiver accepts it.
    r = client.post(f"{HOOKS}/{hook['id']}/deliveries/{d['id']}/redeliver", headers=org)
    assert r.status_code == 202, r.text
    assert (r.json()["state"], r.json()["max_attempts"]) == ("pending", 2 * MAX_ATTEMPTS)
    assert worker.run_once() == 1
    [d] = log(client, org, hook["id"])
    assert (d["state"], d["attempts"], d["last_status"]) == ("succeeded", MAX_ATTEMPTS + 1, 204)
    attempts = detail(client, org, hook["id"], d["id"])["attempts_log"]
    assert [a["status_code"] for a in attempts] == [500] * MAX_ATTEMPTS + [204]
    assert [a["number"] for a in attempts] == list(range(1, MAX_ATTEMPTS + 2))
    assert len(receiver.received.events) == 1
    assert (
        ok(client.get(f"{HOOKS}/{hook['id']}/deliveries", params={"state": "failed"}, headers=org))[
            "items"
        ]
        == []
    )


def test_an_inactive_subscription_waits(
    client: TestClient, tokens: Principals, receiver: Receiver, worker: Worker
) -> None:
    org = tokens["org_department"]
    hook = subscribe(client, org, receiver.url, ["candidate.created"])
    receiver.secret = hook["secret"]
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    ok(client.patch(f"{HOOKS}/{hook['id']}", json={"active": False}, headers=org))
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    assert worker.run_once() == 0  # paused: the one enqueued before waits, none after
    assert [d["state"] for d in log(client, org, hook["id"])] == ["pending"]
    ok(client.patch(f"{HOOKS}/{hook['id']}", json={"active": True}, headers=org))
    assert worker.run_once() == 1
    assert [d["state"] for d in log(client, org, hook["id"])] == ["succeeded"]
    assert len(receiver.received.events) == 1


def test_self_nomination_events_reach_only_subscriptions_that_may_see_them(
    client: TestClient,
    tokens: Principals,
    receiver: Receiver,
    worker: Worker,
    session_factory: sessionmaker[Session],
) -> None:
    org = tokens["org_department"]
    sees = subscribe(client, org, receiver.url, ["*"])
    blind = subscribe(client, org, receiver.url, ["*"])
    assert (sees["sees_confidential"], blind["sees_confidential"]) == (True, True)
    receiver.secret = sees["secret"]  # the other one's deliveries are refused: not checked here
    with session_factory() as session:  # as if made by someone who may not see them
        session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == uuid.UUID(blind["id"]))
            .values(sees_confidential=False)
        )
        session.commit()
    cadre, _ = new_cadre(client, tokens)
    _, leader_id = new_leader(tokens)
    nid = lodge(client, cadre, self_body("unit_party_leader", leader_id))["id"]
    worker.run_once()

    def types(hook: dict[str, Any]) -> list[str]:
        with session_factory() as session:
            return [
                e.type
                for e in session.scalars(
                    select(Event)
                    .join(WebhookDelivery, WebhookDelivery.event_id == Event.id)
                    .where(WebhookDelivery.subscription_id == uuid.UUID(hook["id"]))
                    .order_by(Event.id)
                )
            ]

    assert types(sees) == ["candidate.created", "nomination.lodged"]
    assert types(blind) == ["candidate.created"]
    assert nid in {e["data"]["subject_id"] for e in receiver.received.events}


def test_an_unreachable_receiver_is_a_failed_attempt(
    client: TestClient, tokens: Principals, worker: Worker
) -> None:
    org = tokens["org_department"]
    hook = subscribe(client, org, "http://127.0.0.1:9/nothing-listens", ["candidate.created"])
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    assert worker.run_once() == 1
    [d] = log(client, org, hook["id"])
    assert (d["state"], d["attempts"], d["last_status"]) == ("pending", 1, None)
    assert d["last_error"]


def test_rotation_sends_both_signatures_during_the_overlap(
    client: TestClient, tokens: Principals, receiver: Receiver, worker: Worker, clock: FixedClock
) -> None:
    org = tokens["org_department"]
    hook = subscribe(client, org, receiver.url, ["candidate.created"])
    old = hook["secret"]
    rotated = ok(
        client.post(
            f"{HOOKS}/{hook['id']}/rotate-secret", json={"overlap_seconds": 3600}, headers=org
        )
    )
    new = rotated["secret"]
    assert new != old
    assert new.startswith("whsec_")
    assert rotated["previous_secret_until"] is not None
    receiver.secret = old  # a receiver that has not switched yet still verifies
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    assert worker.run_once() == 1
    body, headers = receiver.raw[-1]
    assert headers["webhook-signature"].count("v1,") == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)
    assert receiver.received.refused == 0
    # One second before the overlap ends the old secret still signs; at its end, no more.
    clock.set(clock.now() + timedelta(seconds=3599))
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    assert worker.run_once() == 1
    assert receiver.received.refused == 0
    clock.set(clock.now() + timedelta(seconds=1))
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    assert worker.run_once() == 1
    body, headers = receiver.raw[-1]
    assert headers["webhook-signature"].count("v1,") == 1
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)
    assert receiver.received.refused == 1  # the receiver still on the old secret refuses it
    for overlap in (-1, 7 * 86400 + 1):
        r = client.post(
            f"{HOOKS}/{hook['id']}/rotate-secret", json={"overlap_seconds": overlap}, headers=org
        )
        assert r.status_code == 422
    assert (
        ok(client.get(f"{HOOKS}/{hook['id']}", headers=org))["updated_at"] == rotated["updated_at"]
    )


# --- the worker ---------------------------------------------------------------------------------


def test_a_periodic_tick_runs_once_across_workers(
    client: TestClient, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    job = JOBS["webhooks.sweep"]
    assert acquire_tick(session_factory, clock, job, "a") is True
    assert acquire_tick(session_factory, clock, job, "b") is False
    assert acquire_tick(session_factory, clock, job, "a") is False
    clock.set(clock.now() + job.every - timedelta(microseconds=1))
    assert acquire_tick(session_factory, clock, job, "b") is False
    clock.set(clock.now() + timedelta(microseconds=1))
    assert acquire_tick(session_factory, clock, job, "b") is True
    assert acquire_tick(session_factory, clock, job, "a") is False


def test_embedded_worker_setting(tmp_path: Any) -> None:
    sqlite = f"sqlite:///{tmp_path / 'x.db'}"
    assert Settings(database_url=sqlite).worker_enabled is True
    assert Settings(database_url=sqlite, environment="test").worker_enabled is False
    assert Settings(database_url="postgresql+psycopg://h/d").worker_enabled is False
    assert (
        Settings(database_url="postgresql+psycopg://h/d", worker_embedded=True).worker_enabled
        is True
    )
    assert Settings(database_url=sqlite, worker_embedded=False).worker_enabled is False


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cadre-worker"]


def test_embedded_worker_runs_in_the_app_lifespan_only_when_enabled(
    client: TestClient,
    settings: Settings,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    assert _worker_threads() == []  # the `client` fixture keeps it off
    enabled = settings.model_copy(update={"worker_embedded": True, "worker_poll_seconds": 30})
    app = create_app(enabled, clock=clock)
    app.state.engine.dispose()
    app.state.session_factory = session_factory
    with TestClient(app):
        assert len(_worker_threads()) == 1
    assert _worker_threads() == []


def test_the_sweep_reports_the_delivery_lag(
    client: TestClient,
    tokens: Principals,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    from app.services import ops_metrics, webhooks

    def lag() -> float:
        return float(ops_metrics.WEBHOOK_DELIVERY_LAG._value.get())

    webhooks.sweep(session_factory, clock)
    assert lag() == 0.0
    org = tokens["org_department"]
    subscribe(client, org, "https://hr.example/hook", ["*"])
    d = Driver(client, org)
    d.candidate()  # an event, and a delivery due now that nobody delivers
    clock.set(clock.now() + timedelta(seconds=90))
    webhooks.sweep(session_factory, clock)
    assert 90.0 <= lag() < 91.0
