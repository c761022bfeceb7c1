"""The integration examples work against the app: examples/hr_sync.py keeps a copy of the cases
through the feed and resumes from its saved cursor; examples/webhook_receiver.py verifies the
worker's signed deliveries and refuses forged ones."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.services.context import FixedClock
from app.services.webhooks import sign
from app.services.worker import Worker
from app.settings import Settings
from examples import hr_sync
from examples.webhook_receiver import make_server
from tests.case_driver import Driver, ok
from tests.conftest import ROOT, Principals
from tests.factories import candidate_body


def test_hr_sync_keeps_a_copy_and_resumes(
    client: TestClient, tokens: Principals, tmp_path: Path
) -> None:
    org = tokens["org_department"]
    state = tmp_path / "hr.json"
    # Other changes before: the copy holds cases only.
    ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    d = Driver(client, org)
    pos = d.position()
    a = d.candidate()
    d.create(pos["id"], [a])
    assert hr_sync.sync(client, state, headers=org) > 0
    saved = json.loads(state.read_text())
    mine = saved["cases"][d.case["id"]]
    assert (mine["stage"], mine["title"], mine["version"]) == ("motion", "选拔副主任", 1)
    cursor = saved["cursor"]
    # Nothing new: nothing read, the cursor stays.
    assert hr_sync.sync(client, state, headers=org) == 0
    assert json.loads(state.read_text())["cursor"] == cursor
    # A transition and a second case; a run stopped after one page of one event ...
    d.act("start_recommendation")
    first = d.case["id"]
    d.create(pos["id"], [a])
    assert hr_sync.sync(client, state, headers=org, page_size=1, max_pages=1) == 1
    partial = json.loads(state.read_text())
    assert partial["cases"][first]["stage"] == "recommendation"
    assert d.case["id"] not in partial["cases"]
    # ... resumes from its saved cursor (a restart: only the file carries the state).
    assert hr_sync.sync(client, state, headers=org) >= 1
    final = json.loads(state.read_text())
    assert final["cases"][d.case["id"]]["stage"] == "motion"
    assert final["cases"][first]["stage"] == "recommendation"
    assert set(final["cases"]) == {first, d.case["id"]}


def test_hr_sync_script_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "hr_sync.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--state" in done.stdout


def test_webhook_receiver_verifies_deliveries(
    client: TestClient,
    tokens: Principals,
    settings: Settings,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    org = tokens["org_department"]
    hook = ok(
        client.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/", "event_types": ["candidate.created"]},
            headers=org,
        ),
        201,
    )
    server, received = make_server(hook["secret"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        ok(client.patch(f"/api/v1/webhooks/{hook['id']}", json={"url": url}, headers=org))
        cid = ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)["id"]
        assert Worker(session_factory, clock, settings).run_once() == 1
        assert [e["data"]["subject_id"] for e in received.events] == [cid]
        assert received.refused == 0
        # A delivery signed with another secret, or not signed, is refused (401).
        body = json.dumps({"type": "candidate.created", "data": {}}).encode()
        forged = sign(["whsec_" + "B" * 43], "msg_forged", datetime.now(UTC), body)
        assert httpx.post(url, content=body, headers=forged).status_code == 401
        assert httpx.post(url, content=body).status_code == 401
        assert received.refused == 2
        assert len(received.events) == 1
    finally:
        server.shutdown()
        server.server_close()
