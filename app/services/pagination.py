"""Keyset pagination with opaque cursors: the list machinery every list uses.

`ListOrders` serves the lists a client sorts (`sort=-updated_at`, `sort=name`, see below).
`paginate` / `encode_cursor` serve the lists kept in one fixed (instant, id) order; their cursor
is base64url of `<UTC instant>|<id>|<check>`.

`check` is a keyed hash of the rest: a cursor edited by hand, cut short or made up is refused
with a 422 (InvalidInput) before any query runs, never a 500. The check guards integrity only:
a forged cursor would grant nothing, since it only says where a page the caller may read starts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVarTuple

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


# --- sorted lists -------------------------------------------------------------------------------
#
# Every list takes `sort` (a field name, `-` for descending) and a keyset `cursor`. The cursor of
# a sorted list is base64url of JSON `[list, sort, [values of the sort columns], id]` plus a keyed
# check: it says which list and which order it was made for, so a cursor passed to another list,
# with another sort, or edited is a 422 before any query runs, never a wrong page.

_SORT_MISMATCH = "this cursor was made for sort={made}; repeat that sort or drop the cursor"


@dataclass(frozen=True, slots=True)
class Sort:
    name: str  # as the client wrote it, e.g. "-updated_at"
    columns: tuple[InstrumentedAttribute[Any], ...]
    descending: bool


class ListOrders:
    """The orders one list allows; each is served by an index on (columns..., id)."""

    def __init__(
        self,
        scope: str,
        id_col: InstrumentedAttribute[uuid.UUID],
        orders: dict[str, tuple[InstrumentedAttribute[Any], ...]],
        default: str = "created_at",
    ) -> None:
        self.scope = scope
        self.id_col = id_col
        self.orders = orders
        self.default = default

    @property
    def values(self) -> list[str]:
        return [v for name in self.orders for v in (name, f"-{name}")]

    @property
    def pattern(self) -> str:
        return f"^-?({'|'.join(self.orders)})$"

    def description(self, notes: str = "") -> str:
        return (
            f"Order of the list: one of {', '.join(self.orders)}; `-` in front for descending "
            f"(e.g. `-updated_at`). Ties are broken by id. Default `{self.default}`. A cursor "
            "keeps working under the sort it was made with; with another sort it is a 422."
            + (f" {notes}" if notes else "")
        )

    def parse(self, sort: str | None) -> Sort:
        name = (sort or self.default).strip()
        field = name.removeprefix("-")
        if field not in self.orders:
            raise InvalidInput(f"sort must be one of {', '.join(self.values)}; got {name!r}")
        return Sort(name, self.orders[field], name.startswith("-"))

    def page(
        self, stmt: Select[*Ts], sort: str | None, cursor: str | None, limit: int
    ) -> Select[*Ts]:
        """`stmt` ordered by `sort`, after `cursor`, `limit` + 1 rows (the extra says "more")."""
        order = self.parse(sort)
        cols: list[Any] = [*order.columns, self.id_col]
        if cursor:
            values = self._decode(cursor, order)
            after = []
            for i, col in enumerate(cols):
                step = col < values[i] if order.descending else col > values[i]
                after.append(and_(*(cols[j] == values[j] for j in range(i)), step))
            stmt = stmt.where(or_(*after))
        return stmt.order_by(*(c.desc() if order.descending else c.asc() for c in cols)).limit(
            limit + 1
        )

    def next_cursor(self, rows: Sequence[Any], sort: str | None, limit: int) -> str | None:
        """The cursor after `rows[limit - 1]` when `rows` (limit + 1 at most) has more."""
        if len(rows) <= limit:
            return None
        order = self.parse(sort)
        last = rows[limit - 1]
        values = [_encode_value(getattr(last, c.key)) for c in order.columns]
        payload = json.dumps(
            [self.scope, order.name, values, str(getattr(last, self.id_col.key))],
            separators=(",", ":"),
            ensure_ascii=False,
        )
        raw = f"{payload}\n{_check(payload)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, cursor: str, order: Sort) -> list[Any]:
        try:
            padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
            raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
            payload, check = raw.decode("utf-8").rsplit("\n", 1)
            if not hmac.compare_digest(check, _check(payload)):
                raise ValueError("check does not match")
            scope, made, values, rid = json.loads(payload)
            if scope != self.scope or not isinstance(made, str):
                raise ValueError("not a cursor of this list")
            if made != order.name:
                raise InvalidInput(_SORT_MISMATCH.format(made=made))
            if not isinstance(values, list) or len(values) != len(order.columns):
                raise ValueError("not a cursor of this sort")
            return [_decode_value(v) for v in values] + [uuid.UUID(str(rid))]
        except (ValueError, TypeError, UnicodeError, binascii.Error, OverflowError) as exc:
            raise InvalidInput(INVALID_CURSOR) from exc


def _encode_value(value: object) -> object:
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise TypeError(f"cannot sort by {type(value).__name__}")  # pragma: no cover (programming)


def _decode_value(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        at = datetime.fromisoformat(value["t"])
        if at.tzinfo is None or at.utcoffset() is None or not _EARLIEST <= at < _LATEST:
            raise ValueError("not an aware instant in range")
        return at.astimezone(UTC)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise ValueError("not a sort value")
