"""Trust, against a real uvicorn process on SQLite and PostgreSQL: an Idempotency-Key runs its
request at most once however many duplicates race, a replay needs a live token, and
X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.db.engine import make_engine
from app.db.models import ApiToken
from app.services.auth import hash_token
from tests.case_driver import Driver, ok
from tests.conftest import alembic_upgrade
from tests.e2e.server import ROOT, LiveServer, _console_script, run_server
from tests.e2e.test_server import _together
from tests.factories import candidate_body

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
CANDIDATES = "/api/v1/candidates"
DUPLICATES = 20


@pytest.mark.parametrize("trial", range(5))
def test_concurrent_duplicates_run_once(live_server: LiveServer, trial: int) -> None:
    """20 identical POSTs with one key at the same instant: exactly one runs (201); the others
    are replays of it (201, same body, Idempotent-Replayed) or 409 in progress; one candidate."""
    token = live_server.token("org_department")
    body = candidate_body(name=f"幂等{trial}")
    key = f"race-{trial}-{body['external_id']}"

    def post(i: int) -> httpx.Response:
        with live_server.client(token) as http:
            return http.post(CANDIDATES, json=body, headers={"Idempotency-Key": key})

    responses = _together(DUPLICATES, post)
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [f"{r.status_code} {r.text[:200]}" for r in responses]
    first = [
        r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers
    ]
    assert len(first) == 1, dict(statuses)
    original = first[0].json()
    for r in responses:
        if r.status_code == 201 and r is not first[0]:
            assert r.headers["idempotent-replayed"] == "true"
            assert r.json() == original
            assert r.headers["location"] == first[0].headers["location"]
        elif r.status_code == 409:
            assert r.headers["content-type"].startswith(PROBLEM)
            assert r.json()["type"].endswith("/idempotency-in-progress"), r.text
            assert int(r.headers["retry-after"]) >= 1
    with live_server.client(token) as http:
        by_id = ok(http.get(CANDIDATES, params={"external_id": body["external_id"]}))["items"]
        by_name = ok(http.get(CANDIDATES, params={"name": body["name"]}))["items"]
        # Once the first has finished, a late duplicate is a replay, never a second run.
        late = http.post(CANDIDATES, json=body, headers={"Idempotency-Key": key})
    assert [c["id"] for c in by_id] == [original["id"]]
    assert [c["id"] for c in by_name] == [original["id"]]
    assert late.status_code == 201
    assert late.headers["idempotent-replayed"] == "true"
    assert late.json() == original
    assert "Traceback" not in live_server.log()


def _token_id(server: LiveServer, token: str) -> str:
    engine = make_engine(server.env["CADRE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(ApiToken.id).where(
                    ApiToken.token_hash == hash_token(token, server.env["CADRE_TOKEN_PEPPER"])
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return str(found)


def test_replay_to_a_revoked_token_is_401(live_server: LiveServer) -> None:
    token = live_server.make_token("org_department")
    body = candidate_body()
    with live_server.client(token) as http:
        first = http.post(CANDIDATES, json=body, headers={"Idempotency-Key": "revoke-me"})
        assert first.status_code == 201, first.text
        replay = http.post(CANDIDATES, json=body, headers={"Idempotency-Key": "revoke-me"})
        assert replay.headers["idempotent-replayed"] == "true"
    done = subprocess.run(
        [_console_script("cadre"), "token", "revoke", _token_id(live_server, token)],
        env=live_server.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with live_server.client(token) as http:
        refused = http.post(CANDIDATES, json=body, headers={"Idempotency-Key": "revoke-me"})
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert "idempotent-replayed" not in refused.headers
    assert first.json()["id"] not in refused.text
    assert body["name"] not in refused.text


# --- X-Forwarded-For --------------------------------------------------------------------------


def _set_clock(server: LiveServer, at: datetime) -> None:
    with server.client(server.admin_token) as http:
        ok(http.put("/api/v1/_test/clock", json={"now": at.isoformat()}))


@contextmanager
def _open_notice(server: LiveServer) -> Iterator[str]:
    """Publish a pre-appointment notice on `server` (its clock in March 2026, real time again
    afterwards); yields the URL to lodge objections to it."""
    _set_clock(server, datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    try:
        org = server.headers(server.token("org_department"))
        with httpx.Client(base_url=server.base_url, headers=org, timeout=30) as http:
            d = Driver(http, {}, clock_headers=server.headers(server.admin_token))
            pos = d.position(headcount=1)
            a, b = d.candidate(), d.candidate()
            d.create(pos["id"], [a, b])
            d.to_decision([a, b])
            d.decide([a])
            d.act("approve")
            d.publicise("2026-03-30")
            notices: list[dict[str, Any]] = http.get("/api/v1/public/notices").json()
        notice = next(n for n in notices if any(c["candidate_id"] == a for c in n["candidates"]))
        yield f"/api/v1/public/notices/{notice['notice_id']}/objections"
    finally:
        _set_clock(server, datetime.now(UTC))


def _object(server: LiveServer, url: str, forwarded_for: list[str]) -> list[int]:
    codes = []
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for i, xff in enumerate(forwarded_for):
            r = http.post(url, json={"content": f"第{i}条反映"}, headers={"X-Forwarded-For": xff})
            assert r.status_code in {202, 429}, r.text
            codes.append(r.status_code)
    return codes


def test_forwarded_for_from_loopback_is_not_believed(live_server: LiveServer) -> None:
    """No proxies configured: every request comes from 127.0.0.1, whatever it claims, so six
    objections claiming six addresses meet the 5-per-minute limit."""
    with _open_notice(live_server) as url:
        codes = _object(live_server, url, [f"198.51.100.{i}" for i in range(1, 7)])
    assert 429 in codes, codes
    assert codes.index(429) <= 5


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server behind a configured proxy (CADRE_TRUSTED_PROXIES=127.0.0.1), on SQLite."""
    workdir: Path = tmp_path_factory.mktemp("live-proxied")
    url = f"sqlite:///{workdir / 'live.db'}"
    alembic_upgrade(url)
    with run_server(
        url, workdir=workdir, extra_env={"CADRE_TRUSTED_PROXIES": "127.0.0.1"}
    ) as server:
        yield server


def test_forwarded_for_from_a_trusted_proxy_names_the_client(proxied_server: LiveServer) -> None:
    with _open_notice(proxied_server) as url:
        # Six clients behind the proxy, each within its allowance.
        assert _object(proxied_server, url, [f"198.51.100.{i}" for i in range(1, 7)]) == [202] * 6
        # One client writing anything left of the proxy's entry is still that one client.
        forged = [f"192.0.2.{i}, 203.0.113.50" for i in range(6)]
        assert _object(proxied_server, url, forged) == [202] * 5 + [429]
