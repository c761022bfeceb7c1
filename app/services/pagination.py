"""Keyset pagination with opaque cursors over (created_at, id).

A cursor is base64url of `<UTC instant>|<id>|<check>`, where `check` is a keyed hash of the
rest: a cursor edited by hand, cut short or made up is refused with a 422 (InvalidInput) before
any query runs, never a 500. The check guards integrity only: a forged cursor would grant
nothing, since it only says where a page the caller may read starts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from datetime import UTC, datetime
from typing import TypeVarTuple

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.errors import InvalidInput

Ts = TypeVarTuple("Ts")

_CHECK_KEY = b"cadre-selection/cursor/v1"
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(2101, 1, 1, tzinfo=UTC)
INVALID_CURSOR = "cursor is not valid; pass the next_cursor of a previous page unchanged"


def _check(payload: str) -> str:
    return hmac.new(_CHECK_KEY, payload.encode(), hashlib.sha256).hexdigest()[:16]


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    payload = f"{created_at.astimezone(UTC).isoformat()}|{row_id}"
    raw = f"{payload}|{_check(payload)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """(created_at, id) of a cursor made by encode_cursor; InvalidInput (422) for anything else."""
    try:
        padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        created, rid, check = raw.decode("utf-8").split("|")
        if not hmac.compare_digest(check, _check(f"{created}|{rid}")):
            raise ValueError("check does not match")
        at = datetime.fromisoformat(created)
        if at.tzinfo is None or at.utcoffset() is None or not _EARLIEST <= at < _LATEST:
            raise ValueError("not an aware instant in range")
        return at.astimezone(UTC), uuid.UUID(rid)
    except (ValueError, UnicodeError, binascii.Error, OverflowError) as exc:
        raise InvalidInput(INVALID_CURSOR) from exc


def paginate(
    stmt: Select[*Ts],
    created_col: InstrumentedAttribute[datetime],
    id_col: InstrumentedAttribute[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> Select[*Ts]:
    if cursor:
        at, rid = decode_cursor(cursor)
        stmt = stmt.where(or_(created_col > at, and_(created_col == at, id_col > rid)))
    return stmt.order_by(created_col, id_col).limit(limit + 1)
