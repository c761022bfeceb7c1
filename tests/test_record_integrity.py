"""REC-RECORD: the keyed chain, the head on the case's row and the stage against the record.

Each test plays someone with write access to the database but not CADRE_RECORD_KEY: it lifts
the append-only triggers inside the test's rolled-back transaction and rewrites the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import RecordEntry, SelectionCase
from app.services import audit
from tests.case_driver import Driver, ok
from tests.conftest import Principals


@pytest.fixture
def driven(client: TestClient, tokens: Principals) -> Driver:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    return d


def _record(client: TestClient, tokens: Principals, d: Driver) -> dict[str, Any]:
    return ok(client.get(f"{d.url}/record", headers=tokens["auditor"]))


def _tamper(
    factory: sessionmaker[Any], d: Driver, change: Callable[[Session, uuid.UUID], None]
) -> None:
    case_id = uuid.UUID(d.case["id"])
    with factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ALTER TABLE record_entries DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER record_entries_no_update"))
            session.execute(text("DROP TRIGGER record_entries_no_delete"))
        change(session, case_id)
        session.commit()


def _entries(session: Session, case_id: uuid.UUID) -> list[RecordEntry]:
    return list(
        session.scalars(
            select(RecordEntry)
            .where(RecordEntry.subject_type == "case", RecordEntry.subject_id == case_id)
            .order_by(RecordEntry.seq)
        )
    )


def _set_head(session: Session, case_id: uuid.UUID, last: RecordEntry) -> None:
    """The forger keeps the case's head consistent too (all they can do without the key)."""
    session.execute(
        update(SelectionCase)
        .where(SelectionCase.id == case_id)
        .values(record_head_seq=last.seq, record_head_hash=last.hash)
        .execution_options(synchronize_session=False)
    )


def _rechain(
    session: Session, entries: list[RecordEntry], *, unkeyed_upto: int, key: bytes | None
) -> None:
    """Recompute every hash: seq <= unkeyed_upto by the unkeyed rule, the rest with `key`."""
    prev = audit.GENESIS
    for e in entries:
        e.prev_hash = prev
        if e.seq <= unkeyed_upto or key is None:
            e.hash_version = audit.UNKEYED
            e.hash = audit.entry_hash(prev, audit.hashed_fields(e))
        else:
            e.hash_version = audit.KEYED
            e.hash = audit.keyed_hash(key, prev, audit.keyed_fields(e))
        prev = e.hash
        session.flush()


def test_an_untouched_case_verifies(client: TestClient, tokens: Principals, driven: Driver) -> None:
    rec = _record(client, tokens, driven)
    assert rec["verified"] is True
    assert rec["first_bad_seq"] is None
    assert rec["problems"] == []
    assert len(rec["entries"]) >= 3


def test_edit_and_recompute_the_unkeyed_chain_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        entries = _entries(session, case_id)
        entries[0].payload = {**entries[0].payload, "places": 9}
        _rechain(session, entries, unkeyed_upto=len(entries), key=None)
        _set_head(session, case_id, entries[-1])

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == len(rec["entries"])
    assert "does not end in a keyed entry" in rec["problems"][0]


def test_edit_and_recompute_with_sha256_as_keyed_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        entries = _entries(session, case_id)
        entries[1].payload = {**entries[1].payload, "forged": True}
        prev = audit.GENESIS
        for e in entries:  # the old rule, over the new fields, without the key
            e.prev_hash = prev
            e.hash = audit.entry_hash(prev, audit.keyed_fields(e))
            prev = e.hash
            session.flush()
        _set_head(session, case_id, entries[-1])

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("request_id", "forged-request"), ("actor_name", "someone else"), ("case_id", None)],
)
def test_an_edited_field_is_detected(
    client: TestClient,
    tokens: Principals,
    session_factory: sessionmaker[Any],
    driven: Driver,
    field: str,
    value: object,
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        entries = _entries(session, case_id)
        setattr(entries[1], field, value)

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == 2
    assert rec["problems"] == ["the hash chain breaks at entry 2"]


def test_truncating_the_tail_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    n = len(_record(client, tokens, driven)["entries"])

    def change(session: Session, case_id: uuid.UUID) -> None:
        session.delete(_entries(session, case_id)[-1])

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert len(rec["entries"]) == n - 1
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == n
    assert any(f"says the record ends at entry {n}" in p for p in rec["problems"])


def test_deleting_a_middle_entry_and_renumbering_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        entries = _entries(session, case_id)
        session.delete(entries[1])
        session.flush()
        for e in entries[2:]:
            e.seq -= 1
            session.flush()
        _set_head(session, case_id, entries[-1])

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == 2


def test_a_gap_in_seq_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        session.delete(_entries(session, case_id)[1])

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == 3


def test_a_forged_appended_entry_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    n = len(_record(client, tokens, driven)["entries"])

    def change(session: Session, case_id: uuid.UUID) -> None:
        last = _entries(session, case_id)[-1]
        forged = RecordEntry(
            subject_type="case",
            subject_id=case_id,
            seq=last.seq + 1,
            case_id=case_id,
            action="fact.note",
            actor_name="forger",
            actor_role="admin",
            at=last.at,
            from_stage=last.to_stage,
            to_stage=last.to_stage,
            rules=[],
            payload={"note": "approved off the record"},
            prev_hash=last.hash,
            hash_version=audit.KEYED,
        )
        forged.hash = audit.keyed_hash(b"a guessed key", last.hash, audit.keyed_fields(forged))
        session.add(forged)
        session.flush()
        _set_head(session, case_id, forged)

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == n + 1


def test_the_stage_column_changed_directly_is_detected(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    before = _record(client, tokens, driven)
    stage = driven.refresh()["stage"]

    with session_factory() as session:
        session.execute(
            update(SelectionCase)
            .where(SelectionCase.id == uuid.UUID(driven.case["id"]))
            .values(stage="approved")
            .execution_options(synchronize_session=False)
        )
        session.commit()
    rec = _record(client, tokens, driven)
    assert rec["entries"] == before["entries"]
    assert rec["verified"] is False
    assert rec["first_bad_seq"] is None
    assert rec["problems"] == [
        f"stage column says approved but the record's last transition ends in {stage}"
    ]


def test_another_record_key_does_not_verify(
    client: TestClient, tokens: Principals, driven: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADRE_RECORD_KEY", "another-key")
    rec = _record(client, tokens, driven)
    assert rec["verified"] is False
    assert rec["first_bad_seq"] == 1


def test_unkeyed_entries_verify_as_a_prefix_sealed_by_a_keyed_one(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    """Entries written before migration 0011 keep the old rule; the first keyed one links them."""

    def change(session: Session, case_id: uuid.UUID) -> None:
        entries = _entries(session, case_id)
        _rechain(session, entries, unkeyed_upto=2, key=audit.record_key())
        _set_head(session, case_id, entries[-1])

    _tamper(session_factory, driven, change)
    rec = _record(client, tokens, driven)
    assert rec["verified"] is True, rec["problems"]
    assert rec["entries"][2]["prev_hash"] == rec["entries"][1]["hash"]


def test_production_refuses_a_placeholder_record_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADRE_ENVIRONMENT", "production")
    monkeypatch.setenv("CADRE_TOKEN_PEPPER", "a-real-pepper")
    monkeypatch.delenv("CADRE_RECORD_KEY", raising=False)
    with pytest.raises(audit.RecordKeyMissing, match="CADRE_RECORD_KEY"):
        audit.record_key()
    monkeypatch.setenv("CADRE_RECORD_KEY", "a-real-record-key")
    assert audit.record_key() == b"a-real-record-key"
