"""A case from motion to confirmed against a real uvicorn process, and racing transitions."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from tests.case_driver import Driver, ok
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.e2e


def _set_clock(server: LiveServer, at: datetime) -> None:
    with server.client(server.admin_token) as http:
        ok(http.put("/api/v1/_test/clock", json={"now": at.isoformat()}))


@pytest.fixture
def march(live_server: LiveServer) -> Iterator[None]:
    """The server's clock at Monday 2 March 2026, 09:00 in China; real time again afterwards."""
    _set_clock(live_server, datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    yield
    _set_clock(live_server, datetime.now(UTC))


def test_case_from_motion_to_confirmed(live_server: LiveServer, march: None) -> None:
    org = live_server.headers(live_server.token("org_department"))
    with httpx.Client(base_url=live_server.base_url, headers=org, timeout=30) as http:
        d = Driver(http, {}, clock_headers=live_server.headers(live_server.admin_token))
        pos = d.position(headcount=1)
        a, b = d.candidate(), d.candidate()
        d.create(pos["id"], [a, b])
        d.to_decision([a, b])
        d.decide([a])
        d.act("approve")
        d.publicise("2026-03-30")
        assert d.case["publicity"]["end_date"] == "2026-04-03"
        notices = httpx.get(f"{live_server.base_url}/api/v1/public/notices").json()
        assert any(c["candidate_id"] == a for n in notices for c in n["candidates"])
        assert d.act("appoint", status=422)["rule"] == "PUB-DURATION"
        # Inside the window an appointment cannot even be dated (CASE-TIMELINE).
        assert d.appointment(a, on="2026-03-30", status=422)["rule"] == "CASE-TIMELINE"
        d.appointment(a, on="2026-04-04")
        d.act("appoint")
        d.act("begin_probation")
        d.on("2027-04-04")
        d.fact(
            "probation-assessments",
            {"candidate_id": a, "assessed_on": "2027-04-04", "competent": True, "summary": "称职"},
        )
        d.act("confirm")
        assert d.case["stage"] == "confirmed"
        record = ok(http.get(f"{d.url}/record"))
        assert record["verified"] is True
        assert record["entries"][-1]["to_stage"] == "confirmed"


def test_racing_transitions_have_one_winner(live_server: LiveServer, march: None) -> None:
    org = live_server.headers(live_server.token("org_department"))
    with httpx.Client(base_url=live_server.base_url, headers=org, timeout=30) as http:
        d = Driver(http, {}, clock_headers=live_server.headers(live_server.admin_token))
        d.create(d.position()["id"], [d.candidate()])
        etag = d.case["etag"]

    def fire(_: int) -> int:
        with httpx.Client(base_url=live_server.base_url, timeout=30) as c:
            r = c.post(
                f"/api/v1/cases/{d.case['id']}/transitions",
                json={"action": "start_recommendation"},
                headers={**org, "If-Match": etag},
            )
            return r.status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(fire, range(10)))
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 409, 412}, codes
    with httpx.Client(base_url=live_server.base_url, headers=org, timeout=30) as http:
        record = ok(http.get(f"/api/v1/cases/{d.case['id']}/record"))
    transitions = [e for e in record["entries"] if e["action"].startswith("transition.")]
    assert len(transitions) == 1
    assert record["verified"] is True
