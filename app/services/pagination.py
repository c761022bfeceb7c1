"""Keyset pagination with opaque cursors over (created_at, id)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.errors import InvalidInput

Ts = TypeVarTuple("Ts")


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, rid = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(created), uuid.UUID(rid)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page") from exc


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
