"""Idempotency-Key against real uvicorn processes (SQLite and PostgreSQL): duplicates racing on a
richer request than tests/e2e/test_trust.py's, and crashes — a server killed outright mid-burst,
and the exact window between the request's commit and the storing of its answer — never lead to
a second execution."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from app.db.engine import make_engine
from app.db.models import ApiToken, Candidate, IdempotencyKey, RecordEntry, SelectionCase
from app.services.auth import hash_token
from tests.case_driver import ok
from tests.conftest import alembic_upgrade, create_pg_database, drop_pg_database
from tests.e2e.server import (
    DEFAULT_PEPPER,
    LiveServer,
    create_token,
    run_server,
    server_env,
)
from tests.e2e.test_server import _together
from tests.factories import candidate_body, position_body

pytestmark = pytest.mark.e2e

CANDIDATES = "/api/v1/candidates"
LEASE = {"CADRE_IDEMPOTENCY_LEASE_SECONDS": "1"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of its own: these tests kill and restart servers on it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('idem') / 'idem.db'}"
        alembic_upgrade(url)
        yield url
        return
    url = create_pg_database()
    try:
        alembic_upgrade(url)
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="module")
def org_token(database: str) -> str:
    return create_token(server_env(database), "e2e idempotency org", ["org_department"])


def _count(url: str, stmt: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())
    finally:
        engine.dispose()


def _candidates_with(url: str, external_id: str) -> int:
    return _count(
        url, select(func.count()).select_from(Candidate).where(Candidate.external_id == external_id)
    )


def _post(server: LiveServer, token: str, body: dict[str, Any], key: str) -> httpx.Response:
    with server.client(token, timeout=10) as http:
        return http.post(CANDIDATES, json=body, headers={"Idempotency-Key": key})


# --- duplicates racing on case creation --------------------------------------------------------


@pytest.mark.parametrize("trial", range(3))
def test_twenty_concurrent_case_creations_with_one_key_make_one_case(
    database: str, org_token: str, tmp_path: Path, trial: int
) -> None:
    with run_server(database, workdir=tmp_path) as server:
        with server.client(org_token) as http:
            position = ok(http.post("/api/v1/positions", json=position_body()), 201)
            ids = [ok(http.post(CANDIDATES, json=candidate_body()), 201)["id"] for _ in range(2)]
        body = {
            "title": f"幂等案件{trial}",
            "position_id": position["id"],
            "places": 1,
            "method": "organisational",
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "市委组织部",
                "recommendation_scope": 30,
            },
            "candidate_ids": ids,
        }
        key = f"case-race-{trial}-{position['id']}"

        def post(i: int) -> httpx.Response:
            with server.client(org_token) as http:
                return http.post("/api/v1/cases", json=body, headers={"Idempotency-Key": key})

        responses = _together(20, post)
        assert "Traceback" not in server.log()
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [f"{r.status_code} {r.text[:200]}" for r in responses]
    ran = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(ran) == 1, dict(statuses)
    case_id = ran[0].json()["id"]
    for r in responses:
        if r.status_code == 201:
            assert r.json()["id"] == case_id
        else:
            assert r.json()["type"].endswith("/idempotency-in-progress"), r.text
    made = _count(
        database,
        select(func.count())
        .select_from(SelectionCase)
        .where(SelectionCase.position_id == uuid.UUID(position["id"])),
    )
    assert made == 1
    # One creation, one record entry for it.
    created = _count(
        database,
        select(func.count())
        .select_from(RecordEntry)
        .where(RecordEntry.action == "case.created", RecordEntry.case_id == uuid.UUID(case_id)),
    )
    assert created == 1


# --- a crash in the window between commit and the stored answer ---------------------------------


def _set_key(url: str, key: str, **values: Any) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            done = conn.execute(
                update(IdempotencyKey).where(IdempotencyKey.key == key).values(**values)
            )
            assert done.rowcount == 1
    finally:
        engine.dispose()


def _long_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)  # the servers run on the real clock


def test_a_crash_after_commit_before_the_answer_is_stored_never_runs_again(
    database: str, org_token: str, tmp_path: Path
) -> None:
    body = candidate_body()
    key = f"crash-after-commit-{body['external_id']}"
    with run_server(database, workdir=tmp_path, extra_env=LEASE) as server:
        first = _post(server, org_token, body, key)
        assert first.status_code == 201, first.text
    # What the process leaves when it dies right after its commit: the key `executed` (marked
    # in the request's own transaction), no answer stored.
    _set_key(
        database,
        key,
        state="executed",
        status_code=None,
        response_body=None,
        response_headers={},
        lease_until=_long_ago(),
    )
    with run_server(database, workdir=tmp_path, extra_env=LEASE) as server:
        retries = [_post(server, org_token, body, key) for _ in range(3)]
    for retry in retries:
        assert retry.status_code == 409, retry.text
        assert retry.json()["type"].endswith("/idempotency-outcome-unknown")
        assert "idempotent-replayed" not in retry.headers
    assert _candidates_with(database, body["external_id"]) == 1


def test_a_crash_before_commit_lets_the_retry_run_once(
    database: str, org_token: str, tmp_path: Path
) -> None:
    """What a process that died mid-request leaves: its reservation `pending` (committed by the
    reservation's own transaction), nothing of the request committed. Once the lease has run
    out the retry runs, exactly once; the next is a replay."""
    body = candidate_body()
    key = f"crash-before-commit-{body['external_id']}"
    raw = json.dumps(body).encode()
    engine = make_engine(database)
    try:
        with engine.begin() as conn:
            principal = conn.execute(
                select(ApiToken.principal_id).where(
                    ApiToken.token_hash == hash_token(org_token, DEFAULT_PEPPER)
                )
            ).scalar_one()
            conn.execute(
                insert(IdempotencyKey).values(
                    id=uuid.uuid4(),
                    scope=str(principal),
                    key=key,
                    fingerprint=hashlib.sha256(
                        b"POST " + CANDIDATES.encode() + b"?\0" + raw
                    ).hexdigest(),
                    state="pending",
                    attempt=uuid.uuid4(),
                    roles=["org_department"],
                    lease_until=_long_ago(),
                    response_headers={},
                    created_at=datetime.now(UTC),
                )
            )
    finally:
        engine.dispose()
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    with (
        run_server(database, workdir=tmp_path, extra_env=LEASE) as server,
        server.client(org_token) as http,
    ):
        ran = http.post(CANDIDATES, content=raw, headers=headers)
        again = http.post(CANDIDATES, content=raw, headers=headers)
    assert ran.status_code == 201, ran.text
    assert "idempotent-replayed" not in ran.headers
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == ran.json()
    assert _candidates_with(database, body["external_id"]) == 1


# --- a server killed outright mid-burst --------------------------------------------------------


@pytest.mark.parametrize("kill_after", [0.05, 0.2, 0.5])
def test_a_server_killed_mid_burst_runs_no_key_twice(
    database: str, org_token: str, tmp_path: Path, kill_after: float
) -> None:
    """40 distinct keyed POSTs in flight, SIGKILL at some instant, a new server, every key
    retried: each key's candidate exists at most once; a retry that replays or says the outcome
    is unknown finds it exactly once; a retry that runs found nothing committed before."""
    bodies = [candidate_body() for _ in range(40)]
    keys = [f"burst-{kill_after}-{b['external_id']}" for b in bodies]
    first: dict[int, int | None] = {}
    with run_server(database, workdir=tmp_path, extra_env=LEASE) as server:
        go = threading.Event()

        def post(i: int) -> None:
            go.wait()
            try:
                first[i] = _post(server, org_token, bodies[i], keys[i]).status_code
            except httpx.HTTPError:
                first[i] = None  # the server died under it

        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            for i in range(len(bodies)):
                pool.submit(post, i)
            go.set()
            time.sleep(kill_after)
            server.process.kill()
            server.process.wait(timeout=30)
    time.sleep(1.2)  # the dead server's reservations run out (lease 1 s)
    with run_server(database, workdir=tmp_path, extra_env=LEASE) as server:
        retries = [_post(server, org_token, b, k) for b, k in zip(bodies, keys, strict=True)]
        assert "Traceback" not in server.log()
    outcomes: Counter[str] = Counter()
    for i, retry in enumerate(retries):
        made = _candidates_with(database, bodies[i]["external_id"])
        assert made <= 1, (i, first.get(i), retry.status_code)
        if retry.status_code == 201 and retry.headers.get("idempotent-replayed") == "true":
            outcomes["replayed"] += 1
            assert made == 1
        elif retry.status_code == 201:
            outcomes["ran now"] += 1
            assert made == 1
            assert first.get(i) != 201  # an answered first run is never run again
        else:
            assert retry.status_code == 409, retry.text
            assert retry.json()["type"].endswith("/idempotency-outcome-unknown"), retry.text
            outcomes["outcome unknown"] += 1
            assert made == 1
    assert sum(outcomes.values()) == len(bodies), outcomes
