"""End-to-end: the real uvicorn process over HTTP (C1, C2 under load, A2, A4), on SQLite and PG."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import pytest

from tests.e2e.server import LiveServer
from tests.factories import candidate_body

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
ONE_MIB = 1024 * 1024  # Settings.max_body_bytes default
T = TypeVar("T")


def _together(n: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(i)` in n threads released at the same instant; results in index order."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _server_errors(responses: list[httpx.Response]) -> list[str]:
    return [f"{r.status_code}: {r.text[:300]}" for r in responses if r.status_code >= 500]


def test_health_and_readiness(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    # On the real clock the only possible warning is a missing official calendar year.
    assert all("official schedule" in w for w in body["warnings"]), body


def test_unauthenticated_is_401(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        missing = http.get("/api/v1/candidates")
        forged = http.get("/api/v1/candidates", headers={"Authorization": "Bearer cad_forged"})
    for r in (missing, forged):
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("trial", range(5))
def test_concurrent_patch_with_same_etag_has_one_winner(
    live_server: LiveServer, trial: int
) -> None:
    """C1: 10 clients PATCH with the same If-Match: exactly one 200, the others 412."""
    org = live_server.token("org_department")
    with live_server.client(org) as http:
        created = http.post("/api/v1/candidates", json=candidate_body())
        assert created.status_code == 201, created.text
        candidate = created.json()
    url = f"/api/v1/candidates/{candidate['id']}"

    def patch(i: int) -> httpx.Response:
        # One client (one connection) per thread, as separate clerks would have.
        with live_server.client(org) as http:
            return http.patch(
                url, json={"current_title": f"副局长 {i}"}, headers={"If-Match": candidate["etag"]}
            )

    responses = _together(10, patch)
    statuses = Counter(r.status_code for r in responses)
    assert not _server_errors(responses), _server_errors(responses)
    assert statuses == {200: 1, 412: 9}, dict(statuses)
    assert all(
        r.headers["content-type"].startswith(PROBLEM) for r in responses if r.status_code == 412
    )
    winner = next(r for r in responses if r.status_code == 200).json()
    with live_server.client(org) as http:
        final = http.get(url).json()
    assert final["version"] == candidate["version"] + 1
    assert final["current_title"] == winner["current_title"]
    assert final["etag"] == winner["etag"] != candidate["etag"]


def test_concurrent_creates_all_succeed(live_server: LiveServer) -> None:
    """20 simultaneous POSTs: all 201, no 5xx, and SQLite never reports "database is locked"."""
    org = live_server.token("org_department")

    def create(i: int) -> httpx.Response:
        with live_server.client(org) as http:
            return http.post("/api/v1/candidates", json=candidate_body(org_unit="并发测试单位"))

    responses = _together(20, create)
    assert not _server_errors(responses), _server_errors(responses)
    assert [r.status_code for r in responses] == [201] * 20, [r.text[:200] for r in responses]
    assert len({r.json()["id"] for r in responses}) == 20
    assert not [r.text for r in responses if "database is locked" in r.text]
    assert "database is locked" not in live_server.log()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_limit_is_413(live_server: LiveServer, chunked: bool) -> None:
    """A4: a body over max_body_bytes is refused with a 413 problem, declared or streamed."""
    body = json.dumps(candidate_body(current_title="长" * ONE_MIB)).encode()
    assert len(body) > ONE_MIB
    content: bytes | Iterator[bytes] = body
    if chunked:  # no Content-Length: the limit must be enforced while reading
        content = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
    with live_server.client() as http:
        r = http.post(
            "/api/v1/candidates", content=content, headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 413, r.text[:300]
    assert r.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = r.json()
    assert problem["status"] == 413
    assert problem["type"].endswith("/too-large")


@pytest.mark.parametrize("burst", [100, 500])
def test_a_burst_is_served_or_shed_quickly_never_a_5xx(live_server: LiveServer, burst: int) -> None:
    """`burst` simultaneous requests (reads and writes): every one is answered, each 2xx or a
    503 with Retry-After, and none waits longer than the shedding deadline plus the work."""
    import asyncio
    import time

    org = live_server.token("org_department")

    async def fire() -> list[tuple[int, float, str | None]]:
        limits = httpx.Limits(max_connections=burst, max_keepalive_connections=0)
        async with httpx.AsyncClient(
            base_url=live_server.base_url,
            headers=live_server.headers(org),
            limits=limits,
            timeout=60,
        ) as http:
            start = asyncio.Event()

            async def one(i: int) -> tuple[int, float, str | None]:
                await start.wait()
                t0 = time.monotonic()
                if i % 4 == 0:
                    r = await http.post("/api/v1/candidates", json=candidate_body())
                else:
                    r = await http.get("/api/v1/candidates", params={"limit": 5})
                return r.status_code, time.monotonic() - t0, r.headers.get("retry-after")

            tasks = [asyncio.create_task(one(i)) for i in range(burst)]
            await asyncio.sleep(0.05)
            start.set()
            return await asyncio.gather(*tasks)

    results = asyncio.run(fire())
    statuses = Counter(s for s, _, _ in results)
    assert set(statuses) <= {200, 201, 503}, dict(statuses)
    assert statuses[200] + statuses[201] > 0
    assert all(ra is not None for s, _, ra in results if s == 503)
    slowest = max(d for _, d, _ in results)
    assert slowest < 20, f"slowest answer took {slowest:.1f} s ({dict(statuses)})"
    assert "Traceback" not in live_server.log()
