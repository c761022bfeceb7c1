"""Writes the full-process record (纪实, REC-RECORD) in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import RecordEntry, SelectionCase
from app.services.context import Actor

GENESIS = "0" * 64


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\x00" + _canonical(fields)).hexdigest()


def hashed_fields(e: RecordEntry) -> dict[str, Any]:
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
) -> RecordEntry:
    """Append one entry; the subject's row lock (or the unique seq) orders concurrent writers."""
    last = session.execute(
        select(RecordEntry.seq, RecordEntry.hash)
        .where(RecordEntry.subject_type == subject_type, RecordEntry.subject_id == subject_id)
        .order_by(RecordEntry.seq.desc())
        .limit(1)
    ).first()
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
    )
    entry.hash = entry_hash(prev, hashed_fields(entry))
    session.add(entry)
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
) -> RecordEntry:
    """One entry of a case's 纪实; facts keep the stage, transitions name from and to."""
    return append(
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
    )


def verify(entries: Sequence[RecordEntry]) -> int | None:
    """Return the seq of the first entry whose chain breaks, or None when it verifies."""
    prev = GENESIS
    for expected_seq, e in enumerate(entries, start=1):
        if (
            e.seq != expected_seq
            or e.prev_hash != prev
            or entry_hash(prev, hashed_fields(e)) != e.hash
        ):
            return e.seq
        prev = e.hash
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
