"""Writes the full-process record (纪实, REC-RECORD) in the caller's transaction."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.db.models import RecordEntry, SelectionCase
from app.services import outbox
from app.services.context import Actor
from app.settings import PLACEHOLDER_SECRETS, Settings

GENESIS = "0" * 64
UNKEYED = 1  # entries written before migration 0011: SHA-256, without the key
KEYED = 2  # HMAC-SHA256 with CADRE_RECORD_KEY over every shown field


class RecordKeyMissing(RuntimeError):
    """Production without a real CADRE_RECORD_KEY: the record is neither written nor verified."""


def record_key() -> bytes:
    """The chain's key, CADRE_RECORD_KEY: from the environment, never from the database."""
    # Settings() costs ~0.1 ms (it parses the whole environment): built once per value.
    return _record_key(os.environ.get("CADRE_RECORD_KEY"), os.environ.get("CADRE_ENVIRONMENT"))


@functools.lru_cache(maxsize=4)
def _record_key(_key: str | None, _environment: str | None) -> bytes:
    settings = Settings()
    if settings.environment == "production" and settings.record_key in PLACEHOLDER_SECRETS:
        raise RecordKeyMissing(
            "CADRE_RECORD_KEY must be set to a real secret when CADRE_ENVIRONMENT=production"
        )
    return settings.record_key.encode()


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The unkeyed hash of version 1 (kept to verify the entries written before 0011)."""
    return hashlib.sha256(prev_hash.encode() + b"\x00" + _canonical(fields)).hexdigest()


def keyed_hash(key: bytes, prev_hash: str, fields: dict[str, Any]) -> str:
    """Version 2: HMAC-SHA256(key, prev_hash || 0x00 || canonical fields)."""
    message = prev_hash.encode() + b"\x00" + _canonical(fields)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _uuid(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def keyed_fields(e: RecordEntry) -> dict[str, Any]:
    """Every field an entry shows or is found by (version 2)."""
    return {
        **hashed_fields(e),
        "hash_version": KEYED,
        "case_id": _uuid(e.case_id),
        "nomination_id": _uuid(e.nomination_id),
        "request_id": e.request_id,
    }


def compute_hash(e: RecordEntry, prev_hash: str, key: bytes) -> str | None:
    """The hash `e` should carry after `prev_hash`, by its version's rule (None: unknown)."""
    if e.hash_version == KEYED:
        return keyed_hash(key, prev_hash, keyed_fields(e))
    if e.hash_version == UNKEYED:
        return entry_hash(prev_hash, hashed_fields(e))
    return None


def hashed_fields(e: RecordEntry) -> dict[str, Any]:
    """The fields version 1 covered."""
    return {
        "subject_type": e.subject_type,
        "subject_id": str(e.subject_id),
        "seq": e.seq,
        "action": e.action,
        "actor_id": str(e.actor_id) if e.actor_id else None,
        "actor_name": e.actor_name,
        "actor_role": e.actor_role,
        "at": e.at.isoformat(timespec="microseconds"),
        "from_stage": e.from_stage,
        "to_stage": e.to_stage,
        "rules": e.rules,
        "payload": e.payload,
    }


def append(
    session: Session,
    *,
    subject_type: str,
    subject_id: uuid.UUID,
    action: str,
    actor: Actor,
    role: str,
    at: datetime,
    case_id: uuid.UUID | None = None,
    nomination_id: uuid.UUID | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    rules: Sequence[object] = (),
    payload: dict[str, Any] | None = None,
    head: tuple[int, str] | None = None,
) -> RecordEntry:
    """Append one entry; the subject's row lock (or the unique seq) orders concurrent writers.

    `head`: the chain's last (seq, hash) when the caller holds it under the subject's row lock
    (a case row carries its head), which spares the lookup.
    """
    last = (
        head
        or session.execute(
            select(RecordEntry.seq, RecordEntry.hash)
            .where(RecordEntry.subject_type == subject_type, RecordEntry.subject_id == subject_id)
            .order_by(RecordEntry.seq.desc())
            .limit(1)
        ).first()
    )
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at.astimezone(UTC)
    entry = RecordEntry(
        subject_type=subject_type,
        subject_id=subject_id,
        seq=seq,
        case_id=case_id,
        nomination_id=nomination_id,
        action=action,
        actor_id=actor.principal_id,
        actor_name=actor.name,
        actor_role=role,
        at=at,
        from_stage=from_stage,
        to_stage=to_stage,
        rules=list(rules),
        payload=json.loads(_canonical(payload or {})),
        request_id=actor.request_id,
        prev_hash=prev,
        hash_version=KEYED,
    )
    entry.hash = keyed_hash(record_key(), prev, keyed_fields(entry))
    session.add(entry)
    outbox.stage(session, entry)  # its change-feed event, written at commit
    return entry


_SAME = "\x00same"  # from/to default: the case's current stage (a fact, not a transition)


def case_entry(
    session: Session,
    case: SelectionCase,
    *,
    action: str,
    actor: Actor,
    role: str,
    at: datetime,
    from_stage: str | None = _SAME,
    to_stage: str | None = _SAME,
    rules: Sequence[object] = (),
    payload: dict[str, Any] | None = None,
    locked: bool = False,
) -> RecordEntry:
    """One entry of a case's 纪实; facts keep the stage, transitions name from and to.

    The case's row carries the record's head (seq and hash of this entry), so that a record
    cut short no longer reaches it. Written by a plain UPDATE: the case's version (its ETag)
    does not move because the record grew.

    `locked`: the caller holds the case's row lock and changes the row in this transaction
    anyway (a transition, a new fact). Then the head read from the row is the chain's head, and
    the new head rides on the same UPDATE as the caller's change: no lookup, no extra UPDATE.
    """
    head = None
    if locked and case.record_head_seq is not None and case.record_head_hash is not None:
        head = (case.record_head_seq, case.record_head_hash)
    entry = append(
        session,
        subject_type="case",
        subject_id=case.id,
        case_id=case.id,
        action=action,
        actor=actor,
        role=role,
        at=at,
        from_stage=case.stage if from_stage == _SAME else from_stage,
        to_stage=case.stage if to_stage == _SAME else to_stage,
        rules=rules,
        payload=payload,
        head=head,
    )
    if locked:
        case.record_head_seq = entry.seq
        case.record_head_hash = entry.hash
        return entry
    session.execute(
        update(SelectionCase)
        .where(SelectionCase.id == case.id)
        .values(record_head_seq=entry.seq, record_head_hash=entry.hash)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(case, "record_head_seq", entry.seq)
    set_committed_value(case, "record_head_hash", entry.hash)
    return entry


def verify(entries: Sequence[RecordEntry], key: bytes | None = None) -> int | None:
    """Return the seq of the first entry whose chain breaks, or None when it verifies.

    Breaks: a seq out of order (a gap, a deleted entry), a prev_hash that is not the previous
    entry's hash, a hash that the entry's fields and the key do not give (an edited field, an
    entry forged without the key), an unkeyed entry after a keyed one, and a chain that does not
    end in a keyed entry (unkeyed entries, written before 0011, count only as the prefix a keyed
    entry seals: otherwise anyone could rewrite the whole chain by the unkeyed rule).
    """
    key = record_key() if key is None else key
    prev = GENESIS
    keyed = False
    for expected_seq, e in enumerate(entries, start=1):
        if (
            e.seq != expected_seq
            or e.prev_hash != prev
            or (keyed and e.hash_version != KEYED)
            or not hmac.compare_digest(compute_hash(e, prev, key) or "", e.hash)
        ):
            return e.seq
        keyed = e.hash_version == KEYED
        prev = e.hash
    if entries and not keyed:
        return entries[-1].seq
    return None


def check_case(case: SelectionCase, entries: Sequence[RecordEntry]) -> tuple[int | None, list[str]]:
    """The chain of a case's record, its head on the case's row, and the case's stage against it.

    Returns the first bad seq (or None) and the problems found, in words.
    """
    problems: list[str] = []
    bad = verify(entries)
    if bad is not None:
        last_seq = entries[-1].seq if entries else 0
        if bad == last_seq and entries and entries[-1].hash_version != KEYED:
            problems.append(
                f"the record does not end in a keyed entry (entry {bad} is unkeyed, written "
                "before the record key, and no keyed entry seals it)"
            )
        else:
            problems.append(f"the hash chain breaks at entry {bad}")
    last = entries[-1] if entries else None
    if last is None:
        problems.append("the case has no record")
    elif case.record_head_seq is None or case.record_head_hash is None:
        problems.append(f"the case's row names no record head; the record ends at entry {last.seq}")
    elif case.record_head_seq != last.seq or case.record_head_hash != last.hash:
        problems.append(
            f"the case's row says the record ends at entry {case.record_head_seq}, "
            f"but it ends at entry {last.seq}"
            + (" with another hash" if case.record_head_seq == last.seq else "")
        )
        if bad is None:
            head = case.record_head_seq
            bad = last.seq + 1 if head > last.seq else last.seq if head == last.seq else head + 1
    transitions = [e for e in entries if e.to_stage is not None and e.from_stage != e.to_stage]
    expected = transitions[-1].to_stage if transitions else "motion"
    if case.stage != expected:
        problems.append(
            f"stage column says {case.stage} but the record's last transition ends in {expected}"
        )
    return bad, problems


def head_problem(session: Session, case: SelectionCase) -> str | None:
    """The cheap check every load of a case runs (REC-RECORD): the record's last entry is the
    head the case's row names, its hash is what its fields and the key give, and the case's
    stage is where that entry left it. None when all holds. One indexed query; the whole chain
    is verified by `verify` (the record and verification endpoints)."""
    last = session.scalars(
        select(RecordEntry)
        .where(RecordEntry.subject_type == "case", RecordEntry.subject_id == case.id)
        .order_by(RecordEntry.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return "the case has no record"
    if (case.record_head_seq, case.record_head_hash) != (last.seq, last.hash):
        return (
            f"the case's row names record head {case.record_head_seq}, "
            f"but the record ends at entry {last.seq}"
        )
    if not hmac.compare_digest(compute_hash(last, last.prev_hash, record_key()) or "", last.hash):
        return f"entry {last.seq} of the record does not verify"
    if last.hash_version != KEYED:
        return f"the record ends in an unkeyed entry ({last.seq})"
    if last.to_stage != case.stage:
        return f"the case's stage is {case.stage} but its record leaves it in {last.to_stage}"
    return None


def count(session: Session, subject_type: str, subject_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecordEntry)
            .where(RecordEntry.subject_type == subject_type, RecordEntry.subject_id == subject_id)
        )
        or 0
    )
