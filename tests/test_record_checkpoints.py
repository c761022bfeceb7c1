"""REC-RECORD: signed checkpoints outside the database, the auditor's verification endpoint,
and the check of the case's stage and record head on every load.

Each tampering test plays someone with write access to the database but not CADRE_RECORD_KEY:
it lifts the append-only triggers (inside the test's rolled-back transaction) and rewrites the
record, then asserts that GET /api/v1/record/verification names the chain and the problem.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli import cli
from app.db.models import RecordEntry, SelectionCase
from app.services import audit, checkpoints
from app.settings import Settings
from tests.case_driver import Driver, ok
from tests.conftest import Principals

VERIFY = "/api/v1/record/verification"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"checkpoint_dir": str(tmp_path / "checkpoints")})


@pytest.fixture
def driven(client: TestClient, tokens: Principals) -> Driver:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    return d


def _verify(client: TestClient, tokens: Principals, **params: str) -> dict[str, Any]:
    return ok(client.get(VERIFY, headers=tokens["auditor"], params=params))


def _chain(report: dict[str, Any], subject_type: str, subject_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        c
        for c in report["chains"]
        if c["subject_type"] == subject_type and c["subject_id"] == subject_id
    ]
    assert len(found) == 1, report
    return found[0]


def _failed(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["subject_type"], c["subject_id"]) for c in report["chains"] if not c["verified"]]


def _entries(session: Session, subject_type: str, subject_id: uuid.UUID) -> list[RecordEntry]:
    return list(
        session.scalars(
            select(RecordEntry)
            .where(RecordEntry.subject_type == subject_type, RecordEntry.subject_id == subject_id)
            .order_by(RecordEntry.seq)
        )
    )


def _tamper(factory: sessionmaker[Any], change: Callable[[Session], None]) -> None:
    with factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ALTER TABLE record_entries DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER record_entries_no_update"))
            session.execute(text("DROP TRIGGER record_entries_no_delete"))
        change(session)
        session.commit()


def _set_case_row(session: Session, case_id: uuid.UUID, last: RecordEntry) -> None:
    """The forger keeps the case's row consistent with the chain they leave (head and stage)."""
    session.execute(
        update(SelectionCase)
        .where(SelectionCase.id == case_id)
        .values(record_head_seq=last.seq, record_head_hash=last.hash, stage=last.to_stage)
        .execution_options(synchronize_session=False)
    )


def _checkpoint(session_factory: sessionmaker[Any], settings: Settings) -> Path:
    return checkpoints.write_checkpoint(session_factory, settings)


def _case_id(d: Driver) -> uuid.UUID:
    return uuid.UUID(d.case["id"])


# --- untouched -----------------------------------------------------------------------------------


def test_an_untouched_record_verifies_against_its_checkpoint(
    client: TestClient,
    tokens: Principals,
    driven: Driver,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    before = _verify(client, tokens)
    assert before["verified"] is True
    assert before["checkpoint"] is None
    path = _checkpoint(session_factory, settings)
    doc = json.loads(path.read_text())
    n = len(ok(client.get(f"{driven.url}/record", headers=tokens["auditor"]))["entries"])
    listed = {(c["subject_type"], c["subject_id"]): c["seq"] for c in doc["chains"]}
    assert listed[("case", driven.case["id"])] == n
    assert doc["algorithm"] == "HMAC-SHA256"

    rep = _verify(client, tokens)
    assert rep["verified"] is True, rep
    assert rep["problems"] == []
    assert rep["checkpoint"]["name"] == path.name
    assert rep["checkpoint"]["chains"] == len(doc["chains"])
    chain = _chain(rep, "case", driven.case["id"])
    assert chain == {
        "subject_type": "case",
        "subject_id": driven.case["id"],
        "entries": n,
        "head_seq": n,
        "checkpoint_seq": n,
        "verified": True,
        "first_bad_seq": None,
        "problems": [],
    }
    assert rep["chains_failed"] == 0
    assert rep["chains_checked"] == len(rep["chains"]) >= len(doc["chains"])
    assert _verify(client, tokens, failed_only="true")["chains"] == []


def test_the_record_growing_after_a_checkpoint_still_verifies(
    client: TestClient,
    tokens: Principals,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    d = Driver(client, tokens["org_department"])
    d.create(d.position()["id"], [d.candidate(), d.candidate()])
    _checkpoint(session_factory, settings)
    d.act("start_recommendation")
    rep = _verify(client, tokens)
    assert rep["verified"] is True, rep
    chain = _chain(rep, "case", d.case["id"])
    assert chain["head_seq"] == chain["checkpoint_seq"] + 1


@pytest.mark.parametrize("role", ["org_department", "admin", "committee_secretary", "cadre"])
def test_only_the_auditor_verifies(client: TestClient, tokens: Principals, role: str) -> None:
    r = client.get(VERIFY, headers=tokens[role])
    assert r.status_code == 403, r.text
    assert client.get(VERIFY).status_code == 401


def test_failed_only_is_a_strict_boolean(client: TestClient, tokens: Principals) -> None:
    for value in ("1", "yes", "True "):
        r = client.get(VERIFY, headers=tokens["auditor"], params={"failed_only": value})
        assert r.status_code == 422, (value, r.text)


# --- each kind of rewrite ------------------------------------------------------------------------


def test_edit_and_recompute_without_the_key_is_reported(
    client: TestClient, tokens: Principals, driven: Driver, session_factory: sessionmaker[Any]
) -> None:
    case_id = _case_id(driven)

    def change(session: Session) -> None:
        entries = _entries(session, "case", case_id)
        entries[1].payload = {**entries[1].payload, "forged": True}
        prev = audit.GENESIS
        for e in entries:  # recomputed under a key the forger guessed
            e.prev_hash = prev
            e.hash = audit.keyed_hash(b"guessed", prev, audit.keyed_fields(e))
            prev = e.hash
            session.flush()
        _set_case_row(session, case_id, entries[-1])

    _tamper(session_factory, change)
    rep = _verify(client, tokens)
    assert rep["verified"] is False
    assert _failed(rep) == [("case", str(case_id))]
    chain = _chain(rep, "case", str(case_id))
    assert chain["first_bad_seq"] == 1
    assert chain["problems"] == ["the hash chain breaks at entry 1"]
    # Every load checks the head's MAC: the case is refused, not acted on.
    r = client.get(driven.url, headers=tokens["org_department"])
    assert r.status_code == 409, r.text
    assert r.json()["rule"] == "REC-RECORD"


def test_delete_and_renumber_is_reported(
    client: TestClient, tokens: Principals, driven: Driver, session_factory: sessionmaker[Any]
) -> None:
    case_id = _case_id(driven)

    def change(session: Session) -> None:
        entries = _entries(session, "case", case_id)
        session.delete(entries[1])
        session.flush()
        for e in entries[2:]:
            e.seq -= 1
            session.flush()
        _set_case_row(session, case_id, entries[-1])

    _tamper(session_factory, change)
    chain = _chain(_verify(client, tokens), "case", str(case_id))
    assert chain["verified"] is False
    assert chain["first_bad_seq"] == 2
    assert chain["problems"] == ["the hash chain breaks at entry 2"]


def test_a_forged_append_is_reported_and_refused_on_load(
    client: TestClient, tokens: Principals, driven: Driver, session_factory: sessionmaker[Any]
) -> None:
    case_id = _case_id(driven)
    before = driven.refresh()

    def change(session: Session) -> None:
        last = _entries(session, "case", case_id)[-1]
        forged = RecordEntry(
            subject_type="case",
            subject_id=case_id,
            seq=last.seq + 1,
            case_id=case_id,
            action="transition.approve",
            actor_name="forger",
            actor_role="org_department",
            at=last.at,
            from_stage=last.to_stage,
            to_stage="approved",
            rules=[],
            payload={},
            prev_hash=last.hash,
            hash_version=audit.KEYED,
        )
        forged.hash = audit.keyed_hash(b"guessed", last.hash, audit.keyed_fields(forged))
        session.add(forged)
        session.flush()
        _set_case_row(session, case_id, forged)

    _tamper(session_factory, change)
    chain = _chain(_verify(client, tokens), "case", str(case_id))
    assert chain["first_bad_seq"] == chain["entries"]
    assert chain["problems"][0] == f"the hash chain breaks at entry {chain['entries']}"
    r = client.get(driven.url, headers=tokens["org_department"])
    assert r.status_code == 409, r.text
    assert "does not verify" in r.json()["detail"]
    r = client.post(
        f"{driven.url}/transitions",
        json={"action": "void", "reason": "acting on a forged record"},
        headers={**tokens["org_department"], "If-Match": before["etag"]},
    )
    assert r.status_code == 409, r.text  # never acted on
    assert r.json()["rule"] == "REC-RECORD"


def test_truncating_the_tail_consistently_is_caught_only_by_the_checkpoint(
    client: TestClient,
    tokens: Principals,
    driven: Driver,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    case_id = _case_id(driven)
    _checkpoint(session_factory, settings)
    n = _chain(_verify(client, tokens), "case", str(case_id))["entries"]

    def change(session: Session) -> None:
        entries = _entries(session, "case", case_id)
        for e in entries[-2:]:
            session.delete(e)
        session.flush()
        _set_case_row(session, case_id, entries[-3])

    _tamper(session_factory, change)
    # The database alone is consistent: the case loads and its own record verifies ...
    assert client.get(driven.url, headers=tokens["org_department"]).status_code == 200
    assert ok(client.get(f"{driven.url}/record", headers=tokens["auditor"]))["verified"] is True
    # ... but the chain no longer holds the head the checkpoint signed.
    rep = _verify(client, tokens)
    assert rep["verified"] is False
    assert _failed(rep) == [("case", str(case_id))]
    chain = _chain(rep, "case", str(case_id))
    assert (chain["entries"], chain["head_seq"], chain["checkpoint_seq"]) == (n - 2, n - 2, n)
    assert chain["first_bad_seq"] == n - 1
    assert chain["problems"] == [
        f"truncated: checkpoint {rep['checkpoint']['name']} lists {n} entries, "
        f"the chain has {n - 2} (ends at entry {n - 2})"
    ]


def test_replacing_a_whole_chain_with_an_older_genuine_copy_is_caught_by_the_checkpoint(
    client: TestClient,
    tokens: Principals,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    d = Driver(client, tokens["org_department"])
    a, b = d.candidate(), d.candidate()
    d.create(d.position()["id"], [a, b])
    case_id = _case_id(d)
    with session_factory() as session:  # a backup taken early in the case
        old = [
            {c.key: getattr(e, c.key) for c in RecordEntry.__table__.columns if c.key != "id"}
            for e in _entries(session, "case", case_id)
        ]
    d.to_decision([a, b])
    _checkpoint(session_factory, settings)

    def change(session: Session) -> None:
        session.execute(delete(RecordEntry).where(RecordEntry.subject_id == case_id))
        restored = [RecordEntry(**row) for row in old]
        session.add_all(restored)
        session.flush()
        _set_case_row(session, case_id, restored[-1])

    _tamper(session_factory, change)
    assert ok(client.get(f"{d.url}/record", headers=tokens["auditor"]))["verified"] is True
    chain = _chain(_verify(client, tokens), "case", str(case_id))
    assert chain["verified"] is False
    assert chain["entries"] == len(old)
    assert chain["problems"][0].startswith("truncated: checkpoint")


def test_a_chain_rewritten_to_the_same_length_is_reported_as_replaced(
    client: TestClient,
    tokens: Principals,
    driven: Driver,
    session_factory: sessionmaker[Any],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even with the key (a leaked key), a rewrite of signed history differs from the checkpoint."""
    case_id = _case_id(driven)
    _checkpoint(session_factory, settings)
    key = audit.record_key()

    def change(session: Session) -> None:
        entries = _entries(session, "case", case_id)
        entries[0].actor_name = "someone else"
        prev = audit.GENESIS
        for e in entries:
            e.prev_hash = prev
            e.hash = audit.keyed_hash(key, prev, audit.keyed_fields(e))
            prev = e.hash
            session.flush()
        _set_case_row(session, case_id, entries[-1])

    _tamper(session_factory, change)
    rep = _verify(client, tokens)
    chain = _chain(rep, "case", str(case_id))
    n = chain["entries"]
    assert chain["problems"] == [
        f"replaced: entry {n} is not the one checkpoint {rep['checkpoint']['name']} signed"
    ]


def test_a_deleted_chain_is_reported(
    client: TestClient,
    tokens: Principals,
    driven: Driver,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    case_id = _case_id(driven)
    _checkpoint(session_factory, settings)

    def change(session: Session) -> None:
        session.execute(delete(RecordEntry).where(RecordEntry.subject_id == case_id))

    _tamper(session_factory, change)
    chain = _chain(_verify(client, tokens), "case", str(case_id))
    assert chain["entries"] == 0
    assert chain["head_seq"] is None
    assert "the case has no record" in chain["problems"]
    assert any("it is gone" in p for p in chain["problems"])
    assert client.get(driven.url, headers=tokens["org_department"]).status_code == 409


def test_a_truncated_candidate_chain_is_caught_by_the_checkpoint(
    client: TestClient,
    tokens: Principals,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    cid = d.candidate()
    r = client.get(f"/api/v1/candidates/{cid}", headers=org)
    etag = r.headers["ETag"]
    ok(
        client.patch(
            f"/api/v1/candidates/{cid}",
            json={"current_title": "副处长"},
            headers={**org, "If-Match": etag},
        )
    )
    with session_factory() as session:
        n = len(_entries(session, "candidate", uuid.UUID(cid)))
    assert n >= 2
    _checkpoint(session_factory, settings)

    def change(session: Session) -> None:
        session.delete(_entries(session, "candidate", uuid.UUID(cid))[-1])

    _tamper(session_factory, change)
    rep = _verify(client, tokens)
    assert _failed(rep) == [("candidate", cid)]
    chain = _chain(rep, "candidate", cid)
    assert chain["first_bad_seq"] == n
    assert chain["problems"][0].startswith(f"truncated: checkpoint {rep['checkpoint']['name']}")


def test_the_stage_column_changed_directly_is_reported_and_refused_on_load(
    client: TestClient, tokens: Principals, driven: Driver, session_factory: sessionmaker[Any]
) -> None:
    case_id = _case_id(driven)
    stage = driven.refresh()["stage"]
    with session_factory() as session:
        session.execute(
            update(SelectionCase)
            .where(SelectionCase.id == case_id)
            .values(stage="approved")
            .execution_options(synchronize_session=False)
        )
        session.commit()
    chain = _chain(_verify(client, tokens), "case", str(case_id))
    assert chain["problems"] == [
        f"stage column says approved but the record's last transition ends in {stage}"
    ]
    for url in (driven.url, f"{driven.url}/dossier"):
        r = client.get(url, headers=tokens["org_department"])
        assert r.status_code == 409, (url, r.text)
        assert r.json()["rule"] == "REC-RECORD"
        assert "record leaves it in" in r.json()["detail"]
    # The record itself stays readable, showing what is wrong.
    rec = ok(client.get(f"{driven.url}/record", headers=tokens["auditor"]))
    assert rec["verified"] is False


def test_the_head_on_the_row_moved_back_is_refused_on_load(
    client: TestClient, tokens: Principals, driven: Driver, session_factory: sessionmaker[Any]
) -> None:
    case_id = _case_id(driven)
    with session_factory() as session:
        first = _entries(session, "case", case_id)[0]
        _set_case_row(session, case_id, first)  # head and stage of entry 1
        session.commit()
    r = client.get(driven.url, headers=tokens["org_department"])
    assert r.status_code == 409, r.text
    assert "names record head 1" in r.json()["detail"]


# --- the checkpoints themselves ------------------------------------------------------------------


def test_a_tampered_checkpoint_is_reported_and_the_previous_one_used(
    client: TestClient,
    tokens: Principals,
    driven: Driver,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    first = _checkpoint(session_factory, settings)
    second = _checkpoint(session_factory, settings)
    doc = json.loads(second.read_text())
    doc["chains"] = [c for c in doc["chains"] if c["subject_id"] != driven.case["id"]]
    second.write_text(json.dumps(doc))
    rep = _verify(client, tokens)
    assert rep["verified"] is False
    assert rep["problems"] == [
        f"checkpoint {second.name} is not genuine: its signature does not verify under the "
        "record key"
    ]
    assert rep["checkpoint"]["name"] == first.name
    assert rep["chains_failed"] == 0


def test_a_checkpoint_signed_with_another_key_is_not_genuine(
    driven: Driver,
    session_factory: sessionmaker[Any],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _checkpoint(session_factory, settings)
    found, problems = checkpoints.latest(path.parent)
    assert found is not None
    assert (found.name, problems) == (path.name, [])
    monkeypatch.setenv("CADRE_RECORD_KEY", "another key entirely")
    found, problems = checkpoints.latest(path.parent)
    assert found is None
    assert problems == [
        f"checkpoint {path.name} is not genuine: its signature does not verify under the record key"
    ]


def test_cli_writes_a_signed_checkpoint(database_url: str, tmp_path: Path) -> None:
    env = {"CADRE_DATABASE_URL": database_url, "CADRE_CHECKPOINT_DIR": str(tmp_path / "cp")}
    result = CliRunner().invoke(cli, ["record", "checkpoint"], env=env)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.parent == tmp_path / "cp"
    assert path.name.startswith("checkpoint-")
    found, problems = checkpoints.latest(path.parent)
    assert found is not None
    assert (found.name, problems) == (path.name, [])
    verified = CliRunner().invoke(cli, ["record", "verify", "--quiet"], env=env)
    assert verified.exit_code == 0, verified.output
    assert f"checkpoint: {path.name}" in verified.output


def test_the_worker_writes_a_checkpoint_every_hour(
    session_factory: sessionmaker[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from app.services.context import Clock
    from app.services.worker import JOBS

    monkeypatch.setenv("CADRE_CHECKPOINT_DIR", str(tmp_path / "cp"))
    job = JOBS["record.checkpoint"]
    assert job.every == timedelta(hours=1)
    job.run(session_factory, Clock())
    written = list((tmp_path / "cp").iterdir())
    assert len(written) == 1
    assert json.loads(written[0].read_text())
