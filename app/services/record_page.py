"""A case's record (纪实, REC-RECORD) one page at a time, each page verified on its own.

Why: verifying and returning the whole chain on every read made a record of 2,000 entries cost
30× one of 10. A page costs the same whatever the record's length: its entries are checked
against the key and linked to each other and to the entry before the page, and the record's
last entry is checked against the head the case's row carries and against the case's stage
(`audit.head_problem`). An entry deleted inside the page, an edited or forged entry on it, a cut
tail or a rewritten stage column is reported on every page; a rewrite elsewhere is found by the
page that shows it and by the whole-chain verification (`verify=chain`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

from sqlalchemy import select

from app.db.models import RecordEntry, SelectionCase
from app.db.uow import UnitOfWork
from app.domain.errors import InvalidInput
from app.services import audit

_CHECK_KEY = b"cadre-selection/record-cursor/v1"
INVALID_CURSOR = "cursor is not valid; pass the next_cursor of a previous page unchanged"


def _check(seq: int) -> str:
    return hmac.new(_CHECK_KEY, str(seq).encode(), hashlib.sha256).hexdigest()[:16]


def encode_cursor(after_seq: int) -> str:
    raw = f"{after_seq}|{_check(after_seq)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a page starts after; InvalidInput (422) for a cursor we did not make."""
    try:
        padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        seq_text, check = raw.decode("ascii").split("|")
        seq = int(seq_text)
        if seq < 0 or not hmac.compare_digest(check, _check(seq)):
            raise ValueError("check does not match")
        return seq
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise InvalidInput(INVALID_CURSOR) from exc


def _window(uow: UnitOfWork, case_id: uuid.UUID, after: int, limit: int) -> list[RecordEntry]:
    """The entry a page starts after (when after > 0), the page, and one more (is there more)."""
    return list(
        uow.session.scalars(
            select(RecordEntry)
            .where(
                RecordEntry.subject_type == "case",
                RecordEntry.subject_id == case_id,
                RecordEntry.seq >= max(after, 1),
            )
            .order_by(RecordEntry.seq)
            .limit(limit + 1 + (1 if after > 0 else 0))
        )
    )


def check_page(prev: RecordEntry | None, after: int, page: list[RecordEntry]) -> int | None:
    """The first seq on the page whose link or key check fails, or None.

    The page must continue the chain: contiguous seqs from `after` + 1, each prev_hash the hash
    before it (the genesis for entry 1), each hash what its fields and the key give.
    """
    key = audit.record_key()
    if after > 0 and (prev is None or prev.seq != after):
        return after  # the entry the page starts after is gone
    prev_hash = prev.hash if prev is not None else audit.GENESIS
    keyed = prev is not None and prev.hash_version == audit.KEYED
    for expected_seq, e in enumerate(page, start=after + 1):
        computed = audit.compute_hash(e, prev_hash, key) or ""
        if (
            e.seq != expected_seq
            or e.prev_hash != prev_hash
            or (keyed and e.hash_version != audit.KEYED)  # no unkeyed entry after a keyed one
            or not hmac.compare_digest(computed, e.hash)
        ):
            return e.seq
        keyed = e.hash_version == audit.KEYED
        prev_hash = e.hash
    return None


def page(
    uow: UnitOfWork, case: SelectionCase, *, cursor: str | None, limit: int
) -> tuple[list[RecordEntry], str | None, int | None, list[str]]:
    """(entries, next cursor, first bad seq, problems) for one page of the case's record."""
    after = decode_cursor(cursor) if cursor else 0
    rows = _window(uow, case.id, after, limit)
    prev = rows.pop(0) if after > 0 and rows and rows[0].seq == after else None
    more = len(rows) > limit
    entries = rows[:limit]
    nxt = encode_cursor(entries[-1].seq) if more and entries else None
    if check_page(prev, after, entries) is None and audit.head_problem(uow.session, case) is None:
        return entries, nxt, None, []
    # Something does not verify: the whole chain says exactly what and where (the slow path
    # is taken only for a record that has been tampered with).
    bad, problems = chain(uow, case)
    return entries, nxt, bad, problems


def chain(uow: UnitOfWork, case: SelectionCase) -> tuple[int | None, list[str]]:
    """The whole chain verified (O(length)): what `verify=chain` asks for."""
    entries = list(
        uow.session.scalars(
            select(RecordEntry)
            .where(RecordEntry.subject_type == "case", RecordEntry.subject_id == case.id)
            .order_by(RecordEntry.seq)
        )
    )
    return audit.check_case(case, entries)
