"""Signed checkpoints of the record (纪实, REC-RECORD) and the verification of every chain.

The keyed chain (app/services/audit.py) makes an edited, forged or renumbered entry detectable,
and the case's row carries its record's head. What neither can show is a chain cut back or
swapped wholesale for an older copy of itself, together with the row: every MAC in it is genuine.
A checkpoint, a file outside the database listing each chain's head (seq and hash) at a moment,
closes that gap: a chain must still hold, at the checkpoint's seq, the entry with the
checkpoint's hash.

Signature: HMAC-SHA256 under a key derived from CADRE_RECORD_KEY (domain-separated, so that a
checkpoint MAC is never a valid chain hash and vice versa). The threat is whoever can write the
database; the record key is already the secret held outside it, and a second secret would add
deployment burden without stopping anyone the first does not. (Ed25519 would let third parties
verify without the power to sign, but the server must hold the signing key to write periodic
checkpoints anyway, so it protects against no one who can reach the server.)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import RecordEntry, SelectionCase
from app.db.uow import UnitOfWork
from app.services import audit
from app.services.context import Actor
from app.settings import Settings

FORMAT = "cadre-record-checkpoint/1"
PREFIX = "checkpoint-"
_DERIVE = b"cadre record checkpoint v1"

ChainId = tuple[str, str]  # (subject_type, subject_id as str)


def checkpoint_key(record_key: bytes | None = None) -> bytes:
    return hmac.new(
        audit.record_key() if record_key is None else record_key, _DERIVE, hashlib.sha256
    ).digest()


def key_id(key: bytes) -> str:
    """Which key signed (not the key): lets an operator tell a rotated key from a forgery."""
    return hashlib.sha256(b"key-id\x00" + key).hexdigest()[:16]


def _canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(doc: dict[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in doc.items() if k != "mac"}
    return hmac.new(key, _canonical(unsigned), hashlib.sha256).hexdigest()


def heads(session: Session) -> dict[ChainId, tuple[int, str]]:
    """Every chain's last entry: (subject_type, subject_id) -> (seq, hash)."""
    last = (
        select(
            RecordEntry.subject_type,
            RecordEntry.subject_id,
            func.max(RecordEntry.seq).label("seq"),
        )
        .group_by(RecordEntry.subject_type, RecordEntry.subject_id)
        .subquery()
    )
    rows = session.execute(
        select(
            RecordEntry.subject_type, RecordEntry.subject_id, RecordEntry.seq, RecordEntry.hash
        ).join(
            last,
            (RecordEntry.subject_type == last.c.subject_type)
            & (RecordEntry.subject_id == last.c.subject_id)
            & (RecordEntry.seq == last.c.seq),
        )
    ).all()
    return {(st, str(sid)): (seq, h) for st, sid, seq, h in rows}


def write_checkpoint(
    session_factory: Callable[[], Session], settings: Settings, *, now: datetime | None = None
) -> Path:
    """Write a signed checkpoint of every chain's head into `settings.checkpoint_dir`; returns
    its path. For `cadre record checkpoint` and the periodic worker (several may run: each
    writes its own file, named by the instant, to the microsecond)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    with session_factory() as session:
        found = heads(session)
        session.rollback()
    key = checkpoint_key()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "created_at": now.isoformat(timespec="microseconds"),
        "algorithm": "HMAC-SHA256",
        "key_id": key_id(key),
        "chains": [
            {"subject_type": st, "subject_id": sid, "seq": seq, "hash": h}
            for (st, sid), (seq, h) in sorted(found.items())
        ],
    }
    doc["mac"] = sign(doc, key)
    directory = Path(settings.checkpoint_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}.json"
    # Written whole or not at all: a crash leaves no half file that would read as a forgery.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(doc, indent=1, sort_keys=True).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class Checkpoint:
    name: str
    created_at: datetime
    heads: dict[ChainId, tuple[int, str]]


def _parse(path: Path, key: bytes) -> Checkpoint:
    """The checkpoint in `path`; ValueError saying why it is not a genuine one."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"unreadable ({exc.__class__.__name__})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not a record checkpoint")
    if not hmac.compare_digest(str(doc.get("mac", "")), sign(doc, key)):
        raise ValueError("its signature does not verify under the record key")
    try:
        created = datetime.fromisoformat(doc["created_at"])
        found = {
            (str(c["subject_type"]), str(c["subject_id"])): (int(c["seq"]), str(c["hash"]))
            for c in doc["chains"]
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("signed, but malformed") from exc
    return Checkpoint(path.name, created, found)


def latest(directory: Path, key: bytes | None = None) -> tuple[Checkpoint | None, list[str]]:
    """The newest genuine checkpoint, and a problem for every newer file that is not one."""
    key = checkpoint_key() if key is None else key
    problems: list[str] = []
    if not directory.is_dir():
        return None, problems
    for path in sorted(directory.glob(f"{PREFIX}*.json"), reverse=True):
        try:
            return _parse(path, key), problems
        except ValueError as exc:
            problems.append(f"checkpoint {path.name} is not genuine: {exc}")
    return None, problems


# --- verification ------------------------------------------------------------------------------


@dataclass
class ChainReport:
    subject_type: str
    subject_id: str
    entries: int
    head_seq: int | None
    checkpoint_seq: int | None
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems


@dataclass
class Verification:
    checked_at: datetime
    checkpoint: Checkpoint | None
    chains: list[ChainReport]
    problems: list[str]

    @property
    def verified(self) -> bool:
        return not self.problems and all(c.verified for c in self.chains)


def _chains(session: Session) -> Iterable[tuple[ChainId, list[RecordEntry]]]:
    rows = session.scalars(
        select(RecordEntry).order_by(
            RecordEntry.subject_type, RecordEntry.subject_id, RecordEntry.seq
        )
    )
    for key, group in itertools.groupby(rows, key=lambda e: (e.subject_type, str(e.subject_id))):
        yield key, list(group)


def _against_checkpoint(
    report: ChainReport, entries: list[RecordEntry], cp: Checkpoint, at: tuple[int, str]
) -> None:
    seq, expected = at
    by_seq = {e.seq: e for e in entries}
    if not entries:
        report.problems.append(
            f"checkpoint {cp.name} lists this chain with {seq} entries; it is gone"
        )
    elif seq not in by_seq:
        report.problems.append(
            f"truncated: checkpoint {cp.name} lists {seq} entries, the chain has "
            f"{len(entries)} (ends at entry {entries[-1].seq})"
        )
    elif by_seq[seq].hash != expected:
        report.problems.append(f"replaced: entry {seq} is not the one checkpoint {cp.name} signed")
    else:
        return
    if report.first_bad_seq is None or report.first_bad_seq > min(seq, len(entries) + 1):
        report.first_bad_seq = min(seq, len(entries) + 1)


def verify_all(
    session: Session, settings: Settings, *, now: datetime | None = None
) -> Verification:
    """Every chain, every case's head and stage, and every chain against the latest checkpoint."""
    cp, problems = latest(Path(settings.checkpoint_dir))
    cases = {str(c.id): c for c in session.scalars(select(SelectionCase))}
    reports: list[ChainReport] = []
    seen: set[ChainId] = set()
    for chain_id, entries in _chains(session):
        seen.add(chain_id)
        reports.append(_report(chain_id, entries, cases, cp))
    # Chains with no entry left: every case has one from its creation; checkpointed chains too.
    missing = {("case", cid) for cid in cases} | (set(cp.heads) if cp else set())
    for chain_id in sorted(missing - seen):
        reports.append(_report(chain_id, [], cases, cp))
    reports.sort(key=lambda r: (r.subject_type, r.subject_id))
    return Verification(now or datetime.now(UTC), cp, reports, problems)


def _report(
    chain_id: ChainId,
    entries: list[RecordEntry],
    cases: dict[str, SelectionCase],
    cp: Checkpoint | None,
) -> ChainReport:
    subject_type, subject_id = chain_id
    report = ChainReport(
        subject_type=subject_type,
        subject_id=subject_id,
        entries=len(entries),
        head_seq=entries[-1].seq if entries else None,
        checkpoint_seq=cp.heads[chain_id][0] if cp and chain_id in cp.heads else None,
    )
    case = cases.get(subject_id) if subject_type == "case" else None
    if case is not None:
        report.first_bad_seq, report.problems = audit.check_case(case, entries)
    elif subject_type == "case":
        report.problems.append("the record of a case whose row is gone")
    elif entries:
        report.first_bad_seq = audit.verify(entries)
        if report.first_bad_seq is not None:
            report.problems.append(f"the hash chain breaks at entry {report.first_bad_seq}")
    if cp is not None and chain_id in cp.heads:
        _against_checkpoint(report, entries, cp, cp.heads[chain_id])
    return report


def verification(uow: UnitOfWork, actor: Actor, settings: Settings) -> Verification:
    """GET /api/v1/record/verification: the auditor's view (安全审计员), whole system."""
    actor.role_for("record.verify")
    return verify_all(uow.session, settings)
