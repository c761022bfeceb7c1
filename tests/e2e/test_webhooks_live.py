"""Live: real uvicorn and `cadre worker` processes deliver signed webhooks to a receiver on
127.0.0.1 (examples/webhook_receiver.py, verifying with standardwebhooks): a retry after the
receiver answers 500, no delivery lost when a worker is killed with SIGKILL mid-delivery, no
duplicates with several workers, and the worker embedded in the server (`make run`)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.webhook_receiver import make_server
from tests.conftest import alembic_upgrade, create_pg_database, drop_pg_database
from tests.e2e.server import LiveServer, _console_script, run_server
from tests.factories import candidate_body

pytestmark = pytest.mark.e2e

FAST = {
    "CADRE_WEBHOOK_RETRY_SECONDS": "0.5",
    "CADRE_WEBHOOK_LEASE_SECONDS": "3",
    "CADRE_WORKER_POLL_SECONDS": "0.1",
}


@dataclass
class Script:
    """The receiver's answers: per delivery (webhook-id) the statuses to give, in order; a
    `hang` makes the next request wait until released (a worker stuck mid-delivery)."""

    plan: list[int | str] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    hung: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, payload: dict[str, Any]) -> int:
        self.hits[payload["data"]["id"]] += 1
        step = self.plan.pop(0) if self.plan else 204
        if step == "hang":
            self.hung.set()
            self.release.wait(60)
            return 503  # the worker is gone by then; nothing is accepted
        return int(step)


@dataclass
class Receiver:
    url: str
    script: Script
    events: list[dict[str, Any]]
    refused: Callable[[], int]


@contextmanager
def receiver(secret_box: list[str]) -> Iterator[Receiver]:
    """The example receiver; the secret is known only after subscribing, hence the box."""
    script = Script()
    server, store = make_server(lambda: secret_box[0], answer=script.answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(
            f"http://127.0.0.1:{server.server_address[1]}/hook",
            script,
            store.events,
            lambda: store.refused,
        )
    finally:
        script.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hooks.db'}"
        alembic_upgrade(url)
        yield url
        return
    url = create_pg_database()
    try:
        alembic_upgrade(url)
        yield url
    finally:
        drop_pg_database(url)


def start_worker(live: LiveServer, log: Path) -> subprocess.Popen[bytes]:
    env = {**live.env, **FAST}
    with log.open("ab") as out:
        return subprocess.Popen(
            [_console_script("cadre"), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def deliveries(http: httpx.Client, hook_id: str) -> list[dict[str, Any]]:
    r = http.get(f"/api/v1/webhooks/{hook_id}/deliveries", params={"limit": 200})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def settled(http: httpx.Client, hook_id: str, n: int) -> Callable[[], bool]:
    """The worker has recorded `n` deliveries as succeeded (it records after the answer)."""
    return lambda: [d["state"] for d in deliveries(http, hook_id)] == ["succeeded"] * n


def subscribe(http: httpx.Client, url: str) -> dict[str, Any]:
    r = http.post("/api/v1/webhooks", json={"url": url, "event_types": ["candidate.created"]})
    assert r.status_code == 201, r.text
    hook: dict[str, Any] = r.json()
    return hook


def new_candidate(http: httpx.Client) -> str:
    r = http.post("/api/v1/candidates", json=candidate_body())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_retry_and_a_killed_worker_loses_nothing(database: str, tmp_path: Path) -> None:
    box: list[str] = []
    off = {"CADRE_WORKER_EMBEDDED": "false", **FAST}
    with (
        run_server(database, workdir=tmp_path, extra_env=off) as live,
        receiver(box) as rec,
        live.client(live.token("org_department")) as http,
    ):
        hook = subscribe(http, rec.url)
        box.append(hook["secret"])
        worker_a = start_worker(live, tmp_path / "worker-a.log")
        workers = [worker_a]
        try:
            # 1. The receiver answers 500, then accepts the retry; the signature verifies.
            rec.script.plan = [500]
            first = new_candidate(http)
            wait_for(lambda: len(rec.events) == 1, "the retried delivery")
            wait_for(settled(http, hook["id"], 1), "the delivery log")
            assert rec.events[0]["data"]["subject_id"] == first
            assert rec.refused() == 0
            [d] = deliveries(http, hook["id"])
            assert (d["state"], d["attempts"]) == ("succeeded", 2)
            log = http.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{d['id']}").json()
            assert [a["status_code"] for a in log["attempts_log"]] == [500, 204]

            # 2. Worker A is killed (SIGKILL) while the receiver holds its request.
            rec.script.plan = ["hang"]
            second = new_candidate(http)
            assert rec.script.hung.wait(30), "the worker never sent the delivery"
            os.kill(worker_a.pid, signal.SIGKILL)
            worker_a.wait(10)
            rec.script.release.set()
            # Another worker takes the delivery over once the lease has passed.
            workers.append(start_worker(live, tmp_path / "worker-b.log"))
            wait_for(lambda: len(rec.events) == 2, "the delivery after the kill")
            wait_for(settled(http, hook["id"], 2), "the delivery log")
            assert rec.events[1]["data"]["subject_id"] == second
            done = {x["event_id"]: x for x in deliveries(http, hook["id"])}
            assert all(x["state"] == "succeeded" for x in done.values())
            assert done[rec.events[1]["data"]["id"]]["attempts"] == 2  # the killed one + this

            # 3. Several workers: every delivery exactly once.
            if database.startswith("postgresql"):
                workers.append(start_worker(live, tmp_path / "worker-c.log"))
            ids = [new_candidate(http) for _ in range(8)]
            wait_for(lambda: len(rec.events) == 10, "ten deliveries", timeout=60)
            time.sleep(1.0)  # a duplicate would arrive now
            assert sorted(e["data"]["subject_id"] for e in rec.events[2:]) == sorted(ids)
            accepted = [e["data"]["id"] for e in rec.events]
            assert len(set(accepted)) == len(accepted) == 10
            later = [h for eid, h in rec.script.hits.items() if eid not in accepted[:2]]
            assert later == [1] * 8, rec.script.hits  # no event was sent twice
            assert rec.refused() == 0
        finally:
            for w in workers:
                stop(w)


def test_the_embedded_worker_delivers(tmp_path: Path) -> None:
    """`make run`: SQLite, the worker in the server process (on by default outside tests)."""
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    alembic_upgrade(url)
    box: list[str] = []
    on = {"CADRE_WORKER_EMBEDDED": "true", **FAST}
    with (
        run_server(url, workdir=tmp_path, extra_env=on) as live,
        receiver(box) as rec,
        live.client(live.token("org_department")) as http,
    ):
        hook = subscribe(http, rec.url)
        box.append(hook["secret"])
        rec.script.plan = [500]
        cid = new_candidate(http)
        wait_for(lambda: len(rec.events) == 1, "the embedded worker's delivery")
        wait_for(settled(http, hook["id"], 1), "the delivery log")
        assert rec.events[0]["data"]["subject_id"] == cid
        [d] = deliveries(http, hook["id"])
        assert (d["state"], d["attempts"]) == ("succeeded", 2)
