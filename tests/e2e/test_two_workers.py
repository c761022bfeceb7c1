"""Production shape: `uvicorn --workers 2` on a fresh PostgreSQL database, rate limits in Redis.

Every request opens a new connection (`Connection: close`), so the kernel hands requests to both
worker processes; the JSON access log (one line per request, with the worker's pid and the
request id we sent) tells which process served what. The test clock is per process: a clock
change is repeated until both workers have applied it.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.case_driver import Driver, ok
from tests.conftest import alembic_upgrade, create_pg_database, drop_pg_database
from tests.e2e.server import (
    ROOT,
    ServerError,
    _wait_ready,
    create_token,
    free_port,
    server_env,
    stop,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own; its objection keys are cleared
WORKERS = 2


@dataclass
class Workers:
    base_url: str
    admin: str
    env: dict[str, str]
    log_path: Path
    served: dict[str, int] = field(default_factory=dict)  # request id -> worker pid

    def log_lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                doc = json.loads(line)
                if doc.get("logger") == "cadre.access":
                    found.append(doc)
        return found

    def pids(self, request_ids: set[str]) -> set[int]:
        """The worker pids that served these requests (waits briefly for their log lines)."""
        deadline = time.monotonic() + 5
        while True:
            by_id = {d["request_id"]: d["pid"] for d in self.log_lines()}
            if request_ids <= by_id.keys() or time.monotonic() > deadline:
                return {by_id[r] for r in request_ids if r in by_id}
            time.sleep(0.05)


class SpreadClient:
    """httpx-like: a new connection per request, each with its own X-Request-ID. A PUT of the
    test clock is repeated until every worker has served one."""

    counter = itertools.count()

    def __init__(self, workers: Workers, headers: dict[str, str], tag: str) -> None:
        self.workers = workers
        self.headers = headers
        self.tag = tag
        self.sent: set[str] = set()

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        rid = f"{self.tag}-{next(self.counter)}"
        self.sent.add(rid)
        headers = {**self.headers, **(kw.pop("headers", None) or {})}
        headers.update({"Connection": "close", "X-Request-ID": rid})
        with httpx.Client(base_url=self.workers.base_url, timeout=30) as http:
            r = http.request(method, url, headers=headers, **kw)
        if method == "PUT" and url.endswith("/_test/clock") and r.status_code == 200:
            self._reach_every_worker(url, headers, kw)
        return r

    def _reach_every_worker(self, url: str, headers: dict[str, str], kw: dict[str, Any]) -> None:
        """Repeat the (idempotent) clock change until every worker has served it. Sent in
        concurrent batches: one at a time, a lightly loaded box may let one worker accept them
        all."""
        ids: set[str] = {headers["X-Request-ID"]}

        def one(rid: str) -> None:
            with httpx.Client(base_url=self.workers.base_url, timeout=30) as http:
                ok(http.put(url, headers={**headers, "X-Request-ID": rid}, **kw))

        for _ in range(40):
            if len(self.workers.pids(ids)) == WORKERS:
                return
            batch = [f"{self.tag}-clock-{next(self.counter)}" for _ in range(8)]
            ids.update(batch)
            with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                list(pool.map(one, batch))
        raise AssertionError("the clock change did not reach both workers")

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    try:
        store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        for key in store.scan_iter("*objection*"):
            store.delete(key)
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    workdir = tmp_path_factory.mktemp("two-workers")
    metrics_dir = workdir / "prometheus"
    metrics_dir.mkdir()
    url = create_pg_database()
    try:
        alembic_upgrade(url)
        env = server_env(
            url,
            attachment_dir=str(workdir / "attachments"),
            extra={
                "CADRE_RATE_LIMIT_STORAGE": REDIS_URL,
                "CADRE_PUBLIC_OBJECTION_RATE": "5/minute",
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            },
        )
        admin = create_token(env, "two-workers admin", ["admin"])
        log_path = workdir / "uvicorn.log"
        port = free_port()
        command = [
            sys.executable, "-m", "uvicorn", "app.main:app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
            "--no-access-log", "--no-proxy-headers", "--log-level", "warning",
        ]  # fmt: skip
        with log_path.open("ab") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base_url, process, log_path, 60)
            yield Workers(base_url=base_url, admin=admin, env=env, log_path=log_path)
        except ServerError:
            raise
        finally:
            stop(process)
    finally:
        drop_pg_database(url)


def test_a_case_driven_through_both_workers(workers: Workers) -> None:
    org_token = create_token(workers.env, "two-workers org", ["org_department"])
    org = SpreadClient(workers, {"Authorization": f"Bearer {org_token}"}, "case")
    admin = {"Authorization": f"Bearer {workers.admin}"}
    d = Driver(org, {}, clock_headers=admin)
    d.set_now(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    try:
        pos = d.position(headcount=1)
        a, b = d.candidate(), d.candidate()
        d.create(pos["id"], [a, b])
        d.to_decision([a, b])
        d.decide([a])
        d.act("approve")
        d.publicise("2026-03-30")
        assert d.case["stage"] == "publicity"
        assert d.case["publicity"]["end_date"] == "2026-04-03"
        record = ok(org.get(f"{d.url}/record"))
        assert record["verified"] is True
        assert len(workers.pids(org.sent)) == WORKERS  # both processes served the case

        # The public objection limit (5 a minute per address) holds across the workers.
        public = SpreadClient(workers, {}, "objection")
        notices: list[dict[str, Any]] = public.get("/api/v1/public/notices").json()
        notice = next(n for n in notices if n["candidates"][0]["candidate_id"] == a)
        url = f"/api/v1/public/notices/{notice['notice_id']}/objections"
        answers = [public.post(url, json={"content": f"反映 {i}"}).status_code for i in range(12)]
        assert answers[:5] == [202] * 5, answers
        assert answers[5:] == [429] * 7, answers
        assert len(workers.pids(public.sent)) == WORKERS  # ... although both served them

        # Metrics add up over the workers (PROMETHEUS_MULTIPROC_DIR).
        scraped = httpx.get(f"{workers.base_url}/metrics", timeout=10).text
        route = "/api/v1/public/notices/{notice_id}/objections"
        counts = {
            status: _sample(
                scraped, "cadre_http_requests_total", route=route, method="POST", status=status
            )
            for status in ("202", "429")
        }
        assert counts == {"202": 5.0, "429": 7.0}
        assert _sample(scraped, "cadre_case_transitions_total", action="approve") == 1.0
    finally:
        d.set_now(datetime.now(UTC))


def _sample(text: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total
