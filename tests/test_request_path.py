"""The request path (issue 8): every use case runs in one threadpool hop behind the database
gate, sized for the database; the dependencies before it do no I/O."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import deps
from app.api.admission import Gate, Overloaded
from app.api.routing import OneHopRoute
from app.main import create_app
from app.settings import Settings
from tests.routes import api_routes


def test_every_sync_endpoint_runs_in_one_hop(settings: Settings) -> None:
    app = create_app(settings)
    routes = api_routes(app)
    assert len(routes) > 50
    for route in routes:
        original = inspect.unwrap(route.endpoint)
        if inspect.iscoroutinefunction(original):
            continue
        assert isinstance(route, OneHopRoute), f"{route.path}: use route_class=OneHopRoute"
        assert inspect.iscoroutinefunction(route.endpoint), route.path


def test_the_request_dependencies_do_no_blocking_work() -> None:
    # A sync dependency costs a threadpool hop of its own (and held the connection across it).
    for dep in (deps.get_uow, deps.get_actor, deps.get_settings, deps.get_clock):
        assert inspect.iscoroutinefunction(dep) or inspect.isasyncgenfunction(dep), dep


@pytest.mark.parametrize(
    ("url", "expected"),
    [("sqlite:///x.db", 1), ("postgresql+psycopg://h/db", 10)],
)
def test_the_gate_is_sized_for_the_database(url: str, expected: int) -> None:
    assert Settings(database_url=url).inflight_limit == expected
    assert Settings(database_url=url, max_inflight=3).inflight_limit == 3


def test_gate_sheds_when_the_queue_is_full_and_after_the_deadline() -> None:
    async def scenario() -> list[str]:
        gate = Gate(limit=1, queue=1, wait_seconds=0.05)
        seen: list[str] = []
        async with gate.slot():
            # One may wait: it times out after the deadline.
            try:
                async with gate.slot():
                    seen.append("admitted")
            except Overloaded as exc:
                seen.append(f"late:{exc.retry_after}")
        async with gate.slot():
            seen.append("free again")
        return seen

    assert asyncio.run(scenario()) == ["late:1", "free again"]


def test_a_shed_request_is_a_503_problem_with_retry_after(
    settings: Settings, tokens: Any, client: TestClient
) -> None:
    app: Any = client.app
    admission: Any = app.middleware_stack
    while type(admission).__name__ != "Admission":
        admission = admission.app
    assert client.portal is not None
    gate: Gate = admission.gate
    client.portal.call(gate._slots.acquire)
    try:
        for _ in range(gate.limit - 1):
            client.portal.call(gate._slots.acquire)
        r = client.get("/api/v1/cases", headers=tokens["org_department"])
    finally:
        for _ in range(gate.limit):
            gate._slots.release()
    assert r.status_code == 503
    assert r.headers["retry-after"] == "2"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/overloaded")
    assert client.get("/api/v1/cases", headers=tokens["org_department"]).status_code == 200
